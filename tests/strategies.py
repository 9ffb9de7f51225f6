"""Hypothesis strategies for valid worlds, shared by every area's property tests.

`worlds()` draws a `World` that passes the model and `accord.domain.problems` (unique ids, resolving
references, ordered versions, non-overlapping custody), with the awkward values the store must keep
exactly: dates beside instants, several UTC offsets, microseconds, Decimals of varying precision,
optional `recorded_at` on every fact. `persons()` draws one valid person.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from accord.domain import (
    AcceptanceRecord,
    AcceptanceTerms,
    Agreement,
    AgreementVersion,
    AssuranceRecord,
    Conviction,
    Country,
    CourtOrder,
    CustodyRecord,
    Designation,
    Facility,
    FearClaim,
    Fee,
    Identity,
    Money,
    Notice,
    PendingClaim,
    Person,
    Protection,
    RemovalOrder,
    Scope,
    Stay,
    World,
)
from accord.domain.codes import minor_units

SENDING = "USA"
COUNTRIES = ("SLV", "VEN", "HND", "GTM", "MEX", "COL", "ECU", "CRI")
LANGUAGES = ("spa", "eng", "por", "fra")
ZONES = ("UTC", "America/El_Salvador", "America/New_York", "Asia/Kolkata")
OFFSETS = (UTC, timezone(timedelta(hours=-4)), timezone(timedelta(hours=-6)), timezone(timedelta(hours=5, minutes=30)))
FEES = (
    ("year", "actual_365"),
    ("month", "monthly_prorated"),
    ("month", "whole_months_started"),
    ("day", "actual_365"),
    ("version", "lump_sum"),
)

codes = st.sampled_from(COUNTRIES)
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
instants = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.sampled_from(OFFSETS)
)
words = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-", min_size=1, max_size=6), min_size=1, max_size=3
).map(" ".join)
# Ids as domain/limits.py allows them: never starting with a formula character.
identifiers = st.builds(
    str.__add__,
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=1),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", max_size=7),
)
recorded = st.none() | instants
# An open vocabulary: the longest kind fills the store's column.
DESIGNATION_KINDS = ("aea_tda", "ms13", "barrio_18", "k" + "_" * 30 + "9")


def amounts(places: int = 2) -> st.SearchStrategy[Decimal]:
    """Non-negative Decimals with 0 to `places` places (the currency's), written as they are (e.g.
    20000.00 keeps its zeros)."""
    return st.builds(lambda n, p: Decimal(n).scaleb(-p), st.integers(0, 10**9), st.integers(0, places))


@st.composite
def interval(draw: st.DrawFn, optional_end: bool = True) -> tuple[date | datetime, date | datetime | None]:
    """A start (a date or an instant) and an end strictly after it, of the same kind, or no end."""
    if draw(st.booleans()):
        start: date | datetime = draw(days)
        end: date | datetime = start + timedelta(days=draw(st.integers(1, 900)))
    else:
        start = draw(instants)
        end = start + timedelta(seconds=draw(st.integers(1, 10**8)))
    return start, (end if not optional_end or draw(st.booleans()) else None)


@st.composite
def removal_orders(draw: st.DrawFn) -> RemovalOrder:
    issued, final = draw(interval())
    return RemovalOrder(
        basis=draw(st.sampled_from(["title8", "aea"])),
        issued=issued,
        final=final,
        designated=tuple(draw(st.lists(codes, max_size=2, unique=True))),
        recorded_at=draw(recorded),
    )


@st.composite
def protections(draw: st.DrawFn) -> Protection:
    granted, terminated = draw(interval())
    return Protection(
        kind=draw(st.sampled_from(["withholding_241b3", "cat_withholding", "cat_deferral"])),
        country=draw(codes),
        granted=granted,
        terminated=terminated,
        recorded_at=draw(recorded),
    )


@st.composite
def stays(draw: st.DrawFn) -> Stay:
    start, until = draw(interval())
    return Stay.model_validate(
        {
            "kind": draw(st.sampled_from(["judicial", "bia", "automatic"])),
            "from": start,
            "until": until,
            "recorded_at": draw(recorded),
        }
    )


@st.composite
def pending_claims(draw: st.DrawFn) -> PendingClaim:
    filed, decided = draw(interval())
    kind = draw(st.sampled_from(["asylum", "bia_appeal", "petition_for_review", "motion_to_reopen"]))
    return PendingClaim(kind=kind, filed=filed, decided=decided, recorded_at=draw(recorded))


@st.composite
def convictions(draw: st.DrawFn) -> Conviction:
    return Conviction(
        date=draw(days | instants),
        offense=draw(words),
        aggravated_felony=draw(st.booleans()),
        recorded_at=draw(recorded),
    )


@st.composite
def designations(draw: st.DrawFn) -> Designation:
    start, until = draw(interval())
    kind = draw(st.sampled_from(DESIGNATION_KINDS))
    return Designation.model_validate({"kind": kind, "from": start, "until": until, "recorded_at": draw(recorded)})


@st.composite
def notices(draw: st.DrawFn) -> Notice:
    return Notice(
        kind="third_country",
        country=draw(codes),
        served=draw(instants),
        language=draw(st.sampled_from(LANGUAGES)),
        exigent=draw(st.booleans()),
        attorney_access=draw(st.booleans()),
        recorded_at=draw(recorded),
    )


@st.composite
def fear_claims(draw: st.DrawFn) -> FearClaim:
    stated = draw(instants)
    outcome = draw(st.sampled_from(["pending", "positive", "negative"]))
    decided = stated + timedelta(seconds=draw(st.integers(0, 10**7)))
    if outcome == "pending" and draw(st.booleans()):
        decided = None
    return FearClaim(country=draw(codes), stated=stated, outcome=outcome, decided=decided, recorded_at=draw(recorded))


def _few(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=2).map(tuple)


@st.composite
def persons(draw: st.DrawFn, ident: str | None = None) -> Person:
    """A valid person, each of its facts with or without its own `recorded_at`."""
    return Person(
        id=ident or draw(identifiers),
        birth_date=draw(st.none() | days),
        sex=draw(st.none() | st.sampled_from(["M", "F", "X"])),
        status=draw(st.sampled_from(["citizen", "lpr", "refugee", "parolee", "nonimmigrant", "undocumented"])),
        nationalities=tuple(draw(st.lists(codes, max_size=2, unique=True))),
        accompanied=draw(st.booleans()),
        languages=tuple(draw(st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True))),
        district=draw(st.none() | identifiers),
        identity=draw(
            st.none()
            | st.builds(Identity, verified=st.booleans(), reference=st.none() | identifiers, recorded_at=recorded)
        ),
        orders=draw(_few(removal_orders())),
        protections=draw(_few(protections())),
        stays=draw(_few(stays())),
        pending=draw(_few(pending_claims())),
        convictions=draw(_few(convictions())),
        designations=draw(_few(designations())),
        notices=draw(_few(notices())),
        fear_claims=draw(_few(fear_claims())),
        recorded_at=draw(recorded),
    )


@st.composite
def countries(draw: st.DrawFn, code: str) -> Country:
    starts = sorted(draw(st.lists(days, max_size=3, unique=True)))
    acceptance = tuple(
        AcceptanceRecord.model_validate(
            {
                "from": start,
                "status": draw(st.sampled_from(["accepts", "refuses", "no_response"])),
                "recorded_at": draw(recorded),
            }
        )
        for start in starts
    )
    assurances = []
    for _ in range(draw(st.integers(0, 2))):
        start, until = draw(interval())
        assurances.append(AssuranceRecord.model_validate({"from": start, "until": until}))
    return Country(
        code=code,
        acceptance=acceptance,
        credible_assurances=tuple(assurances),
        returns_onward=tuple(draw(st.lists(codes, max_size=2, unique=True))),
        recorded_at=draw(recorded),
    )


@st.composite
def facilities(draw: st.DrawFn, ident: str) -> Facility:
    return Facility(
        id=ident,
        country=draw(codes),
        kind=draw(st.sampled_from(["prison", "detention_center", "shelter", "other"])),
        capacity=draw(st.none() | st.integers(0, 50000)),
        timezone=draw(st.sampled_from(ZONES)),
        name=draw(st.none() | words),
        recorded_at=draw(recorded),
    )


@st.composite
def agreement_versions(draw: st.DrawFn, start: date) -> AgreementVersion:
    currency = draw(st.sampled_from(["USD", "EUR", "JPY"]))
    per, proration = draw(st.sampled_from(FEES))
    places = minor_units(currency)
    fee = draw(st.none() | st.just(Fee(amount=draw(amounts(places)), currency=currency, per=per, proration=proration)))
    rate = draw(st.none() | st.just(Money(amount=draw(amounts(places)), currency=currency)))
    accepts = AcceptanceTerms(
        nationalities=draw(st.just("any") | st.lists(codes, min_size=1, max_size=3, unique=True).map(tuple)),
        exclude_nationalities=tuple(draw(st.lists(codes, max_size=2, unique=True))),
        sexes=draw(st.none() | st.lists(st.sampled_from(["M", "F", "X"]), max_size=2, unique=True).map(tuple)),
        min_age=draw(st.none() | st.integers(0, 30)),
        requires_conviction=draw(st.booleans()),
    )
    return AgreementVersion.model_validate(
        {
            "from": start,
            "status": draw(st.sampled_from(["in_force", "suspended", "signed", "expired", "paused"])),
            "accepts": accepts,
            "requires_home_unavailable": draw(st.booleans()),
            "capacity": draw(st.none() | st.integers(0, 1000)),
            "fee": fee,
            "flight_hour_rate": rate,
            "retroactive": draw(st.booleans()),
            "recorded_at": draw(recorded),
        }
    )


@st.composite
def agreements(draw: st.DrawFn, ident: str, facility_ids: list[str]) -> Agreement:
    receiving = draw(codes)
    facility = draw(st.none() | st.sampled_from(facility_ids)) if facility_ids else None
    starts = sorted(draw(st.lists(days, min_size=1, max_size=3, unique=True)))
    return Agreement(
        id=ident,
        sending=SENDING,
        receiving=receiving,
        funder=draw(st.none() | st.just(SENDING)),
        facility=facility,
        timezone=draw(st.sampled_from(ZONES)) if facility is None else draw(st.none() | st.sampled_from(ZONES)),
        title=draw(st.none() | words),
        source=draw(st.none() | words),
        versions=tuple(draw(agreement_versions(start)) for start in starts),
        recorded_at=draw(recorded),
    )


@st.composite
def court_orders(draw: st.DrawFn, ident: str, person_ids: list[str]) -> CourtOrder:
    binding_from = draw(instants)
    until = draw(st.none() | st.integers(1, 10**8).map(lambda s: binding_from + timedelta(seconds=s)))
    scope = Scope(
        persons=draw(st.none() | st.lists(st.sampled_from(person_ids), min_size=1, unique=True).map(tuple))
        if person_ids
        else None,
        nationalities=draw(st.none() | st.lists(codes, min_size=1, max_size=2, unique=True).map(tuple)),
        order_basis=draw(st.none() | st.just(("aea",))),
        carve_out_otherwise_removable=draw(st.booleans()),
    )
    return CourtOrder(
        id=ident,
        binding_from=binding_from,
        until=until,
        effect=draw(st.sampled_from(["bar_removal", "require_return"])),
        scope=scope,
        court=draw(st.none() | words),
        recorded_at=draw(recorded),
    )


@st.composite
def custody(draw: st.DrawFn, agreement_ids: list[str], person_ids: list[str]) -> tuple[CustodyRecord, ...]:
    """At most one record per (person, agreement), so none overlap; plus anonymous blocks."""
    records = []
    for agreement in agreement_ids:
        for person in draw(st.lists(st.sampled_from(person_ids), unique=True, max_size=2)) if person_ids else []:
            records.append({"person": person, "agreement": agreement})
        records += [
            {"count": draw(st.integers(1, 500)), "agreement": agreement} for _ in range(draw(st.integers(0, 1)))
        ]
    result = []
    for record in draw(st.permutations(records)):
        intake = draw(days)
        length = draw(st.none() | st.integers(1, 400))
        release = intake + timedelta(days=length) if length else None
        result.append(CustodyRecord(**record, intake=intake, release=release, recorded_at=draw(recorded)))
    return tuple(result)


def _ids(prefix: str, most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(identifiers.map(lambda s: f"{prefix}{s}"), max_size=most, unique=True)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    facility_ids = draw(_ids("F-", 2))
    agreement_ids = draw(_ids("A-", 2))
    person_ids = draw(_ids("P-", 4))
    order_ids = draw(_ids("CO-", 2))
    return World(
        sending_state=SENDING,
        rule_pack=draw(st.none() | st.sampled_from(["us", "generic"])),
        countries=tuple(draw(countries(code)) for code in draw(st.lists(codes, max_size=3, unique=True))),
        facilities=tuple(draw(facilities(i)) for i in facility_ids),
        agreements=tuple(draw(agreements(i, facility_ids)) for i in agreement_ids),
        persons=tuple(draw(persons(i)) for i in person_ids),
        court_orders=tuple(draw(court_orders(i, person_ids)) for i in order_ids),
        custody=draw(custody(agreement_ids, person_ids)),
    )

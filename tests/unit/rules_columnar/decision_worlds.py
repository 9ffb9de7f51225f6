"""A decision-focused Hypothesis generator: small worlds whose facts sit on and around the instants where
a gate changes its answer (as_of itself, era boundaries, DST changes, the 24 h / 10 day / 15 day / 30 day
periods), so that every reason code, every court-order scope field, the carve-out and `known_at` are
exercised on both sides of each boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
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
    Identity,
    Notice,
    PendingClaim,
    Person,
    Protection,
    RemovalOrder,
    Scope,
    Stay,
    World,
)

EDT, EST, UTC_ = timezone(timedelta(hours=-4)), timezone(timedelta(hours=-5)), UTC
# Decision instants near every era boundary of the US pack, a DST change, and before the US pack.
ANCHORS = (
    datetime(1999, 3, 22, 0, 0, tzinfo=EST),
    datetime(2025, 3, 15, 19, 36, tzinfo=EDT),
    datetime(2025, 3, 28, 0, 0, tzinfo=EDT),
    datetime(2025, 4, 18, 0, 0, tzinfo=EDT),
    datetime(2025, 5, 10, 12, 0, tzinfo=EDT),
    datetime(2025, 6, 1, 12, 0, tzinfo=EDT),
    datetime(2025, 6, 23, 0, 0, tzinfo=EDT),
    datetime(2025, 7, 9, 0, 0, tzinfo=EDT),
    datetime(2025, 11, 2, 1, 30, tzinfo=EDT),
    datetime(2025, 11, 12, 1, 30, tzinfo=EST),
    # Before every era of the US pack (input stops at 1900, domain/limits.py: facts reach 60 years back).
    datetime(1961, 1, 1, 0, 0, tzinfo=UTC_),
)
# Offsets from as_of at which a gate flips: exactly on it, the hour periods, the day periods (with a
# DST change inside some of them), and far in the past or the future.
SPECIAL = tuple(
    timedelta(hours=h)
    for h in (0, -6, -24, -24 * 10, -24 * 10 - 1, -24 * 15, -24 * 15 + 1, -24 * 30, -24 * 30 - 1, -24 * 400, 2, 48)
)
NATIONS = ("VEN", "SLV", "HND", "GTM", "MEX", "USA")
DESTINATIONS = ("SLV", "HND", "GTM", "MEX", "SWZ", "VEN")
LANGS = ("spa", "eng", "quc")
# An open vocabulary; people hold the first two, so a court order may name a kind nobody holds.
DESIGNATIONS = ("aea_tda", "ms13", "barrio_18")


def near(anchor: datetime) -> st.SearchStrategy[datetime]:
    offsets = st.one_of(
        st.sampled_from(SPECIAL), st.integers(-24 * 60 * 60, 24 * 60 * 3).map(lambda m: timedelta(minutes=m))
    )
    zones = st.sampled_from((EDT, EST, UTC_, timezone(timedelta(hours=-6))))
    return st.tuples(offsets, zones).map(lambda oz: (anchor + oz[0]).astimezone(oz[1]))


def moment(anchor: datetime) -> st.SearchStrategy[datetime | date]:
    """An instant near the anchor, or the date of one (the start of that day in the pack's zone)."""
    return near(anchor).flatmap(lambda t: st.sampled_from((t, t.date())))


def recorded(anchor: datetime) -> st.SearchStrategy[datetime | None]:
    return st.one_of(st.none(), st.none(), near(anchor))


def _after(start: datetime | date, gap: int) -> datetime | date:
    return start + timedelta(days=gap)


@st.composite
def interval(draw: st.DrawFn, anchor: datetime) -> tuple[datetime | date, datetime | date | None]:
    start = draw(moment(anchor))
    end = draw(st.one_of(st.none(), st.integers(1, 40).map(lambda d: _after(start, d))))
    return start, end


@st.composite
def person(draw: st.DrawFn, pid: str, t: datetime, targets: tuple[str, ...]) -> Person:
    """Half the people start removable (so that pathways are also allowed), with a few random facts on
    top; the others are drawn freely."""
    if draw(st.booleans()):
        return draw(removable(pid, t, targets))
    nats = draw(st.lists(st.sampled_from(NATIONS), max_size=3))
    status = draw(st.sampled_from(("undocumented", "undocumented", "lpr", "citizen", "refugee", "parolee")))
    birth = draw(st.one_of(st.none(), st.integers(5, 60).flatmap(lambda years: birthday(t, years))))
    return Person(
        id=pid,
        birth_date=birth,
        sex=draw(st.sampled_from((None, "M", "M", "F", "X"))),
        status=status,
        nationalities=tuple(nats),
        accompanied=draw(st.booleans()),
        languages=tuple(draw(st.lists(st.sampled_from(LANGS), max_size=2, unique=True))),
        district=draw(st.sampled_from((None, "SDTX", "DMD"))),
        identity=draw(st.one_of(st.none(), identity(t))),
        orders=tuple(draw(st.lists(order(t), max_size=2))),
        protections=tuple(draw(st.lists(protection(t), max_size=2))),
        stays=tuple(draw(st.lists(stay(t), max_size=1))),
        pending=tuple(draw(st.lists(pending(t), max_size=2))),
        convictions=tuple(draw(st.lists(conviction(t), max_size=1))),
        designations=tuple(draw(st.lists(designation(t), max_size=1))),
        notices=tuple(draw(st.lists(notice(t), max_size=3))),
        fear_claims=tuple(draw(st.lists(fear(t), max_size=2))),
        recorded_at=draw(recorded(t)),
    )


def identity(t: datetime, verified: tuple[bool, ...] = (True, True, False)) -> st.SearchStrategy[Identity]:
    """An identity record, sometimes learnt only around as_of (before then: unverified)."""
    return st.builds(Identity, verified=st.sampled_from(verified), recorded_at=recorded(t))


def birthday(t: datetime, years: int) -> st.SearchStrategy[date]:
    """A birth date around the day someone turns `years` at `t` (29 February included)."""
    day = date(t.year - years, t.month, min(t.day, 28))
    return st.one_of(
        st.integers(-3, 3).map(lambda d: day + timedelta(days=d)),
        st.just(date(2000 - 4 * (years % 5), 2, 29)),
    )


@st.composite
def removable(draw: st.DrawFn, pid: str, t: datetime, targets: tuple[str, ...]) -> Person:
    """An adult man with a final Title 8 order long ago, a conviction, notices in his language, and at
    most one more fact of a few kinds."""
    nationality = draw(st.sampled_from(NATIONS[:-1]))
    long_ago = t - timedelta(days=400)
    served = draw(
        st.lists(notice(t, targets).map(lambda n: n.model_copy(update={"language": "spa"})), min_size=1, max_size=3)
    )
    return Person(
        id=pid,
        birth_date=draw(birthday(t, draw(st.sampled_from((13, 14, 17, 18, 30))))),
        sex="M",
        status="undocumented",
        nationalities=(nationality,),
        languages=("spa",),
        district="SDTX",
        identity=draw(identity(t, (True,))),
        orders=(
            RemovalOrder(
                basis=draw(st.sampled_from(("title8", "aea"))),
                issued=long_ago,
                final=long_ago,
                designated=(nationality,),
            ),
            *draw(st.lists(order(t), max_size=1)),
        ),
        protections=tuple(draw(st.lists(protection(t), max_size=1))),
        pending=tuple(draw(st.lists(pending(t), max_size=1))),
        convictions=(Conviction(date=long_ago, offense="x"),),
        designations=tuple(draw(st.lists(designation(t), max_size=1))),
        notices=tuple(served),
        fear_claims=tuple(draw(st.lists(st.one_of(fear(t, targets), screened(t, targets)), max_size=1))),
        recorded_at=draw(recorded(t)),
    )


@st.composite
def screened(draw: st.DrawFn, t: datetime, targets: tuple[str, ...]) -> FearClaim:
    """A negative screening decided a few days before or after as_of (the reopen period's edges)."""
    decided = t - timedelta(days=draw(st.integers(-2, 17)), minutes=draw(st.sampled_from((0, 1, -1))))
    return FearClaim(
        country=draw(st.sampled_from(targets)), stated=decided - timedelta(days=5), outcome="negative", decided=decided
    )


@st.composite
def order(draw: st.DrawFn, t: datetime) -> RemovalOrder:
    issued = draw(moment(t))
    final = draw(st.one_of(st.none(), st.integers(0, 30).map(lambda d: _after(issued, d))))
    designated = draw(st.lists(st.sampled_from(DESTINATIONS), max_size=2))
    return RemovalOrder(
        basis=draw(st.sampled_from(("title8", "aea"))),
        issued=issued,
        final=final,
        designated=tuple(designated),
        recorded_at=draw(recorded(t)),
    )


@st.composite
def protection(draw: st.DrawFn, t: datetime) -> Protection:
    start, end = draw(interval(t))
    kind = draw(st.sampled_from(("withholding_241b3", "cat_withholding", "cat_deferral")))
    return Protection(
        kind=kind,
        country=draw(st.sampled_from(DESTINATIONS)),
        granted=start,
        terminated=end,
        recorded_at=draw(recorded(t)),
    )


@st.composite
def stay(draw: st.DrawFn, t: datetime) -> Stay:
    start, end = draw(interval(t))
    return Stay.model_validate({"kind": "judicial", "from": start, "until": end, "recorded_at": draw(recorded(t))})


@st.composite
def pending(draw: st.DrawFn, t: datetime) -> PendingClaim:
    start, end = draw(interval(t))
    kind = draw(st.sampled_from(("asylum", "bia_appeal", "petition_for_review", "motion_to_reopen")))
    return PendingClaim(kind=kind, filed=start, decided=end, recorded_at=draw(recorded(t)))


@st.composite
def conviction(draw: st.DrawFn, t: datetime) -> Conviction:
    return Conviction(date=draw(moment(t)), offense="x", recorded_at=draw(recorded(t)))


@st.composite
def designation(draw: st.DrawFn, t: datetime) -> Designation:
    start, end = draw(interval(t))
    return Designation.model_validate(
        {"kind": draw(st.sampled_from(DESIGNATIONS[:2])), "from": start, "until": end, "recorded_at": draw(recorded(t))}
    )


@st.composite
def notice(draw: st.DrawFn, t: datetime, targets: tuple[str, ...] = DESTINATIONS) -> Notice:
    return Notice(
        kind="third_country",
        country=draw(st.sampled_from(targets)),
        served=draw(near(t)),
        language=draw(st.sampled_from(LANGS)),
        exigent=draw(st.booleans()),
        attorney_access=draw(st.booleans()),
        recorded_at=draw(recorded(t)),
    )


@st.composite
def fear(draw: st.DrawFn, t: datetime, targets: tuple[str, ...] = DESTINATIONS) -> FearClaim:
    stated = draw(near(t))
    outcome = draw(st.sampled_from(("pending", "positive", "negative")))
    decided = None
    if outcome != "pending" or draw(st.booleans()):
        decided = stated + draw(
            st.sampled_from((timedelta(0), timedelta(hours=5), timedelta(days=3), timedelta(days=20)))
        )
    if outcome == "pending" and decided is not None:
        decided = None
    return FearClaim(
        country=draw(st.sampled_from(targets)),
        stated=stated,
        outcome=outcome,
        decided=decided,
        recorded_at=draw(recorded(t)),
    )


@st.composite
def country(draw: st.DrawFn, code: str, t: datetime) -> Country:
    starts = sorted(set(draw(st.lists(near(t).map(lambda x: x.astimezone(UTC_)), max_size=2))))
    acceptance = [
        AcceptanceRecord.model_validate(
            {
                "from": s,
                "status": draw(st.sampled_from(("accepts", "refuses", "no_response"))),
                "recorded_at": draw(recorded(t)),
            }
        )
        for s in starts
    ]
    assurances = [
        AssuranceRecord.model_validate({"from": s, "until": e}) for s, e in draw(st.lists(interval(t), max_size=1))
    ]
    onward = draw(st.lists(st.sampled_from(DESTINATIONS), max_size=2, unique=True))
    return Country(
        code=code,
        acceptance=tuple(acceptance),
        credible_assurances=tuple(assurances),
        returns_onward=tuple(c for c in onward if c != code),
    )


@st.composite
def agreement(draw: st.DrawFn, index: int, receiving: str, t: datetime, facility: str | None) -> Agreement:
    starts = sorted(set(draw(st.lists(near(t).map(lambda x: x.astimezone(UTC_)), min_size=1, max_size=3))))
    versions = []
    for i, start in enumerate(starts):
        accepts = AcceptanceTerms(
            nationalities=draw(st.one_of(st.just("any"), st.lists(st.sampled_from(NATIONS), max_size=2).map(tuple))),
            exclude_nationalities=tuple(draw(st.lists(st.sampled_from(NATIONS), max_size=1))),
            sexes=draw(st.sampled_from((None, ("M",), ("M", "F")))),
            min_age=draw(st.sampled_from((None, 14, 18))),
            requires_conviction=draw(st.booleans()),
        )
        versions.append(
            AgreementVersion.model_validate(
                {
                    "from": start,
                    "status": draw(
                        st.sampled_from(("in_force", "in_force", "in_force", "suspended", "signed", "expired"))
                    ),
                    "accepts": accepts if draw(st.booleans()) else AcceptanceTerms(),
                    "requires_home_unavailable": draw(st.booleans()),
                    "capacity": draw(st.sampled_from((None, None, 0, 3, 10))),
                    # Later versions may be learnt late; the first is always known (see test_differential).
                    "recorded_at": draw(recorded(t)) if i else None,
                }
            )
        )
    return Agreement(
        id=f"A{index}",
        sending="USA",
        receiving=receiving,
        facility=facility,
        timezone=None if facility else draw(st.sampled_from(("America/El_Salvador", "UTC", "Africa/Mbabane"))),
        versions=tuple(versions),
        recorded_at=draw(recorded(t)),
    )


@st.composite
def court_order(draw: st.DrawFn, index: int, t: datetime, ids: list[str]) -> CourtOrder:
    fields: dict[str, Any] = {}
    for name, values in (
        ("persons", ids),
        ("nationalities", NATIONS),
        ("designations", DESIGNATIONS),
        ("districts", ("SDTX", "DMD")),
        ("destinations", DESTINATIONS),
        ("pathway_kinds", ("repatriation", "designated", "third_country", "agreement_repatriation")),
        ("order_basis", ("title8", "aea")),
    ):
        if values and draw(st.booleans()):
            fields[name] = tuple(draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True)))
    fields["carve_out_otherwise_removable"] = draw(st.booleans())
    binding = draw(near(t))
    until = draw(st.one_of(st.none(), st.integers(1, 24 * 20).map(lambda h: binding + timedelta(hours=h))))
    return CourtOrder(
        id=f"C{index}",
        binding_from=binding,
        until=until,
        effect=draw(st.sampled_from(("bar_removal", "require_return"))),
        scope=Scope(**fields),
        recorded_at=draw(recorded(t)),
    )


@st.composite
def decision_case(draw: st.DrawFn) -> tuple[World, datetime, datetime | None]:
    """A world, an as_of and a known_at (None = as_of)."""
    anchor = draw(st.sampled_from(ANCHORS))
    t = draw(
        st.one_of(near(anchor), st.integers(-3 * 24 * 60, 3 * 24 * 60).map(lambda m: anchor + timedelta(minutes=m)))
    )
    ids = [f"P{i}" for i in range(draw(st.integers(1, 5)))]
    receivers = draw(st.lists(st.sampled_from(DESTINATIONS), max_size=3))
    persons = [draw(person(pid, t, tuple(receivers) or DESTINATIONS)) for pid in ids]
    prison = Facility(id="F1", country="SLV", kind="prison", timezone="America/El_Salvador")
    agreements = [
        draw(agreement(i, r, t, "F1" if r == "SLV" and draw(st.booleans()) else None)) for i, r in enumerate(receivers)
    ]
    custody = []
    for a in agreements:
        if draw(st.booleans()):
            intake = draw(near(t)).date()
            release = draw(st.sampled_from((None, intake + timedelta(days=1), intake + timedelta(days=3))))
            custody.append(
                CustodyRecord(
                    count=draw(st.integers(1, 6)),
                    agreement=a.id,
                    intake=intake,
                    release=release,
                    recorded_at=draw(recorded(t)),
                )
            )
    codes = draw(st.lists(st.sampled_from(DESTINATIONS), max_size=4, unique=True))
    world = World(
        sending_state="USA",
        countries=tuple(draw(country(c, t)) for c in codes),
        facilities=(prison,),
        agreements=tuple(agreements),
        persons=tuple(persons),
        court_orders=tuple(draw(court_order(i, t, ids)) for i in range(draw(st.integers(0, 3)))),
        custody=tuple(custody),
    )
    known_at = draw(st.one_of(st.none(), near(t)))
    return world, t, known_at

"""Pure predicates over the domain records, one question each, shared by the scalar interpreter and
mirrored by the columnar engine. `tz` is the zone that resolves date-only values (docs/spec/rules.md §3): the
pack's timezone for a person's and a country's records, the agreement's for its versions and custody."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from accord.domain import (
    AcceptanceRecord,
    Agreement,
    AgreementVersion,
    Country,
    CourtOrder,
    FearClaim,
    Notice,
    PendingClaim,
    Person,
    Protection,
    RemovalOrder,
    Scope,
    World,
)
from accord.domain.people import FearOutcome, PendingKind
from accord.domain.time import age_on, local_date, to_instant


def in_effect(start: date | datetime, until: date | datetime | None, instant: datetime, tz: str) -> bool:
    """Half-open `[start, until)`; an interval without `until` is open."""
    return to_instant(start, tz) <= instant and (until is None or instant < to_instant(until, tz))


def is_sending_state_national(person: Person, sending_state: str) -> bool:
    """A citizen, or anyone holding the sending state's nationality (a dual national is a national)."""
    return person.status == "citizen" or sending_state in person.nationalities


def pending_claims(person: Person, kind: PendingKind, as_of: datetime, tz: str) -> tuple[PendingClaim, ...]:
    """Claims of `kind` pending at `as_of`: filed, and not yet decided (`[filed, decided)`)."""
    return tuple(c for c in person.pending if c.kind == kind and in_effect(c.filed, c.decided, as_of, tz))


def administratively_final_orders(person: Person, as_of: datetime, tz: str) -> tuple[RemovalOrder, ...]:
    """The orders final at `as_of`: the one meaning of "final" wherever the rules say it (docs/spec/rules.md,
    "Final"). An order is final when its `final` date has come and no BIA appeal is pending: a pending
    appeal makes none of the person's orders final (a petition for review does not; it needs a stay)."""
    if pending_claims(person, "bia_appeal", as_of, tz):
        return ()
    return tuple(o for o in person.orders if o.final is not None and to_instant(o.final, tz) <= as_of)


def stays_in_effect(person: Person, as_of: datetime, tz: str) -> list[str]:
    return [s.kind for s in person.stays if in_effect(s.from_, s.until, as_of, tz)]


def protections_for(person: Person, country: str, as_of: datetime, tz: str) -> tuple[Protection, ...]:
    """Withholding or CAT protection for `country` in effect: `granted <= as_of < terminated`."""
    return tuple(
        p for p in person.protections if p.country == country and in_effect(p.granted, p.terminated, as_of, tz)
    )


def protected_countries(person: Person, as_of: datetime, tz: str) -> frozenset[str]:
    return frozenset(p.country for p in person.protections if in_effect(p.granted, p.terminated, as_of, tz))


def age_at(person: Person, as_of: datetime, tz: str) -> int | None:
    """Whole years at the local date of `as_of`; None when the birth date is unknown."""
    if person.birth_date is None:
        return None
    return age_on(person.birth_date, local_date(as_of, tz))


def designation_kinds_at(person: Person, instant: datetime, tz: str) -> frozenset[str]:
    return frozenset(d.kind for d in person.designations if in_effect(d.from_, d.until, instant, tz))


def acceptance_at(country: Country | None, as_of: datetime, tz: str) -> AcceptanceRecord | None:
    """The acceptance record in effect: each runs until the next starts. None = no record (accepting)."""
    current = None
    for record in country.acceptance if country is not None else ():
        if to_instant(record.from_, tz) <= as_of:
            current = record
    return current


def assurances_on_file(country: Country | None, as_of: datetime, tz: str) -> bool:
    """A credible-diplomatic-assurances finding for the country is in effect at `as_of`."""
    return country is not None and any(in_effect(a.from_, a.until, as_of, tz) for a in country.credible_assurances)


def version_in_effect(agreement: Agreement, as_of: datetime, tz: str) -> AgreementVersion | None:
    """The version that started last at or before `as_of`; None before the first version."""
    current = None
    for version in agreement.versions:
        if to_instant(version.from_, tz) <= as_of:
            current = version
    return current


def min_age_of(world: World, agreement: Agreement, version: AgreementVersion, prison_min_age: int) -> int | None:
    """The version's `min_age`, else the pack's default when the agreement's facility is a prison."""
    if version.accepts.min_age is not None:
        return version.accepts.min_age
    facility = world.facility_by_id.get(agreement.facility) if agreement.facility is not None else None
    return prison_min_age if facility is not None and facility.kind == "prison" else None


def occupancy(world: World, agreement_id: str, day: date) -> int:
    """People held under the agreement on a local date (`intake <= day < release`), blocks included."""
    return sum(r.headcount for r in world.custody if r.agreement == agreement_id and r.held_on(day))


def has_conviction_by(person: Person, as_of: datetime, tz: str) -> bool:
    return any(to_instant(c.date, tz) <= as_of for c in person.convictions)


def notices_naming(person: Person, destination: str, as_of: datetime) -> tuple[Notice, ...]:
    """Third-country notices served by `as_of` that name the destination, in a language the person
    understands (a person with no recorded language understands none)."""
    return tuple(
        n
        for n in person.notices
        if n.kind == "third_country"
        and n.country == destination
        and n.served <= as_of
        and n.language in person.languages
    )


def fear_claims_for(person: Person, destination: str, as_of: datetime) -> tuple[FearClaim, ...]:
    return tuple(c for c in person.fear_claims if c.country == destination and c.stated <= as_of)


def fear_outcome_at(claim: FearClaim, as_of: datetime) -> FearOutcome:
    """An outcome counts from its `decided` instant; before that the claim is pending."""
    if claim.outcome == "pending" or claim.decided is None or claim.decided > as_of:
        return "pending"
    return claim.outcome


def scope_matches(
    scope: Scope, person: Person, kind: str, destination: str, as_of: datetime, binding_from: datetime, tz: str
) -> bool:
    """Every scope field present matches (docs/spec/rules.md §5); the carve-out is judged separately."""
    final_bases = {o.basis for o in administratively_final_orders(person, as_of, tz)}
    fields: list[tuple[Iterable[str] | None, bool]] = [
        (scope.persons, person.id in (scope.persons or ())),
        (scope.nationalities, bool(set(person.nationalities) & set(scope.nationalities or ()))),
        (scope.designations, bool(designation_kinds_at(person, binding_from, tz) & set(scope.designations or ()))),
        # An unknown custody district never takes a person out of a class: missing data never helps removal.
        (scope.districts, person.district is None or person.district in (scope.districts or ())),
        (scope.destinations, destination in (scope.destinations or ())),
        (scope.pathway_kinds, kind in (scope.pathway_kinds or ())),
        (scope.order_basis, bool(final_bases & set(scope.order_basis or ()))),
    ]
    return all(matched for present, matched in fields if present is not None)


def carved_out(
    order: CourtOrder,
    orders: Iterable[CourtOrder],
    person: Person,
    kind: str,
    destination: str,
    as_of: datetime,
    tz: str,
) -> bool:
    """The "not otherwise subject to removal" carve-out: the person also holds a final order of a basis
    outside the scope's `order_basis`, and no other order in effect covers them for that basis. Other
    orders are judged without their own carve-outs, so two carve-outs cannot both release a person."""
    scope = order.scope
    if not scope.carve_out_otherwise_removable or scope.order_basis is None:
        return False
    outside = {o.basis for o in administratively_final_orders(person, as_of, tz)} - set(scope.order_basis)
    for basis in outside:
        covered = any(
            other.id != order.id
            and (other.scope.order_basis is None or basis in other.scope.order_basis)
            and scope_matches(other.scope, person, kind, destination, as_of, other.binding_from, tz)
            for other in orders
        )
        if not covered:
            return True
    return False


def court_orders_covering(
    world: World, person: Person, kind: str, destination: str, as_of: datetime, tz: str
) -> list[CourtOrder]:
    """Court orders in effect at `as_of` that cover this person and pathway."""
    active = [o for o in world.court_orders if o.in_effect(as_of)]
    return [
        o
        for o in active
        if scope_matches(o.scope, person, kind, destination, as_of, o.binding_from, tz)
        and not carved_out(o, active, person, kind, destination, as_of, tz)
    ]

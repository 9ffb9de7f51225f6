"""The whole world a decision or an invoice reads, and the invariants that span its records."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import Field

from accord.domain.agreements import Agreement, AgreementVersion, Country, Facility
from accord.domain.base import Record, given
from accord.domain.codes import CountryCode
from accord.domain.custody import CustodyRecord
from accord.domain.limits import ShortIdentifier
from accord.domain.orders import CourtOrder
from accord.domain.people import Person
from accord.domain.time import to_instant

Path = tuple[str | int, ...]
Problem = tuple[Path, str]


class World(Record):
    sending_state: CountryCode
    rule_pack: ShortIdentifier | None = None
    countries: tuple[Country, ...] = ()
    facilities: tuple[Facility, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    persons: tuple[Person, ...] = ()
    court_orders: tuple[CourtOrder, ...] = ()
    custody: tuple[CustodyRecord, ...] = Field(default=())

    @cached_property
    def person_by_id(self) -> dict[str, Person]:
        return {p.id: p for p in self.persons}

    @cached_property
    def agreement_by_id(self) -> dict[str, Agreement]:
        return {a.id: a for a in self.agreements}

    @cached_property
    def facility_by_id(self) -> dict[str, Facility]:
        return {f.id: f for f in self.facilities}

    @cached_property
    def country_by_code(self) -> dict[str, Country]:
        return {c.code: c for c in self.countries}

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> World:
        """A copy whose indexes (`person_by_id`, ...) are built again from its own records: the cached
        ones live in the instance's `__dict__`, which pydantic copies, so a copy with other persons would
        otherwise answer from the original's (a person of the copy not found by id)."""
        copy = super().model_copy(update=update, deep=deep)
        for name in _INDEXES:
            copy.__dict__.pop(name, None)
        return copy

    def agreement_timezone(self, agreement: Agreement) -> str:
        """The agreement's own zone, else its facility's (validated to exist by `problems`)."""
        if agreement.timezone is not None:
            return agreement.timezone
        if agreement.facility is not None and agreement.facility in self.facility_by_id:
            return self.facility_by_id[agreement.facility].timezone
        return "UTC"


_INDEXES = tuple(name for name, value in vars(World).items() if isinstance(value, cached_property))


def problems(world: World) -> Iterator[Problem]:
    """Every invariant that spans records: unique ids, references that resolve, ordered versions, no
    order designating the sending state.

    Each check reads only the fields its records hold (`given`). On a world salvaged from a file that
    does not validate (`accord.world.salvage`), a field that failed is absent and the checks that need
    it are skipped (its own error is reported), while every other check still runs: one pass reports
    every mistake, each once."""
    for name, key in _IDS.items():
        yield from _unique(_records(world, name), name, key)
    yield from _country_problems(world)
    yield from _agreement_problems(world)
    yield from _person_problems(world)
    yield from _court_order_problems(world)
    yield from _custody_problems(world)


_IDS = {"persons": "id", "agreements": "id", "facilities": "id", "court_orders": "id", "countries": "code"}


def _records(world: World, name: str) -> tuple[Any, ...]:
    """One of the world's lists (empty when it failed validation as a whole)."""
    records: tuple[Any, ...] = getattr(world, name) if given(world, name) else ()
    return records


def _ids(world: World, name: str) -> set[str] | None:
    """The ids of one list, for reference checks; None when the list itself failed (nothing to check)."""
    if not given(world, name):
        return None
    return {getattr(r, _IDS[name]) for r in _records(world, name) if given(r, _IDS[name])}


def _country_problems(world: World) -> Iterator[Problem]:
    for i, country in enumerate(_records(world, "countries")):
        if given(country, "acceptance"):
            starts = [to_instant(r.from_, "UTC") if given(r, "from_") else None for r in country.acceptance]
            yield from _ordered_starts(starts, ("world", "countries", i, "acceptance"))


def _agreement_problems(world: World) -> Iterator[Problem]:
    facilities = _ids(world, "facilities")
    zones = {f.id: f.timezone for f in _records(world, "facilities") if given(f, "id", "timezone")}
    for i, agreement in enumerate(_records(world, "agreements")):
        path: Path = ("world", "agreements", i)
        facility = agreement.facility if given(agreement, "facility") else None
        if facility is not None and facilities is not None and facility not in facilities:
            yield (*path, "facility"), f"no facility with id {facility!r} in this world"
        if given(agreement, "timezone", "facility") and agreement.timezone is None and agreement.facility is None:
            yield (*path, "timezone"), "an agreement without a facility must give its timezone"
        if given(agreement, "sending", "receiving") and agreement.sending == agreement.receiving:
            yield (*path, "receiving"), "the receiving state must differ from the sending state"
        if not given(agreement, "versions"):
            continue
        tz = _zone(agreement, zones)
        starts = [to_instant(v.from_, tz) if given(v, "from_") else None for v in agreement.versions]
        yield from _ordered_starts(starts, (*path, "versions"))
        for j, version in enumerate(agreement.versions):
            if _currencies_differ(version):
                yield (*path, "versions", j, "flight_hour_rate", "currency"), "must be the fee's currency"


def _zone(agreement: Agreement, zones: dict[str, str]) -> str:
    """The zone that resolves the agreement's dates, as `World.agreement_timezone` reads it; UTC when
    neither it nor its facility gives one that validated."""
    if given(agreement, "timezone") and agreement.timezone is not None:
        return agreement.timezone
    facility = agreement.facility if given(agreement, "facility") else None
    return zones.get(facility, "UTC") if facility is not None else "UTC"


def _currencies_differ(version: AgreementVersion) -> bool:
    fee = version.fee if given(version, "fee") else None
    rate = version.flight_hour_rate if given(version, "flight_hour_rate") else None
    if fee is None or rate is None or not (given(fee, "currency") and given(rate, "currency")):
        return False
    return bool(fee.currency != rate.currency)


def _person_problems(world: World) -> Iterator[Problem]:
    if not given(world, "sending_state"):
        return
    for i, person in enumerate(_records(world, "persons")):
        for j, order in enumerate(person.orders if given(person, "orders") else ()):
            if given(order, "designated") and world.sending_state in order.designated:
                yield (
                    ("world", "persons", i, "orders", j, "designated"),
                    f"an order may not designate the sending state {world.sending_state}",
                )


def _court_order_problems(world: World) -> Iterator[Problem]:
    persons = _ids(world, "persons")
    if persons is None:
        return
    for i, court_order in enumerate(_records(world, "court_orders")):
        scope = court_order.scope if given(court_order, "scope") else None
        for name in scope.persons or () if scope is not None and given(scope, "persons") else ():
            if name not in persons:
                yield ("world", "court_orders", i, "scope", "persons"), f"no person with id {name!r} in this world"


def _custody_problems(world: World) -> Iterator[Problem]:
    agreements, persons = _ids(world, "agreements"), _ids(world, "persons")
    seen: dict[tuple[str, str], list[CustodyRecord]] = {}
    for i, record in enumerate(_records(world, "custody")):
        path: Path = ("world", "custody", i)
        if given(record, "agreement") and agreements is not None and record.agreement not in agreements:
            yield (*path, "agreement"), f"no agreement with id {record.agreement!r} in this world"
        if not given(record, "person") or record.person is None:
            continue
        if persons is not None and record.person not in persons:
            yield (*path, "person"), f"no person with id {record.person!r} in this world"
        if not given(record, "agreement", "intake", "release"):
            continue
        earlier = seen.setdefault((record.person, record.agreement), [])
        for other in earlier:
            if _overlap(other, record):
                yield (
                    (*path, "intake"),
                    (
                        f"custody of {record.person} under {record.agreement} overlaps an earlier record "
                        f"from {other.intake}"
                    ),
                )
        earlier.append(record)


def _overlap(a: CustodyRecord, b: CustodyRecord) -> bool:
    a_end, b_end = a.release, b.release
    return (b_end is None or a.intake < b_end) and (a_end is None or b.intake < a_end)


def _unique(items: tuple[Record, ...], name: str, key: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not given(item, key):
            continue
        value = getattr(item, key)
        if value in seen:
            yield ("world", name, i), f"duplicate id {value!r}"
        seen.add(value)


def _ordered_starts(starts: list[datetime | None], path: Path) -> Iterator[Problem]:
    """Starts must be distinct and in order; a start that is not known (failed validation) is skipped."""
    known = [(j, start) for j, start in enumerate(starts) if start is not None]
    for (_, previous), (j, start) in itertools.pairwise(known):
        if not previous < start:
            yield (*path, j, "from"), "versions must start at distinct instants, in order (they overlap)"

"""The whole world a decision or an invoice reads, and the invariants that span its records."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from pydantic import Field

from accord.domain.agreements import Agreement, Country, Facility
from accord.domain.base import Record
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
    """Every invariant that spans records: unique ids, references that resolve, ordered versions."""
    base: Path = ("world",)
    yield from _unique(world.persons, "persons", lambda p: p.id)
    yield from _unique(world.agreements, "agreements", lambda a: a.id)
    yield from _unique(world.facilities, "facilities", lambda f: f.id)
    yield from _unique(world.court_orders, "court_orders", lambda o: o.id)
    yield from _unique(world.countries, "countries", lambda c: c.code)
    for i, country in enumerate(world.countries):
        yield from _ordered_starts(
            [to_instant(r.from_, "UTC") for r in country.acceptance], (*base, "countries", i, "acceptance")
        )
    for i, agreement in enumerate(world.agreements):
        path = (*base, "agreements", i)
        if agreement.facility is not None and agreement.facility not in world.facility_by_id:
            yield (*path, "facility"), f"no facility with id {agreement.facility!r} in this world"
        if agreement.timezone is None and agreement.facility is None:
            yield (*path, "timezone"), "an agreement without a facility must give its timezone"
        if agreement.sending == agreement.receiving:
            yield (*path, "receiving"), "the receiving state must differ from the sending state"
        tz = world.agreement_timezone(agreement)
        yield from _ordered_starts([to_instant(v.from_, tz) for v in agreement.versions], (*path, "versions"))
        for j, version in enumerate(agreement.versions):
            if version.fee and version.flight_hour_rate and version.fee.currency != version.flight_hour_rate.currency:
                yield (*path, "versions", j, "flight_hour_rate", "currency"), "must be the fee's currency"
    for i, person in enumerate(world.persons):
        for j, order in enumerate(person.orders):
            if world.sending_state in order.designated:
                yield (
                    (*base, "persons", i, "orders", j, "designated"),
                    f"an order may not designate the sending state {world.sending_state}",
                )
    persons = world.person_by_id
    for i, court_order in enumerate(world.court_orders):
        for name in court_order.scope.persons or ():
            if name not in persons:
                yield (*base, "court_orders", i, "scope", "persons"), f"no person with id {name!r} in this world"
    yield from _custody_problems(world)


def _custody_problems(world: World) -> Iterator[Problem]:
    seen: dict[tuple[str, str], list[CustodyRecord]] = {}
    for i, record in enumerate(world.custody):
        path: Path = ("world", "custody", i)
        if record.agreement not in world.agreement_by_id:
            yield (*path, "agreement"), f"no agreement with id {record.agreement!r} in this world"
        if record.person is not None:
            if record.person not in world.person_by_id:
                yield (*path, "person"), f"no person with id {record.person!r} in this world"
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


def _unique(items: tuple[Record, ...], name: str, key: object) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = key(item)  # type: ignore[operator]
        if value in seen:
            yield ("world", name, i), f"duplicate id {value!r}"
        seen.add(value)


def _ordered_starts(starts: list[object], path: Path) -> Iterator[Problem]:
    for j in range(1, len(starts)):
        if not starts[j - 1] < starts[j]:  # type: ignore[operator]
            yield (*path, j, "from"), "versions must start at distinct instants, in order (they overlap)"

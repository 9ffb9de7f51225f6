"""Compile the world and the rule pack for one decision instant into what the array engine reads.

For one `as_of` (and `known_at`) every record that is not a person's collapses to a scalar or a small
lookup table: the era in force, each country's acceptance and assurances, each agreement's version in
effect and its occupancy, the court orders in effect. These are read through the same predicates as the
scalar interpreter (`accord.rules.predicates`), so the two engines cannot differ on them. Ages become
birth-date cutoffs, so comparing an age is comparing two integers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from accord.domain import Agreement, CourtOrder, World
from accord.domain.time import add_calendar_days, local_date, to_instant
from accord.rules import predicates as p
from accord.rules.columnar.layout import COUNTRIES, COUNTRY_CODE, ORDER_BASES, SEXES, STATUSES
from accord.rules.columnar.zones import MICROS_PER_SECOND, ZoneTable, micros, zone_table
from accord.rules.knowledge import as_known_at
from accord.rules.pack import Era, Pack

_EPOCH = date(1970, 1, 1)


def birth_cutoff(day: date, years: int) -> int:
    """The latest birth date (days since 1970-01-01) of someone at least `years` old on `day`: a person
    born on 29 February comes of age on 1 March in common years, so the cutoff falls back to 28 February."""
    year = day.year - years
    try:
        latest = day.replace(year=year)
    except ValueError:  # 29 February in a common year
        latest = date(year, 2, 28)
    return (latest - _EPOCH).days


@dataclass(frozen=True, slots=True)
class NoticeTerms:
    """The era's notice rule, with its periods in the units the engine compares."""

    required: NDArray[np.bool_]  # per destination country: notice is required (not waived)
    min_hours: int | None  # an elapsed-hours period, or
    min_days: int | None  # a calendar-days period on the pack's wall clock
    exigent_hours: int | None  # the shorter period for an exigent notice with attorney access


@dataclass(frozen=True, slots=True)
class CompiledAgreement:
    """One agreement whose sending state is the world's, at `as_of`. Fields other than `in_force` and
    `has_version` are read only when there is a version (before the first, only `agreement_not_in_force`)."""

    index: int  # position among the world's agreements: the order of pathways
    id: str
    receiving: int  # country code
    has_version: bool
    in_force: bool
    accepts_any: bool
    accepts: tuple[int, ...]
    excludes: tuple[int, ...]
    sexes: tuple[int, ...] | None  # indices into layout.SEXES; None = any sex
    requires_conviction: bool
    min_age_cutoff: int | None  # birth-date cutoff of the version's minimum age
    needs_home_unavailable: bool  # whether home_country_available applies
    capacity_full: bool


@dataclass(frozen=True, slots=True)
class CompiledOrder:
    """A court order in effect at `as_of` (docs/spec/rules.md §5)."""

    id: str
    effect: str
    binding_from: datetime
    binding_from_us: int
    persons: NDArray[np.int32] | None  # the persons named, as their slots in `Run.named`
    nationalities: tuple[int, ...] | None
    designations: tuple[str, ...] | None  # designation kinds, an open vocabulary
    districts: tuple[str, ...] | None
    destinations: NDArray[np.bool_] | None  # per country
    kinds: tuple[str, ...] | None
    bases: tuple[int, ...] | None  # indices into layout.ORDER_BASES
    carve_out: bool


@dataclass(frozen=True, slots=True)
class Run:
    """Everything but the people, for one decision at `as_of` as known at `known_at`."""

    world: World  # as known at `known_at`
    pack: Pack
    as_of: datetime
    known_at: datetime
    as_of_us: int
    known_us: int
    era: Era | None
    zone: ZoneTable  # the pack's timezone
    sending: int
    not_accepting: NDArray[np.bool_]  # per country: its acceptance record is refuses or no_response
    unavailable: NDArray[np.bool_]  # per country: refuses, or no response for the set number of days
    onward: dict[int, tuple[int, ...]]  # per destination: the countries it returns people onward to
    notice: NoticeTerms | None  # None without an era
    reopen_days: int | None
    aea_nationalities: tuple[int, ...]
    aea_cutoff: int
    aea_excluded_statuses: tuple[int, ...]
    adult_cutoff: int
    agreements: tuple[CompiledAgreement, ...]
    court_orders: tuple[CompiledOrder, ...]
    named: tuple[str, ...]  # every person id a court order in effect names, each once


def compile_run(world: World, pack: Pack, as_of: datetime, known_at: datetime) -> Run:
    """Compile the world (its persons are not read) and the pack for one instant."""
    known = as_known_at(world.model_copy(update={"persons": ()}), known_at)
    tz = pack.timezone
    today = local_date(as_of, tz)
    era = pack.era_at(as_of)
    scope = pack.parameters.aea_scope
    in_effect = [o for o in known.court_orders if o.in_effect(as_of)]
    # One lookup of a chunk's ids against every person named, not one per order (individual orders add up).
    slots = {p: i for i, p in enumerate(dict.fromkeys(p for o in in_effect for p in o.scope.persons or ()))}
    return Run(
        world=known,
        pack=pack,
        as_of=as_of,
        known_at=known_at,
        as_of_us=micros(as_of),
        known_us=micros(known_at),
        era=era,
        zone=zone_table(tz),
        sending=COUNTRY_CODE[world.sending_state],
        not_accepting=_per_country(known, lambda c: _acceptance(known, c, as_of, tz) in ("refuses", "no_response")),
        unavailable=_per_country(known, lambda c: _unavailable(known, c, as_of, tz, pack)),
        onward={
            COUNTRY_CODE[c.code]: tuple(COUNTRY_CODE[x] for x in c.returns_onward)
            for c in known.countries
            if c.returns_onward
        },
        notice=_notice_terms(known, era, as_of, tz),
        reopen_days=era.reopen_days if era is not None else None,
        aea_nationalities=tuple(COUNTRY_CODE[c] for c in scope.nationalities),
        aea_cutoff=birth_cutoff(today, scope.min_age),
        aea_excluded_statuses=tuple(STATUSES.index(s) for s in scope.excluded_statuses),
        adult_cutoff=birth_cutoff(today, pack.parameters.adult_age),
        agreements=tuple(
            _agreement(known, pack, i, a, as_of)
            for i, a in enumerate(known.agreements)
            if a.sending == known.sending_state
        ),
        court_orders=tuple(_court_order(o, slots) for o in in_effect),
        named=tuple(slots),
    )


def _per_country(world: World, test: Callable[[str], bool]) -> NDArray[np.bool_]:
    """A per-country table of `test(code)`; a country without a record gets what the test says of a
    code the world does not hold."""
    table = np.full(len(COUNTRIES), test(""), dtype=np.bool_)
    for country in world.countries:
        table[COUNTRY_CODE[country.code]] = test(country.code)
    return table


def _acceptance(world: World, code: str, as_of: datetime, tz: str) -> str:
    record = p.acceptance_at(world.country_by_code.get(code), as_of, tz)
    return "accepts" if record is None else record.status


def _unavailable(world: World, code: str, as_of: datetime, tz: str, pack: Pack) -> bool:
    """A home country that cannot be used (docs/spec/rules.md §2, home_country_available), protection aside."""
    record = p.acceptance_at(world.country_by_code.get(code), as_of, tz)
    if record is None or record.status == "accepts":
        return False
    if record.status == "refuses":
        return True
    days = pack.parameters.no_response_days
    return as_of >= add_calendar_days(to_instant(record.from_, tz), days, tz)


def _notice_terms(world: World, era: Era | None, as_of: datetime, tz: str) -> NoticeTerms | None:
    if era is None:
        return None
    rule = era.notice
    required = np.full(len(COUNTRIES), rule.requires_notice, dtype=np.bool_)
    if rule.requires_notice and rule.assurances_waive_notice:
        for country in world.countries:
            if p.assurances_on_file(country, as_of, tz):
                required[COUNTRY_CODE[country.code]] = False
    return NoticeTerms(required, rule.min_notice.hours, rule.min_notice.days, rule.exigent_min_hours)


def _agreement(world: World, pack: Pack, index: int, agreement: Agreement, as_of: datetime) -> CompiledAgreement:
    tz = world.agreement_timezone(agreement)
    version = p.version_in_effect(agreement, as_of, tz)
    today = local_date(as_of, pack.timezone)
    min_age = p.min_age_of(world, agreement, version, pack.parameters.prison_min_age) if version is not None else None
    accepts = version.accepts if version is not None else None
    return CompiledAgreement(
        index=index,
        id=agreement.id,
        receiving=COUNTRY_CODE[agreement.receiving],
        has_version=version is not None,
        in_force=version is not None and version.status == "in_force",
        accepts_any=accepts is None or accepts.nationalities == "any",
        accepts=tuple(COUNTRY_CODE[c] for c in accepts.nationalities)
        if accepts and accepts.nationalities != "any"
        else (),
        excludes=tuple(COUNTRY_CODE[c] for c in accepts.exclude_nationalities) if accepts else (),
        sexes=_sexes(accepts.sexes) if accepts is not None and accepts.sexes is not None else None,
        requires_conviction=accepts is not None and accepts.requires_conviction,
        min_age_cutoff=birth_cutoff(today, min_age) if min_age is not None else None,
        needs_home_unavailable=version is None or version.requires_home_unavailable,
        capacity_full=_capacity_full(world, agreement, version, as_of, tz),
    )


def _sexes(sexes: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(SEXES.index(s) for s in sexes)


def _capacity_full(world: World, agreement: Agreement, version: object, as_of: datetime, tz: str) -> bool:
    capacity = getattr(version, "capacity", None)
    if capacity is None:
        return False
    return p.occupancy(world, agreement.id, local_date(as_of, tz)) >= int(capacity)


def _court_order(order: CourtOrder, slots: Mapping[str, int]) -> CompiledOrder:
    scope = order.scope
    destinations = None
    if scope.destinations is not None:
        destinations = np.zeros(len(COUNTRIES), dtype=np.bool_)
        destinations[[COUNTRY_CODE[c] for c in scope.destinations]] = True
    return CompiledOrder(
        id=order.id,
        effect=order.effect,
        binding_from=order.binding_from,
        binding_from_us=micros(order.binding_from),
        persons=None if scope.persons is None else np.array([slots[p] for p in scope.persons], dtype=np.int32),
        nationalities=tuple(COUNTRY_CODE[c] for c in scope.nationalities) if scope.nationalities is not None else None,
        designations=scope.designations,
        districts=scope.districts,
        destinations=destinations,
        kinds=scope.pathway_kinds,
        bases=tuple(ORDER_BASES.index(b) for b in scope.order_basis) if scope.order_basis is not None else None,
        carve_out=scope.carve_out_otherwise_removable,
    )


def hours(n: int) -> int:
    return int(timedelta(hours=n).total_seconds()) * MICROS_PER_SECOND

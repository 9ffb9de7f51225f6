"""The evening of 2025-03-15, replayed step by step through the movement services.

Two flights leave Harlingen at 17:25 and 17:45 EDT; the J.G.G. class order binds orally at 18:45 and is
recorded at 18:50; a third flight leaves at 19:36; the first two land in El Salvador at 00:10 local time
on 2025-03-16 (examples/flights/evening-2025-03-15.yaml, examples/court-orders/jgg-tro-class.yaml, on the
reference world examples/us-slv-2025.yaml). `run_evening` imports a world, registers the custodians in
the ledger, adds the flights, plans (or takes a roster), locks, boards, departs, records the court order
and lands the flights, and returns what happened at each step; every instant derives from the flights
and the order (`Schedule`). `accord demo` and the end-to-end tests run it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine

from accord.domain import CourtOrder
from accord.ledger.keys import Keyring
from accord.ledger.repository import ledger_ids
from accord.ledger.service import Ledger, add_custodian_key, init_ledger, open_ledger, register_organisation
from accord.movements.files import load_court_order_file, load_flight_file
from accord.movements.flights import Flight
from accord.movements.manifest import MovementError, PassengerStatus
from accord.services import movements as service
from accord.services.clock import Clock, SystemClock
from accord.services.court_orders import Affected, record_court_order
from accord.services.steps import Step, begin_step
from accord.services.world_import import import_world
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.reader import load_world
from accord.store.records import NothingStored
from accord.world.loader import load_world_file

ACTOR = "evening-replay"
# How long before a flight's first scheduled departure each step happens (the reference evening: import
# at 12:00, plan at 13:00, lock at 16:00 for the 17:25 flight), and how long before each departure its
# boarding starts.
IMPORT_LEAD = timedelta(hours=5, minutes=25)
PLAN_LEAD = timedelta(hours=4, minutes=25)
LOCK_LEAD = timedelta(hours=1, minutes=25)
BOARDING_LEAD = timedelta(minutes=25)
# The order binds orally at 18:45 and is entered in Accord five minutes later.
ORDER_ENTRY_LEAD = timedelta(minutes=5)
# The charter's escort holds people for ICE under contract: custody stays the United States'.
CUSTODIAN_ORGS = {"ICE-HRL": "US-DHS", "ICE-AIR": "US-DHS", "GLOBALX-ESCORT": "US-DHS", "SLV-CECOT": "SLV-DGCP"}
# Each organisation is a state's agency: its country says whether a handover into its custody is a
# handover into foreign custody (docs/integrity.md, "Admission").
ORG_COUNTRIES = {"US-DHS": "USA", "SLV-DGCP": "SLV"}


@dataclass(frozen=True)
class Schedule:
    """When each step of the evening happens, derived from the flights and the court order."""

    imported: datetime
    planned: datetime
    locked: datetime
    order_recorded: datetime

    @classmethod
    def of(cls, flights: Sequence[Flight], order: CourtOrder) -> Schedule:
        first = min(f.scheduled_departure for f in flights)
        return cls(first - IMPORT_LEAD, first - PLAN_LEAD, first - LOCK_LEAD, order.binding_from + ORDER_ENTRY_LEAD)


@dataclass
class EveningOutcome:
    plans: list[service.PlanReport] = field(default_factory=list)  # one per flight, in departure order
    locks: list[service.LockReport] = field(default_factory=list)
    boarding: list[service.BoardOutcome] = field(default_factory=list)
    court_order: list[Affected] = field(default_factory=list)
    arrivals: list[service.ArrivalReport] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)  # flights nobody boarded

    def lines(self) -> list[str]:
        lines = []
        for report in self.plans:
            p = report.plan
            flight = ", ".join(sorted({placement.flight for placement in report.placements})) or "no flight"
            lines.append(
                f"plan {flight}: {len(p.assignment)} placed, objective {p.objective}, gap {p.gap:.4%} "
                f"({p.status}), {len(report.left_off)} left off"
            )
        for lock in self.locks:
            lines.append(f"lock {lock.flight}: {len(lock.kept)} kept, {len(lock.struck)} struck")
        boarded = sum(1 for b in self.boarding if b.boarded)
        lines.append(f"boarding: {boarded} boarded, {len(self.boarding) - boarded} refused")
        lines += [f"  refused {b.person}: {b.detail}" for b in self.boarding if not b.boarded]
        lines += [f"cancelled {flight}: nobody boarded" for flight in self.cancelled]
        lines.append(f"court order: {len(self.court_order)} people affected")
        lines += [f"  {a.person} on {a.flight}: {a.action}" for a in self.court_order]
        for arrival in self.arrivals:
            handed = [o for o in arrival.outcomes if o.handed_over]
            lines.append(
                f"arrival {arrival.flight}: {len(handed)} handed over, "
                f"{len(arrival.outcomes) - len(handed)} refused (return_required)"
            )
            lines += [f"  handed over {o.person}: {o.legal_basis}" for o in handed]
            lines += [f"  REFUSED {o.person}: {o.detail}" for o in arrival.outcomes if not o.handed_over]
            if arrival.return_leg:
                lines.append(f"  return leg proposed: {arrival.return_leg}")
        return lines


def run_evening(
    database_url: str,
    world_file: str | Path,
    flights_file: str | Path,
    order_file: str | Path,
    roster: Mapping[str, Sequence[str]] | None = None,
    keyring: Keyring | None = None,
    clock: Clock | None = None,
) -> EveningOutcome:
    """Replay the evening: the flights of `flights_file`, the court order of `order_file`. With `roster`
    (flight -> people) the manifests are drafted as given; without, the planner fills the flights, each
    in departure order from the people not yet on a manifest (so the earliest flight takes the
    longest-final orders first); a flight nobody was placed on does not fly. Flights leaving before
    the order is entered board and depart first; the order is recorded (`ORDER_ENTRY_LEAD` after it
    binds); the other flights board and depart (or are cancelled when everyone was struck); every
    flight that left lands at its scheduled arrival. Each step is its own transaction, stamped by
    `clock` (the system clock by default): the steps happen in 2025, Accord records them now.

    The order file is the only source of the order: a copy of it in the world file (same id) is left
    out of the import, so that the order takes effect through `record_court_order`, as it would live."""
    flights = sorted(load_flight_file(flights_file).flights, key=lambda f: f.scheduled_departure)
    order = load_court_order_file(order_file)
    when = Schedule.of(flights, order)
    engine = make_engine(database_url)
    upgrade(engine)
    evening = _Evening(engine, clock or SystemClock())
    outcome = evening.outcome
    try:
        with engine.begin() as conn:
            _import(conn, evening.clock, world_file, order.id)
            ledger = custodian_ledger(conn, keyring, flights, evening.step(conn, when.imported))
            service.add_flights(conn, flights, evening.step(conn, when.imported))
        evening.ledger = ledger
        with engine.begin() as conn:
            evening.draft(conn, [f.id for f in flights], roster, when.planned)
            flights = [f for f in flights if service.show_manifest(conn, f.id).manifest.state is not None]
        for flight in flights:
            with engine.begin() as conn:
                outcome.locks.append(service.lock(conn, flight.id, evening.step(conn, when.locked)))
        before = [f for f in flights if f.scheduled_departure < when.order_recorded]
        flown = [f for f in before if evening.board_and_depart(f)]
        with engine.begin() as conn:
            step = evening.step(conn, when.order_recorded)
            outcome.court_order = list(record_court_order(conn, ledger, order, step, str(order_file)).affected)
        flown += [f for f in flights[len(before) :] if evening.board_and_depart(f)]
        for flight in sorted(flown, key=lambda f: f.legs[-1].scheduled_arrival):
            evening.arrive(flight)
    finally:
        engine.dispose()
    return outcome


def _import(conn: Connection, clock: Clock, world_file: str | Path, order_id: str) -> None:
    """Import the world once, leaving out the court order that the evening records itself."""
    try:
        load_world(conn)
    except NothingStored:
        document = load_world_file(world_file)
        kept = tuple(o for o in document.world.court_orders if o.id != order_id)
        world = document.world.model_copy(update={"court_orders": kept})
        import_world(conn, clock, document.model_copy(update={"world": world}), str(world_file))


def custodian_ledger(conn: Connection, keyring: Keyring | None, flights: Sequence[Flight], step: Step) -> Ledger:
    """The ledger, created with an organisation and a key for every custodian the flights name when
    there is none yet."""
    if ledger_ids(conn):
        return open_ledger(conn, keyring)
    ledger = init_ledger(conn, keyring or Keyring.from_environment(), "accord-evening")
    custodians = {c for f in flights for c in (f.escort, f.detention_custodian)}
    custodians |= {leg.receiving_custodian for f in flights for leg in f.legs if leg.receiving_custodian}
    for org in sorted({CUSTODIAN_ORGS.get(c, c) for c in custodians}):
        country = ORG_COUNTRIES.get(org, "ZZZ")  # an organisation of no known state counts as foreign
        register_organisation(conn, ledger, org=org, name=org, country=country, recorded_at=step.recorded_at)
    for custodian in sorted(custodians):
        org = CUSTODIAN_ORGS.get(custodian, custodian)
        add_custodian_key(conn, ledger, org=org, custodian=custodian, recorded_at=step.recorded_at)
    return ledger


@dataclass
class _Evening:
    """The engine, the clock and the ledger every step of the evening uses, and what happened."""

    engine: Engine
    clock: Clock
    ledger: Ledger | None = None
    outcome: EveningOutcome = field(default_factory=EveningOutcome)

    def step(self, conn: Connection, at: datetime) -> Step:
        return begin_step(conn, self.clock, at, ACTOR)

    def _ledger(self) -> Ledger:
        assert self.ledger is not None, "the ledger is opened by the first step"
        return self.ledger

    def draft(
        self, conn: Connection, flight_ids: list[str], roster: Mapping[str, Sequence[str]] | None, at: datetime
    ) -> None:
        if roster is None:
            for flight_id in flight_ids:
                report = service.plan_flights(conn, [flight_id], self.step(conn, at))
                service.apply_plan(conn, report, self.step(conn, at))
                self.outcome.plans.append(report)
            return
        for flight_id, people in roster.items():
            service.draft_manifest(conn, flight_id, [(p, 1) for p in people], self.step(conn, at))

    def board_and_depart(self, flight: Flight) -> bool:
        """Boarding starts `BOARDING_LEAD` before the scheduled departure; everyone still on the manifest
        presents the identity on their record; then the flight leaves on time, or is cancelled when nobody
        boarded (everyone struck). True when it left."""
        boarding = flight.scheduled_departure - BOARDING_LEAD
        with self.engine.begin() as conn:
            manifest = service.show_manifest(conn, flight.id).manifest
            world = load_world(conn)
        for passenger in manifest.seated():
            identity = world.person_by_id[passenger.person].identity
            presented = identity.reference if identity is not None and identity.reference else "none"
            with self.engine.begin() as conn:
                step = self.step(conn, boarding)
                try:
                    boarded = service.board(conn, self._ledger(), flight.id, passenger.person, presented, step)
                except MovementError as exc:
                    boarded = service.BoardOutcome(passenger.person, False, str(exc))
                self.outcome.boarding.append(boarded)
        with self.engine.begin() as conn:
            step = self.step(conn, flight.scheduled_departure)
            if not service.show_manifest(conn, flight.id).manifest.with_status(PassengerStatus.BOARDED):
                service.cancel(conn, flight.id, step, "nobody boarded")
                self.outcome.cancelled.append(flight.id)
                return False
            service.depart(conn, flight.id, step)
        return True

    def arrive(self, flight: Flight) -> None:
        """Each leg lands at its scheduled arrival (the evening's flights fly one leg each)."""
        for number, leg in enumerate(flight.legs, start=1):
            with self.engine.begin() as conn:
                step = self.step(conn, leg.scheduled_arrival)
                self.outcome.arrivals.append(service.arrive(conn, self._ledger(), flight.id, number, step))

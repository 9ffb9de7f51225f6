"""The evening of 2025-03-15, replayed step by step through the movement services.

Two flights leave Harlingen at 17:25 and 17:45 EDT; the J.G.G. class order binds orally at 18:45; a third
flight boards at 19:36; the first two land in El Salvador at 00:10 local time on 2025-03-16. `run_evening`
imports a world, registers the custodians in the ledger, adds the flights, plans (or takes a roster),
locks, boards, departs, records the court order and lands the flights, and returns what happened at each
step. `accord demo` and the end-to-end test both run it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from accord.ledger.keys import Keyring
from accord.ledger.repository import ledger_ids
from accord.ledger.service import Ledger, add_custodian_key, init_ledger, open_ledger, register_organisation
from accord.movements.files import load_court_order_file, load_flight_file
from accord.movements.flights import Flight
from accord.movements.manifest import MovementError
from accord.services import movements as service
from accord.services.court_orders import Affected, record_court_order
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.reader import load_world
from accord.store.records import NothingStored
from accord.store.writer import import_document
from accord.world.loader import load_world_file

ACTOR = "evening-replay"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


IMPORTED = _t("2025-03-15T12:00:00-04:00")
PLANNED = _t("2025-03-15T13:00:00-04:00")
LOCKED = _t("2025-03-15T16:00:00-04:00")
ORDER_RECORDED = _t("2025-03-15T18:45:00-04:00")
LANDED = _t("2025-03-16T00:10:00-06:00")
# Boarding starts this long before each scheduled departure; the third flight boards at 19:36 itself.
BOARDING = {"GXA-1": _t("2025-03-15T17:00:00-04:00"), "GXA-2": _t("2025-03-15T17:30:00-04:00"),
            "GXA-3": _t("2025-03-15T19:36:00-04:00")}
DEPARTED = {"GXA-1": _t("2025-03-15T17:25:00-04:00"), "GXA-2": _t("2025-03-15T17:45:00-04:00"),
            "GXA-3": _t("2025-03-15T19:37:00-04:00")}
CUSTODIAN_ORGS = {"ICE-HRL": "US-DHS", "ICE-AIR": "US-DHS", "SLV-CECOT": "SLV-DGCP"}


@dataclass
class EveningOutcome:
    plan: service.PlanReport | None = None
    locks: list[service.LockReport] = field(default_factory=list)
    boarding: list[service.BoardOutcome] = field(default_factory=list)
    court_order: list[Affected] = field(default_factory=list)
    arrivals: list[service.ArrivalReport] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        if self.plan is not None:
            p = self.plan.plan
            lines.append(f"plan: {len(p.assignment)} placed, objective {p.objective}, gap {p.gap:.4%} ({p.status}), "
                         f"{len(self.plan.left_off)} left off")
        for lock in self.locks:
            lines.append(f"lock {lock.flight}: {len(lock.kept)} kept, {len(lock.struck)} struck")
        boarded = sum(1 for b in self.boarding if b.boarded)
        lines.append(f"boarding: {boarded} boarded, {len(self.boarding) - boarded} refused")
        lines += [f"  refused {b.person}: {b.detail}" for b in self.boarding if not b.boarded]
        lines.append(f"court order: {len(self.court_order)} people affected")
        lines += [f"  {a.person} on {a.flight}: {a.action}" for a in self.court_order]
        for arrival in self.arrivals:
            handed = [o for o in arrival.outcomes if o.handed_over]
            lines.append(f"arrival {arrival.flight}: {len(handed)} handed over, "
                         f"{len(arrival.outcomes) - len(handed)} refused (return_required)")
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
) -> EveningOutcome:
    """Replay the evening. With `roster` (flight -> people) the manifests are drafted as given; without,
    the planner chooses for the three flights together. Each step is its own transaction."""
    engine = make_engine(database_url)
    upgrade(engine)
    outcome = EveningOutcome()
    flights = load_flight_file(flights_file).flights
    try:
        with engine.begin() as conn:
            _import(conn, world_file)
            ledger = _ledger(conn, keyring, flights)
            service.add_flights(conn, flights, _step(IMPORTED))
        with engine.begin() as conn:
            _draft(conn, outcome, [f.id for f in flights], roster)
        for flight in flights:
            with engine.begin() as conn:
                outcome.locks.append(service.lock(conn, flight.id, _step(LOCKED)))
        for flight in flights[:2]:
            _board_and_depart(engine, ledger, flight, outcome)
        with engine.begin() as conn:
            order = load_court_order_file(order_file)
            outcome.court_order = record_court_order(conn, ledger, order, _step(ORDER_RECORDED), str(order_file))
        _board_and_depart(engine, ledger, flights[2], outcome)
        for flight in flights[:2]:
            with engine.begin() as conn:
                outcome.arrivals.append(service.arrive(conn, ledger, flight.id, 1, _step(LANDED)))
    finally:
        engine.dispose()
    return outcome


def _step(at: datetime) -> service.Step:
    return service.Step(at, ACTOR)


def _import(conn: Connection, world_file: str | Path) -> None:
    try:
        load_world(conn)
    except NothingStored:
        import_document(conn, load_world_file(world_file), now=IMPORTED, source=str(world_file))


def _ledger(conn: Connection, keyring: Keyring | None, flights: Sequence[Flight]) -> Ledger:
    """The ledger with an organisation and a key for every custodian the flights name."""
    if ledger_ids(conn):
        return open_ledger(conn, keyring)
    ledger = init_ledger(conn, keyring or Keyring.from_environment(), "accord-evening")
    custodians = {c for f in flights for c in (f.escort, f.detention_custodian)}
    custodians |= {leg.receiving_custodian for f in flights for leg in f.legs if leg.receiving_custodian}
    for org in sorted({CUSTODIAN_ORGS.get(c, c) for c in custodians}):
        register_organisation(conn, ledger, org=org, name=org, recorded_at=IMPORTED)
    for custodian in sorted(custodians):
        add_custodian_key(conn, ledger, org=CUSTODIAN_ORGS.get(custodian, custodian), custodian=custodian,
                          recorded_at=IMPORTED)
    return ledger


def _draft(
    conn: Connection, outcome: EveningOutcome, flight_ids: list[str], roster: Mapping[str, Sequence[str]] | None
) -> None:
    if roster is None:
        outcome.plan = service.plan_flights(conn, flight_ids, PLANNED)
        service.apply_plan(conn, outcome.plan, _step(PLANNED))
        return
    for flight_id, people in roster.items():
        service.draft_manifest(conn, flight_id, [(p, 1) for p in people], _step(PLANNED))


def _board_and_depart(engine: Engine, ledger: Ledger, flight: Flight, outcome: EveningOutcome) -> None:
    """Everyone still on the manifest presents the identity on their record; then the flight leaves."""
    with engine.begin() as conn:
        manifest = service.show_manifest(conn, flight.id).manifest
        world = load_world(conn, known_at=BOARDING[flight.id])
    for passenger in manifest.seated():
        identity = world.person_by_id[passenger.person].identity
        presented = identity.reference if identity is not None and identity.reference else "none"
        with engine.begin() as conn:
            try:
                outcome.boarding.append(
                    service.board(conn, ledger, flight.id, passenger.person, presented, _step(BOARDING[flight.id]))
                )
            except MovementError as exc:
                outcome.boarding.append(service.BoardOutcome(passenger.person, False, str(exc)))
    with engine.begin() as conn:
        service.depart(conn, flight.id, _step(DEPARTED[flight.id]))

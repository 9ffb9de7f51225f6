"""Movements: the CP-SAT planner against the greedy baseline, and court-order propagation.

    python -m bench movements [--quick]

Planning: N candidates onto 50 flights across 3 agreements (each candidate may take the flights of one
agreement from some departure on), seats and places both binding. Propagation: N people on open
manifests (SQLite), one class order recorded."""

from __future__ import annotations

import gc
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from accord.domain import Person
from accord.movements.files import load_court_order_file, load_flight_file
from accord.movements.flights import Flight
from accord.movements.planner import MAX_PRIORITY, Candidate, Option, plan, plan_greedy
from accord.services import movements as service
from accord.services.clock import TickingClock
from accord.services.court_orders import record_court_order
from accord.services.steps import begin_step
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.writer import import_document
from accord.world.loader import load_world_file

EVENING = Path(__file__).resolve().parent.parent / "tests" / "e2e" / "movements"
FLIGHTS = 50
IMPORTED = datetime.fromisoformat("2025-03-15T12:00:00-04:00")
PLANNED = datetime.fromisoformat("2025-03-15T13:00:00-04:00")
ORDER_RECORDED = datetime.fromisoformat("2025-03-15T18:45:00-04:00")
AGREEMENTS = ("A1", "A2", "A3")
CLOCK = TickingClock(datetime(2026, 1, 1, tzinfo=UTC))  # Accord records the 2025 steps later, as in use


def planning(people: int) -> None:
    """Candidates as the service builds them: each is allowed under one agreement from some instant on
    (a notice period maturing, an order becoming final), so their options are that agreement's flights
    departing from then on; a few flights are excluded per person (a medical hold, a escort's limit)."""
    rng = random.Random(7)
    agreement_of = {f"F{i:02d}": AGREEMENTS[i % 3] for i in range(FLIGHTS)}
    flights = sorted(agreement_of)  # in departure order
    candidates = []
    for i in range(people):
        agreement = AGREEMENTS[rng.randrange(3)]
        earliest = rng.randrange(FLIGHTS)
        options = tuple(Option(f, agreement) for f in flights[earliest:] if agreement_of[f] == agreement)
        candidates.append(Candidate(f"P{i}", rng.randint(0, MAX_PRIORITY), options))
    seats = {f: people // 70 for f in flights}  # ~70% of the candidates fit in the seats
    places = {a: people // 5 for a in AGREEMENTS}  # ~60% fit in the agreements
    start = time.perf_counter()
    best = plan(candidates, seats, places, time_limit=8.0)
    solved = time.perf_counter() - start
    start = time.perf_counter()
    greedy = plan_greedy(candidates, seats, places)
    baseline = time.perf_counter() - start
    print(f"planning {people} candidates onto {FLIGHTS} flights, 3 agreements")
    print(
        f"  CP-SAT : {solved:6.2f} s  placed {len(best.assignment):6d}  priority {best.priority_score:9d}  "
        f"objective {best.objective}  gap {best.gap:.5%} ({best.status})"
    )
    print(
        f"  greedy : {baseline:6.2f} s  placed {len(greedy.assignment):6d}  priority {greedy.priority_score:9d}  "
        f"objective {greedy.objective}"
    )
    print(
        f"  CP-SAT/greedy: placed x{len(best.assignment) / max(1, len(greedy.assignment)):.4f}, "
        f"objective x{best.objective / max(1, greedy.objective):.4f}"
    )


def propagation(people: int) -> None:
    """Timed as `accord court-order record` runs: in a process that holds none of the seeding's objects
    (10,000 people as domain records would otherwise slow every garbage collection during the run)."""
    order = load_court_order_file(EVENING / "jgg-tro.yaml")
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'bench.db'}")
        upgrade(engine)
        _seed(engine, people)
        gc.collect()
        with engine.begin() as conn:
            start = time.perf_counter()
            step = begin_step(conn, CLOCK, ORDER_RECORDED, "bench")
            affected = record_court_order(conn, None, order, step, "bench").affected
            elapsed = time.perf_counter() - start
        engine.dispose()
    print(f"court-order propagation over {people} people on {FLIGHTS} open manifests (SQLite)")
    print(f"  {elapsed:6.2f} s, {len(affected)} struck (target: under 1 s)")


def _seed(engine: Engine, people: int) -> None:
    """The evening's world with `people` AEA-only clones of V1 (the class order covers everyone), drafted
    onto the open manifests of 50 copies of the third flight."""
    document = load_world_file(EVENING / "evening.yaml")
    template = document.world.person_by_id["V1"]
    persons = tuple(_clone(template, i) for i in range(people))
    agreement = document.world.agreements[0]
    version = agreement.versions[0].model_copy(update={"capacity": people * 2})
    world = document.world.model_copy(
        update={
            "persons": persons,
            "agreements": (agreement.model_copy(update={"versions": (version,)}),),
        }
    )
    template_flight = load_flight_file(EVENING / "flights.yaml").flights[2]
    per_flight = people // FLIGHTS
    flights = [_flight(template_flight, i, per_flight) for i in range(FLIGHTS)]
    with engine.begin() as conn:
        step = begin_step(conn, CLOCK, PLANNED, "bench")
        import_document(conn, document.model_copy(update={"world": world}), now=IMPORTED, source="bench")
        service.add_flights(conn, flights, step)
        for i, flight in enumerate(flights):
            chunk = persons[i * per_flight : (i + 1) * per_flight]
            service.draft_manifest(conn, flight.id, [(p.id, 1) for p in chunk], step)


def _clone(person: Person, i: int) -> Person:
    return person.model_copy(update={"id": f"P{i:05d}"})


def _flight(template: Flight, i: int, seats: int) -> Flight:
    legs = tuple(
        leg.model_copy(
            update={
                "scheduled_departure": leg.scheduled_departure + timedelta(minutes=i),
                "scheduled_arrival": leg.scheduled_arrival + timedelta(minutes=i),
            }
        )
        for leg in template.legs
    )
    return template.model_copy(update={"id": f"B{i:02d}", "seats": max(1, seats), "legs": legs})


def main(quick: bool) -> None:
    people = 1_000 if quick else 10_000
    planning(people)
    propagation(people)


if __name__ == "__main__":
    main(quick=False)

"""`run_evening` on the reference world (examples/us-slv-2025.yaml) with the example flights and order:
the planner fills the three flights, the class order is recorded at 18:50 while the first two are in
the air, and they land at 00:10."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from accord.domain import Person
from accord.ledger.keys import Keyring
from accord.movements.manifest import PassengerStatus, StrikeReason
from accord.services.evening import run_evening
from accord.services.movements import show_manifest
from accord.store.court_orders import order_history
from accord.store.engine import make_engine
from accord.store.reader import load_world
from accord.world.loader import load_world_file

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
WORLD = EXAMPLES / "us-slv-2025.yaml"
FLIGHTS = EXAMPLES / "flights" / "evening-2025-03-15.yaml"
ORDER = EXAMPLES / "court-orders" / "jgg-tro-class.yaml"


def _aea_only_venezuelan(person: Person) -> bool:
    return person.nationalities == ("VEN",) and {o.basis for o in person.orders} == {"aea"}


def _venezuelan_with_title8(person: Person) -> bool:
    return "VEN" in person.nationalities and "title8" in {o.basis for o in person.orders}


ENTERED = "2025-03-15T18:50:00-04:00"


def test_the_reference_evening(database_url: str) -> None:
    outcome = run_evening(database_url, WORLD, FLIGHTS, ORDER, keyring=Keyring())
    people = load_world_file(WORLD).world.person_by_id
    handed = {o.person: o for a in outcome.arrivals if a.flight in ("HRL-SAL-1", "HRL-SAL-2") for o in a.outcomes}
    covered = [p for p in handed if _aea_only_venezuelan(people[p])]
    assert covered, "some AEA-only Venezuelans flew on the first two flights"
    for person in covered:
        assert not handed[person].handed_over and "JGG-TRO-CLASS" in handed[person].detail
    independent = [p for p in handed if _venezuelan_with_title8(people[p])]
    assert independent, "some Venezuelans with a Title 8 final order flew"
    for person in independent:
        outcome_of = handed[person]
        assert outcome_of.handed_over and outcome_of.ledger_index is not None
        assert outcome_of.legal_basis is not None and outcome_of.legal_basis.startswith("decision:")
        relied = outcome_of.legal_basis.split("/")[1:]
        assert relied and all(order.startswith("title8:") for order in relied)  # never the barred AEA order
    third = [a for a in outcome.court_order if a.flight == "HRL-SAL-3"]
    assert third and all(a.action == "struck" for a in third)
    assert all(any(line.startswith(f"  REFUSED {p}") for line in outcome.lines()) for p in covered)

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            passengers = show_manifest(conn, "HRL-SAL-3").manifest.passengers
            for affected in third:
                assert passengers[affected.person].status is PassengerStatus.STRUCK
                assert passengers[affected.person].strike_reason is StrikeReason.COURT_ORDER
            for person in covered:
                flight = next(a.flight for a in outcome.arrivals if any(o.person == person for o in a.outcomes))
                status = show_manifest(conn, flight).manifest.passengers[person].status
                assert status is PassengerStatus.RETURN_REQUIRED
            # The order file is the only source of the order: stored once, entered at 18:50 and recorded
            # at Accord's own clock (after everything that happened that evening).
            (order,) = load_world(conn).court_orders
            assert order.id == "JGG-TRO-CLASS"
            versions, events = order_history(conn, order.id)
            assert [(e.kind, e.occurred_at) for e in events] == [("record", datetime.fromisoformat(ENTERED))]
            assert len(versions) == 1 and order.recorded_at == events[0].recorded_at
    finally:
        engine.dispose()

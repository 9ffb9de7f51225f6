"""The rows court-order propagation writes through the driver's executemany (`append_many`) read back as
the ORM writes them: instants compare as instants, bodies are the events, and the projection is the
replay of the events."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from accord.movements.files import load_court_order_file, load_flight_file
from accord.services import movements as service
from accord.services import movements_repository as repo
from accord.services.court_orders import record_court_order
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.tables_movements import movement_events
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.steps import Steps

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
RECORDED = datetime.fromisoformat("2025-03-15T18:45:00-04:00")


def test_propagated_rows_read_back_as_written(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    flight = load_flight_file(EVENING / "flights.yaml").flights[2]
    steps = Steps()
    try:
        with engine.begin() as conn:
            step = steps(conn, datetime.fromisoformat("2025-03-15T13:00:00-04:00"))
            import_document(conn, load_world_file(EVENING / "evening.yaml"), now=step.at, source="test")
            service.add_flights(conn, [flight], step)
            service.draft_manifest(conn, flight.id, [("V1", 1), ("V2", 1)], step)
            judge = steps(conn, RECORDED, "judge")
            order = load_court_order_file(EVENING / "jgg-tro.yaml")
            affected = record_court_order(conn, None, order, judge, "test").affected
            struck = [a.person for a in affected if a.action == "struck"]
            rows = conn.execute(
                select(movement_events.c.person_id, movement_events.c.occurred_at, movement_events.c.kind)
                .where(movement_events.c.recorded_at == judge.recorded_at)
                .order_by(movement_events.c.seq)
            ).all()
            events = [event for flight_id, event in repo.events_of(conn, "V1") if flight_id == flight.id]
            projected = repo.projected_manifests(conn, [flight])[flight.id]
            replayed = repo.load_manifest(conn, flight)
        assert "V1" in struck
        assert [(r.person_id, r.occurred_at, r.kind) for r in rows] == [(p, RECORDED, "strike") for p in struck]
        assert events[-1].kind == "strike" and events[-1].recorded_at == judge.recorded_at
        assert events[-1].occurred_at == RECORDED and events[-1].actor == "judge"
        assert projected == replayed
    finally:
        engine.dispose()

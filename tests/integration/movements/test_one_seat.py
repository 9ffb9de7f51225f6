"""A person holds a seat on at most one manifest, on both databases: the repository refuses a second seat
by name, and the unique index refuses it whatever writes the row."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from accord.movements.files import load_flight_file
from accord.movements.manifest import MovementError
from accord.services import movements as service
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.tables_movements import movement_passengers
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.steps import Steps

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
AT = datetime.fromisoformat("2025-03-15T13:00:00-04:00")
steps = Steps()


def test_a_second_seat_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        import_document(conn, load_world_file(EVENING / "evening.yaml"), now=AT, source="test")
        service.add_flights(conn, load_flight_file(EVENING / "flights.yaml").flights, steps(conn, AT))
        service.draft_manifest(conn, "GXA-1", [("V1", 1)], steps(conn, AT))
    with pytest.raises(MovementError, match="V1 already holds a seat on flight GXA-1"), engine.begin() as conn:
        service.draft_manifest(conn, "GXA-2", [("V2", 1), ("V1", 1)], steps(conn, AT))
    row = {"flight_id": "GXA-3", "person_id": "V1", "leg": 1, "agreement_id": None, "status": "planned"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(movement_passengers).values(row))
    with engine.begin() as conn:  # a struck person holds no seat: the index lets that row be
        conn.execute(insert(movement_passengers).values({**row, "status": "struck"}))
    engine.dispose()

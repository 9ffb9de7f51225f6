"""Two locks racing for an agreement's last places on PostgreSQL never oversubscribe it."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest

from accord.movements.files import load_flight_file
from accord.movements.manifest import StrikeReason
from accord.services import movements as service
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.steps import Steps

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
IMPORTED = datetime.fromisoformat("2025-03-15T12:00:00-04:00")
PLANNED = datetime.fromisoformat("2025-03-15T13:00:00-04:00")
LOCKED = datetime.fromisoformat("2025-03-15T16:00:00-04:00")
CAPACITY = 5


def _world_with_capacity(capacity: int):  # type: ignore[no-untyped-def]
    document = load_world_file(EVENING / "evening.yaml")
    agreement = document.world.agreements[0]
    version = agreement.versions[0].model_copy(update={"capacity": capacity})
    agreement = agreement.model_copy(update={"versions": (version,)})
    world = document.world.model_copy(update={"agreements": (agreement,)})
    return document.model_copy(update={"world": world})


@pytest.mark.postgres
def test_two_locks_never_oversubscribe(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=4)
    upgrade(engine)
    steps = Steps()
    with engine.begin() as conn:
        step = steps(conn, PLANNED)
        import_document(conn, _world_with_capacity(CAPACITY), now=IMPORTED, source="test")
        service.add_flights(conn, load_flight_file(EVENING / "flights.yaml").flights, step)
        # Two drafts of four each: drafts are proposals, so together they may ask for more than is left.
        service.draft_manifest(conn, "GXA-1", [(p, 1) for p in ("V1", "V2", "V3", "S1")], step)
        service.draft_manifest(conn, "GXA-2", [(p, 1) for p in ("V4", "T1", "V5", "T2")], step)
    barrier = threading.Barrier(2)
    reports: list[service.LockReport] = []
    errors: list[BaseException] = []

    def lock(flight: str) -> None:
        try:
            with engine.begin() as conn:
                barrier.wait()
                reports.append(service.lock(conn, flight, steps(conn, LOCKED, f"officer-{flight}")))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=lock, args=(f,)) for f in ("GXA-1", "GXA-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert not errors
    kept = sum(len(r.kept) for r in reports)
    assert kept == CAPACITY  # serialised: the second lock sees the first one's reservation
    struck = [s for r in reports for s in r.struck]
    assert len(struck) == 8 - CAPACITY and all(s.reason is StrikeReason.CAPACITY for s in struck)

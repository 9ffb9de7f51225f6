"""Concurrent `accord` processes on one PostgreSQL database (issue 12), never threads sharing an engine:
boarding runs on one flight all succeed with one unbroken event sequence, and two `manifest plan --apply`
runs never seat a person twice nor reserve more places than the agreement has.

Each process is the `accord` command; it waits for a start file after importing Accord, so that the
runs really meet at the database instead of being spread out by their start-up time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from accord.ledger import Keyring
from accord.movements.files import load_flight_file
from accord.movements.manifest import SEATED
from accord.services import movements as service
from accord.services.evening import custodian_ledger
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.tables_movements import movement_events, movement_passengers
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.steps import Steps

pytestmark = pytest.mark.postgres

steps = Steps()
EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
IMPORTED = datetime.fromisoformat("2025-03-15T12:00:00-04:00")
PLANNED = datetime.fromisoformat("2025-03-15T13:00:00-04:00")
LOCKED = "2025-03-15T16:00:00-04:00"
BOARDING = "2025-03-15T17:00:00-04:00"
PEOPLE = 12
CAPACITY = 6

# The `accord` command, started at once by every process once the start file exists.
_RUNNER = """
import sys, time
from pathlib import Path
from accord.cli.main import app
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.01)
app(sys.argv[2:], prog_name="accord")
"""


def _world(capacity: int):  # type: ignore[no-untyped-def]
    """The evening's world with V1 cloned into PEOPLE removable men and the agreement's capacity set."""
    document = load_world_file(EVENING / "evening.yaml")
    template = document.world.person_by_id["V1"]
    identity = template.identity
    assert identity is not None
    people = tuple(
        template.model_copy(
            update={"id": f"M{n:02d}", "identity": identity.model_copy(update={"reference": f"A-M{n:02d}"})}
        )
        for n in range(1, PEOPLE + 1)
    )
    agreement = document.world.agreements[0]
    versions = (agreement.versions[0].model_copy(update={"capacity": capacity}), *agreement.versions[1:])
    world = document.world.model_copy(
        update={"persons": people, "agreements": (agreement.model_copy(update={"versions": versions}),)}
    )
    return document.model_copy(update={"world": world})


def _set_up(url: str, keyring: Path, capacity: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    flights = load_flight_file(EVENING / "flights.yaml").flights
    with engine.begin() as conn:
        import_document(conn, _world(capacity), now=IMPORTED, source="test")
        custodian_ledger(conn, Keyring.load(keyring), flights, steps(conn, IMPORTED))
        service.add_flights(conn, flights, steps(conn, IMPORTED))
    engine.dispose()


def _together(tmp_path: Path, url: str, keyring: Path, runs: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run each argument list as an `accord` process, all released at the same moment."""
    go = tmp_path / "go"
    env = {**os.environ, "ACCORD_DATABASE_URL": url, "ACCORD_LEDGER_KEYRING": str(keyring), "ACCORD_ACTOR": "test"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _RUNNER, str(go), *args],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for args in runs
    ]
    time.sleep(1.0)  # let every process import Accord and wait at the start line
    go.touch()
    results = []
    for process, args in zip(processes, runs, strict=True):
        out, err = process.communicate(timeout=240)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def test_concurrent_boardings_on_one_flight_all_succeed_in_one_sequence(postgres_url: str, tmp_path: Path) -> None:
    keyring = tmp_path / "keyring.json"
    _set_up(postgres_url, keyring, capacity=300)
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        plan = service.plan_flights(conn, ["GXA-1"], steps(conn, PLANNED), time_limit=2.0)
        service.apply_plan(conn, plan, steps(conn, PLANNED))
        service.lock(conn, "GXA-1", steps(conn, datetime.fromisoformat(LOCKED)))
        seated = sorted(p.person for p in service.show_manifest(conn, "GXA-1").manifest.seated())
    assert len(seated) >= 8
    boards = [["board", "GXA-1", "--person", p, "--identity", f"A-{p}", "--at", BOARDING] for p in seated[:8]]
    results = _together(tmp_path, postgres_url, keyring, boards)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "boarded" in result.stdout
    with engine.connect() as conn:
        seqs = conn.execute(select(movement_events.c.seq).where(movement_events.c.flight_id == "GXA-1")).scalars().all()
        boarded = conn.execute(
            select(movement_passengers.c.person_id).where(movement_passengers.c.status == "boarded")
        ).scalars()
        assert sorted(seqs) == list(range(len(seqs)))  # no gap, no duplicate
        assert set(boarded) == set(seated[:8])
    engine.dispose()


def test_concurrent_plans_never_seat_a_person_twice_nor_exceed_the_places(postgres_url: str, tmp_path: Path) -> None:
    keyring = tmp_path / "keyring.json"
    _set_up(postgres_url, keyring, capacity=CAPACITY)
    plans = [
        ["manifest", "plan", flight, "--at", PLANNED.isoformat(), "--apply", "--time-limit", "2"]
        for flight in ("GXA-1", "GXA-2")
    ]
    results = _together(tmp_path, postgres_url, keyring, plans)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "draft manifests created" in result.stdout
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        seats = (
            conn.execute(
                select(movement_passengers.c.person_id).where(
                    movement_passengers.c.status.in_([s.value for s in SEATED])
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    twice = [person for person, n in Counter(seats).items() if n > 1]
    assert not twice, f"seated on both manifests: {twice}"
    assert len(seats) == CAPACITY  # the places reserved are the people reserved, and no more than there are

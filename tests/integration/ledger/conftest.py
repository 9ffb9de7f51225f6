"""A small ledger on each database: two organisations, three custodians, a few handovers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from accord.ledger import (
    Keyring,
    Ledger,
    add_custodian_key,
    add_witness,
    init_ledger,
    record_handover,
    register_organisation,
)
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from tests.witnesses import RunningWitness, running_witness

ORIGIN = "accord.test/custody"
T0 = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
# These tests are about the log itself, so both organisations are registered as agencies of one state:
# every handover is domestic. Admission into foreign custody is tested in test_admission.py.
HOME = "USA"


@dataclass
class World:
    engine: Engine
    ledger: Ledger
    directory: Path

    def handover(self, person: str, sender: str, receiver: str, minutes: int, **extra: str) -> int:
        with self.engine.begin() as conn:
            return record_handover(
                conn,
                self.ledger,
                person_id=person,
                from_custodian=sender,
                to_custodian=receiver,
                place=extra.get("place", "KIAH"),
                occurred_at=T0 + timedelta(minutes=minutes),
                recorded_at=T0 + timedelta(minutes=minutes + 1),
                legal_basis=extra.get("legal_basis", "decision-1"),
                home_country=HOME,
                event_id=extra.get("event_id"),
            )


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    engine = make_engine(database_url)
    upgrade(engine)
    keyring = Keyring.load(tmp_path / "keyring.json")
    with engine.begin() as conn:
        ledger = init_ledger(conn, keyring, ORIGIN)
        register_organisation(conn, ledger, org="us-dhs", name="US DHS", country=HOME, recorded_at=T0)
        register_organisation(conn, ledger, org="slv-dgcp", name="El Salvador DGCP", country=HOME, recorded_at=T0)
        add_custodian_key(conn, ledger, org="us-dhs", custodian="ice-houston", recorded_at=T0)
        add_custodian_key(conn, ledger, org="us-dhs", custodian="ice-air", recorded_at=T0)
        add_custodian_key(conn, ledger, org="slv-dgcp", custodian="cecot", recorded_at=T0)
    yield World(engine, ledger, tmp_path)
    engine.dispose()


@pytest.fixture
def busy_world(world: World) -> World:
    """Three people moved along the chain houston -> air -> cecot."""
    for n, person in enumerate(["A-100", "A-200", "A-300"]):
        world.handover(person, "ice-houston", "ice-air", 10 * n)
        world.handover(person, "ice-air", "cecot", 10 * n + 5)
    return world


@pytest.fixture
def witness(busy_world: World) -> Iterator[RunningWitness]:
    """A real witness process trusting this world's log key, registered with the ledger as `auditor`."""
    with running_witness(busy_world.directory / "witness", [busy_world.ledger.log_verifier_key()]) as running:
        with busy_world.engine.begin() as conn:
            add_witness(conn, busy_world.ledger, name=running.name, url=running.url, key=running.key)
        yield running

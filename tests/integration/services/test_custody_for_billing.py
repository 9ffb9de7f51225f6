"""Billing reads custody from the signed custody ledger once movements have written it, and the ledger's
periods give the same invoices as the same custody written as world custody records (issue: fees)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from accord.billing.preview import bill, bill_periods
from accord.domain import CustodyRecord
from accord.ledger.keys import Keyring
from accord.services.custody import billing_periods
from accord.services.evening import run_evening
from accord.store import import_document, load_world, upgrade
from accord.store.engine import make_engine
from accord.world import load_world_file

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
ROSTER = {"GXA-1": ["V1", "V2", "V3", "S1"], "GXA-2": ["V4", "T1"], "GXA-3": ["V5", "T2"]}
HANDED_OVER = ("V3", "S1", "T1", "T2")  # landed at 00:10 on 2025-03-16, local time in El Salvador
AGREEMENT = "US-SLV-2025"


def test_ledger_custody_bills_like_world_custody_records(database_url: str) -> None:
    keyring = Keyring()
    run_evening(
        database_url, EVENING / "evening.yaml", EVENING / "flights.yaml", EVENING / "jgg-tro.yaml", ROSTER, keyring
    )
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            world = load_world(conn)
            periods = billing_periods(conn, world, AGREEMENT, keyring)
    finally:
        engine.dispose()
    assert periods is not None
    assert sorted((p.person, p.intake, p.release) for p in periods) == [
        (person, date(2025, 3, 16), None) for person in sorted(HANDED_OVER)
    ]
    from_ledger = bill_periods(world, AGREEMENT, periods, "2025-03", "2025-05")
    records = tuple(CustodyRecord(person=p, agreement=AGREEMENT, intake=date(2025, 3, 16)) for p in HANDED_OVER)
    from_records = bill(world.model_copy(update={"custody": records}), AGREEMENT, "2025-03", "2025-05")
    assert from_ledger.to_json() == from_records.to_json()
    assert from_ledger.to_json()["total"] != "0.00"


def test_without_a_ledger_billing_uses_the_world_custody_records(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            import_document(
                conn,
                load_world_file(EVENING / "evening.yaml"),
                now=datetime.fromisoformat("2025-03-15T12:00:00-04:00"),
                source="test",
            )
            assert billing_periods(conn, load_world(conn), AGREEMENT) is None
    finally:
        engine.dispose()

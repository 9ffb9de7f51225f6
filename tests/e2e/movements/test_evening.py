"""The evening of 2025-03-15, end to end on SQLite and PostgreSQL (docs/movements.md)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from accord.ledger.keys import Keyring
from accord.ledger.service import open_ledger, where
from accord.movements.manifest import PassengerStatus, StrikeReason
from accord.services.evening import run_evening
from accord.services.movements import show_manifest
from accord.store.engine import make_engine
from accord.store.tables_decisions import stored_decisions
from accord.store.tables_movements import movement_return_proposals

HERE = Path(__file__).parent
LANDED = datetime.fromisoformat("2025-03-16T00:10:00-06:00")
ROSTER = {"GXA-1": ["V1", "V2", "V3", "S1"], "GXA-2": ["V4", "T1"], "GXA-3": ["V5", "T2"]}
COVERED_IN_FLIGHT = {"V1", "V2", "V4"}  # AEA-only orders, in the air when the order binds
INDEPENDENT = {"V3", "S1", "T1", "T2"}  # an unblocked final order of their own (T2 on the third flight)


def test_the_evening(database_url: str) -> None:
    keyring = Keyring()
    outcome = run_evening(
        database_url, HERE / "evening.yaml", HERE / "flights.yaml", HERE / "jgg-tro.yaml", ROSTER, keyring
    )
    # Before the order: everyone locked and boarded on the first two flights.
    assert all(not lock.struck for lock in outcome.locks)
    # The order: the third flight's covered passenger is struck, the covered passengers in the air held.
    actions = {(a.person, a.action) for a in outcome.court_order}
    assert actions == {("V5", "struck"), ("V1", "held"), ("V2", "held"), ("V4", "held")}
    assert all("JGG-TRO-CLASS" in a.detail for a in outcome.court_order)
    # The third flight: V5 never boards, T2 (Title 8 only) does.
    boarded = {b.person for b in outcome.boarding if b.boarded}
    assert "V5" not in boarded and "T2" in boarded
    # Arrival: covered passengers refused and return_required; independent orders handed over with a basis.
    handed = {o.person: o for a in outcome.arrivals for o in a.outcomes}
    assert {p for p, o in handed.items() if not o.handed_over} == COVERED_IN_FLIGHT
    assert {p for p, o in handed.items() if o.handed_over} == INDEPENDENT
    # The legal basis cites the stored decision that allowed the handover and the order relied on: the
    # independent Title 8 order, never the AEA order the class order bars.
    for person in ("V3", "S1"):
        basis = handed[person].legal_basis
        assert basis is not None and re.fullmatch(r"decision:[0-9a-f]{64}/title8:2024-11-20", basis), basis
    assert all("court_order" in handed[p].detail for p in COVERED_IN_FLIGHT)
    returns = {a.flight: a.return_leg for a in outcome.arrivals}
    assert returns["GXA-1"] and returns["GXA-2"] and returns["GXA-3"] is None  # nobody to return from the third

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            ledger = open_ledger(conn, keyring)
            for person in INDEPENDENT:
                custody = where(conn, ledger, person, LANDED)
                assert custody is not None and custody.custodian == "SLV-CECOT"
            for person in COVERED_IN_FLIGHT:
                custody = where(conn, ledger, person, LANDED)
                assert custody is not None and custody.custodian == "ICE-AIR"  # stays with the escort
            assert where(conn, ledger, "V5", LANDED) is None  # never handed to anyone
            third = show_manifest(conn, "GXA-3").manifest.passengers
            assert third["V5"].status is PassengerStatus.STRUCK
            assert third["V5"].strike_reason is StrikeReason.COURT_ORDER
            first = show_manifest(conn, "GXA-1").manifest.passengers
            assert first["V1"].status is PassengerStatus.RETURN_REQUIRED
            proposals = {r.person_id for r in conn.execute(select(movement_return_proposals))}
            assert proposals == COVERED_IN_FLIGHT
            for person in INDEPENDENT:  # each legal basis resolves to a stored decision that allowed the move
                cited = (handed[person].legal_basis or "").split("/")[0].removeprefix("decision:")
                decision = next(d for d in stored_decisions(conn, person) if d.decision_id == cited)
                assert decision.as_of == LANDED
                assert any(p["status"] == "allowed" for p in decision.body["pathways"])  # type: ignore[union-attr]
    finally:
        engine.dispose()

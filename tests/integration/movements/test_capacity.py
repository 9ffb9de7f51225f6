"""People handed over and then marked return_required are still held abroad: they keep their place in
the agreement's capacity (for the planner and the lock's guard) until they are actually returned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from accord.domain import CourtOrder, Scope
from accord.ledger.keys import Keyring
from accord.movements.files import load_flight_file
from accord.services import movements as service
from accord.services.court_orders import record_court_order
from accord.services.evening import custodian_ledger
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.writer import import_document
from accord.world.loader import load_world_file

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
AGREEMENT = "US-SLV-2025"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_return_required_after_a_handover_still_holds_a_place(database_url: str) -> None:
    flights = load_flight_file(EVENING / "flights.yaml").flights
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        with engine.begin() as conn:
            import_document(
                conn, load_world_file(EVENING / "evening.yaml"), now=_t("2025-03-15T12:00:00-04:00"), source="test"
            )
            ledger = custodian_ledger(conn, Keyring(), flights, _t("2025-03-15T12:00:00-04:00"))
            service.add_flights(conn, flights, service.Step(_t("2025-03-15T12:00:00-04:00"), "test"))
            service.draft_manifest(
                conn, "GXA-1", [("V3", 1), ("S1", 1)], service.Step(_t("2025-03-15T13:00:00-04:00"), "test")
            )
            service.lock(conn, "GXA-1", service.Step(_t("2025-03-15T16:00:00-04:00"), "test"))
            for person in ("V3", "S1"):
                service.board(
                    conn, ledger, "GXA-1", person, f"A-{person}", service.Step(_t("2025-03-15T17:00:00-04:00"), "test")
                )
            service.depart(conn, "GXA-1", service.Step(_t("2025-03-15T17:25:00-04:00"), "test"))
            arrival = service.arrive(conn, ledger, "GXA-1", 1, service.Step(_t("2025-03-16T00:10:00-06:00"), "test"))
            assert all(o.handed_over for o in arrival.outcomes)
            later = _t("2025-03-16T09:00:00-06:00")
            before = service.plan_flights(conn, ["GXA-3"], later).places[AGREEMENT]
            order = CourtOrder(
                id="RETURN-V3-S1", binding_from=later, effect="require_return", scope=Scope(persons=("V3", "S1"))
            )
            affected = record_court_order(conn, ledger, order, service.Step(later, "test"), "test")
            assert {(a.person, a.action) for a in affected} == {("V3", "return_required"), ("S1", "return_required")}
            after = service.plan_flights(conn, ["GXA-3"], later).places[AGREEMENT]
        assert before == 300 - 2
        assert after == before  # still held abroad: their places are not free until they are returned
    finally:
        engine.dispose()

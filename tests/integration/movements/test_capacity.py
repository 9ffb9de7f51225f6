"""People handed over and then marked return_required are still held abroad: they keep their place in
the agreement's capacity (for the planner and the lock's guard) until they are actually returned; the
return is a co-signed handover back to detention that frees the place and ends the fees."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection

from accord.domain import CourtOrder, Scope
from accord.ledger.keys import Keyring
from accord.ledger.service import Ledger, where
from accord.movements.files import load_flight_file
from accord.movements.manifest import MovementError, PassengerStatus
from accord.services import movements as service
from accord.services.court_orders import record_court_order
from accord.services.custody import ledger_periods
from accord.services.evening import custodian_ledger
from accord.store import load_world
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.steps import Steps

steps = Steps()
EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
AGREEMENT = "US-SLV-2025"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


LATER = _t("2025-03-16T09:00:00-06:00")
RETURNED_AT = _t("2025-03-20T10:00:00-06:00")


def _handed_over_then_ordered_back(conn: Connection) -> tuple[Ledger, int]:
    """V3 and S1 flown on GXA-1 and handed over at CECOT; at LATER a court order requires their return.
    Returns the ledger and the agreement's places left just before the order."""
    flights = load_flight_file(EVENING / "flights.yaml").flights
    import_document(conn, load_world_file(EVENING / "evening.yaml"), now=_t("2025-03-15T12:00:00-04:00"), source="test")
    ledger = custodian_ledger(conn, Keyring(), flights, steps(conn, _t("2025-03-15T12:00:00-04:00")))
    service.add_flights(conn, flights, steps(conn, _t("2025-03-15T12:00:00-04:00")))
    service.draft_manifest(conn, "GXA-1", [("V3", 1), ("S1", 1)], steps(conn, _t("2025-03-15T13:00:00-04:00")))
    service.lock(conn, "GXA-1", steps(conn, _t("2025-03-15T16:00:00-04:00")))
    for person in ("V3", "S1"):
        service.board(conn, ledger, "GXA-1", person, f"A-{person}", steps(conn, _t("2025-03-15T17:00:00-04:00")))
    service.depart(conn, "GXA-1", steps(conn, _t("2025-03-15T17:25:00-04:00")))
    arrival = service.arrive(conn, ledger, "GXA-1", 1, steps(conn, _t("2025-03-16T00:10:00-06:00")))
    assert all(o.handed_over for o in arrival.outcomes)
    before = service.plan_flights(conn, ["GXA-3"], steps(conn, LATER)).places[AGREEMENT]
    order = CourtOrder(
        id="RETURN-V3-S1", binding_from=LATER, effect="require_return", scope=Scope(persons=("V3", "S1"))
    )
    affected = record_court_order(conn, ledger, order, steps(conn, LATER), "test").affected
    assert {(a.person, a.action) for a in affected} == {("V3", "return_required"), ("S1", "return_required")}
    return ledger, before


@contextmanager
def _database(database_url: str) -> Iterator[Connection]:
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def test_return_required_after_a_handover_still_holds_a_place(database_url: str) -> None:
    with _database(database_url) as conn:
        _, before = _handed_over_then_ordered_back(conn)
        after = service.plan_flights(conn, ["GXA-3"], steps(conn, LATER)).places[AGREEMENT]
    assert before == 300 - 2
    assert after == before  # still held abroad: their places are not free until they are returned


def test_a_return_is_a_cosigned_handover_that_frees_the_place_and_ends_the_fees(database_url: str) -> None:
    with _database(database_url) as conn:
        ledger, before = _handed_over_then_ordered_back(conn)
        returned = service.return_person(conn, ledger, "GXA-1", "V3", steps(conn, RETURNED_AT))
        assert (returned.from_custodian, returned.to_custodian) == ("SLV-CECOT", "ICE-HRL")
        custody = where(conn, ledger, "V3")
        assert custody is not None and (custody.custodian, custody.legal_basis) == ("ICE-HRL", "return_required")
        assert service.show_manifest(conn, "GXA-1").manifest.passengers["V3"].status is PassengerStatus.RETURNED
        assert (
            service.plan_flights(conn, ["GXA-3"], steps(conn, RETURNED_AT)).places[AGREEMENT] == before + 1
        )  # S1 still held
        stays = {p.person: p for p in ledger_periods(conn, ledger, load_world(conn), AGREEMENT)}
        assert stays["V3"].release == date(2025, 3, 20)  # the facility's local date of the return
        assert stays["S1"].release is None
        with pytest.raises(MovementError, match="cannot return V3, who is returned"):
            service.return_person(conn, ledger, "GXA-1", "V3", steps(conn, RETURNED_AT))


def test_only_someone_marked_return_required_can_be_returned(database_url: str) -> None:
    with _database(database_url) as conn:
        ledger, _ = _handed_over_then_ordered_back(conn)
        with pytest.raises(MovementError, match="cannot return P404, who is not on the manifest"):
            service.return_person(conn, ledger, "GXA-1", "P404", steps(conn, RETURNED_AT))
        with pytest.raises(MovementError, match="cannot return V3 on a manifest that is not created"):
            service.return_person(conn, ledger, "GXA-2", "V3", steps(conn, RETURNED_AT))

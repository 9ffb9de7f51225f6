"""A plan made more than 24 hours before departure carries `recheck_before_boarding` (docs/spec/rules.md §2): the
warning is on every stored decision and on the plan, never changes a status, and is given again when the
decision is replayed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from accord.movements.files import load_flight_file
from accord.services import movements as service
from accord.services.replay import replay_decisions
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.tables_decisions import stored_decisions
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.steps import Steps

steps = Steps()
EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("planned", "warned"), [("2025-03-14T12:00:00-04:00", True), ("2025-03-15T13:00:00-04:00", False)]
)
def test_plans_far_ahead_are_flagged_for_recheck(database_url: str, planned: str, warned: bool) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    try:
        with engine.begin() as conn:
            import_document(
                conn, load_world_file(EVENING / "evening.yaml"), now=_t("2025-03-01T12:00:00-04:00"), source="test"
            )
            service.add_flights(
                conn, load_flight_file(EVENING / "flights.yaml").flights, steps(conn, _t("2025-03-01T12:00:00-04:00"))
            )
            report = service.plan_flights(conn, ["GXA-1"], steps(conn, _t(planned)))
            decisions = stored_decisions(conn)
            replays = replay_decisions(conn, decisions)
        assert report.recheck_before_boarding is warned
        assert decisions, "planning stores the decisions it made"
        for decision in decisions:
            pathways = decision.body["pathways"]
            assert isinstance(pathways, list) and pathways
            for pathway in pathways:
                codes = [w["code"] for w in pathway["warnings"]]
                assert ("recheck_before_boarding" in codes) is warned
        # Replaying re-attaches the warning from the stored instants: every decision comes out the same.
        assert [r.differences for r in replays] == [()] * len(decisions)
        assert [r.decision_id for r in replays] == [d.decision_id for d in decisions]
    finally:
        engine.dispose()

"""More than 64 court orders in effect at once (individual habeas orders add up): the columnar engine keeps
one bit per order in as many 64-bit words as needed, agrees with the interpreter, names the orders that
block, and the decisions Parquet lists every order that covers a pathway and decodes back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from accord.domain import CourtOrder, Scope, World
from accord.rules.bulk import read_decisions, run_bulk_decide, write_bulk
from accord.rules.columnar import decide_world_columnar
from accord.rules.decision import DecisionSet, Pathway
from accord.world import load_world_file
from tests.conftest import SCENARIOS
from tests.unit.rules_columnar.test_differential import assert_same

THIRD_PLANE = datetime.fromisoformat("2025-03-15T19:36:00-04:00")
EARLIER = datetime.fromisoformat("2025-03-01T00:00:00-05:00")


def _individual(index: int, person: str, kinds: tuple[str, ...] | None = None) -> CourtOrder:
    scope = Scope.model_validate({"persons": [person], "pathway_kinds": kinds})
    return CourtOrder(id=f"HC-{index:03d}", binding_from=EARLIER, effect="bar_removal", scope=scope)


def _world_with_many_orders() -> World:
    """S13 (P2 may go to El Salvador at the third plane) plus 70 individual orders: 60 for a pathway P1
    does not have, 9 for P3's repatriation only, and the last (the 71st order in effect) barring P2's
    removal to a third country."""
    world = load_world_file(SCENARIOS / "s13-tro-open-manifest-carve-out.yaml").world
    others = [_individual(i, "P1", ("designated",)) for i in range(60)]
    others += [_individual(i, "P3", ("repatriation",)) for i in range(60, 69)]
    last = _individual(69, "P2", ("third_country",))
    return world.model_copy(update={"court_orders": (*world.court_orders, *others, last)})


def _third_country(decisions: DecisionSet, person: str) -> Pathway:
    decision = next(d for d in decisions.decisions if d.person == person)
    return next(p for p in decision.pathways if p.kind == "third_country")


def test_the_71st_order_blocks_and_is_named_like_the_first() -> None:
    world = _world_with_many_orders()
    expected = assert_same(world, THIRD_PLANE, None)
    assert _third_country(expected, "P2").codes == {"court_order"}
    columnar = decide_world_columnar(world, THIRD_PLANE)
    blocking = next(r for r in _third_country(columnar, "P2").reasons if r.code == "court_order")
    assert "court order HC-069 (bar_removal)" in blocking.detail
    repatriation = next(p for p in columnar.decisions[2].pathways if p.kind == "repatriation")
    assert columnar.decisions[2].person == "P3" and "HC-068" in repatriation.reasons[0].detail


def test_the_decisions_parquet_carries_every_word_and_decodes_back(tmp_path: Path) -> None:
    write_bulk(tmp_path / "in", _world_with_many_orders())
    output = tmp_path / "decisions.parquet"
    run_bulk_decide(tmp_path / "in", THIRD_PLANE, output=output, fmt="parquet")
    rows = pq.read_table(output).to_pylist()
    third = next(r for r in rows if r["person"] == "P2" and r["kind"] == "third_country")
    assert "HC-069" in third["court_orders"]  # the 71st order in effect, beyond the first 64-bit word
    assert read_decisions(output, tmp_path / "in") == run_bulk_decide(tmp_path / "in", THIRD_PLANE).decisions

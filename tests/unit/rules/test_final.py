"""One meaning of "final" (docs/spec/rules.md, "Final"): an order is final at as_of when its final date has
come and no BIA appeal is pending. Both engines read it the same way in every place the rules say
"final": the designated candidates, order_basis_out_of_scope, home_country_available, and the court-order
`order_basis` scope and carve-out."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import given

from accord.domain import PendingClaim, RemovalOrder, World
from accord.rules.columnar import decide_world_columnar
from accord.rules.decision import DecisionSet
from accord.rules.interpreter import decide
from accord.rules.predicates import pending_claims
from accord.world import load_world_file
from tests.unit.rules_columnar.decision_worlds import decision_case
from tests.unit.rules_columnar.test_differential import cuban, eswatini_world

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
EDT = timezone(timedelta(hours=-4))
AS_OF = datetime(2025, 8, 1, 12, 0, tzinfo=EDT)


def both(world: World, as_of: datetime) -> list[DecisionSet]:
    return [decide(world, as_of), decide_world_columnar(world, as_of)]


def pathways(decisions: DecisionSet, person: str) -> list[tuple[str, str, str | None, list[str]]]:
    [decision] = [d for d in decisions.decisions if d.person == person]
    return [(p.kind, p.destination, p.agreement, sorted(p.codes)) for p in decision.pathways]


def test_a_country_named_only_in_an_order_that_is_not_final_is_a_third_country() -> None:
    world = load_world_file(SCENARIOS / "x07-designated-only-by-final-order.yaml").world
    for decisions in both(world, AS_OF):
        not_final = [
            ("repatriation", "HND", None, ["country_not_accepting", "no_final_order"]),
            ("third_country", "NIC", "US-NIC-DETENTION", ["no_final_order"]),
            ("third_country", "NIC", "US-NIC-RECEPTION", ["no_final_order"]),
        ]
        assert pathways(decisions, "P1") == not_final
        assert pathways(decisions, "P3") == not_final  # the final date has come, but the appeal is pending
        assert pathways(decisions, "P2") == [
            ("repatriation", "HND", None, ["country_not_accepting"]),
            ("designated", "NIC", None, []),
        ]


def cuban_named_for_mexico(*pending: PendingClaim) -> World:
    """Cuba refuses; Mexico, named in an order whose final date has passed, would take him."""
    order = RemovalOrder(basis="title8", issued=date(2025, 1, 1), final=date(2025, 2, 1), designated=("MEX",))
    return eswatini_world(cuban(orders=(order,), pending=pending))


def test_home_country_available_reads_only_countries_designated_in_a_final_order() -> None:
    appeal = PendingClaim(kind="bia_appeal", filed=date(2025, 1, 20))
    for decisions in both(cuban_named_for_mexico(), AS_OF):
        [third] = [p for p in pathways(decisions, "P1") if p[0] == "third_country"]
        assert "home_country_available" in third[3]  # Mexico, designated in a final order, is available
    for decisions in both(cuban_named_for_mexico(appeal), AS_OF):
        [third] = [p for p in pathways(decisions, "P1") if p[0] == "third_country"]
        assert "home_country_available" not in third[3]  # under appeal, the order designates nothing
        assert "no_final_order" in third[3]


@given(case=decision_case())
def test_under_a_pending_bia_appeal_no_order_is_final_anywhere(case: tuple[World, Any, Any]) -> None:
    world, as_of, known_at = case
    decisions = decide(world, as_of, known_at)
    for decision in decisions.decisions:
        person = world.person_by_id[decision.person]
        appeals = [
            c for c in pending_claims(person, "bia_appeal", as_of, "America/New_York") if c.known_at(known_at or as_of)
        ]
        if not appeals:
            continue
        for pathway in decision.pathways:
            assert pathway.kind != "designated"
            assert "no_final_order" in pathway.codes
            assert "order_basis_out_of_scope" not in pathway.codes

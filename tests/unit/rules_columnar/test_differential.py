"""The columnar engine against the scalar interpreter: the same pathways, in the same order, with the same
status, reason codes and warning codes, on generated worlds (decision_worlds) and on every scenario."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings

from accord.domain import World
from accord.rules.columnar import decide_world_columnar
from accord.rules.decision import DecisionSet
from accord.rules.interpreter import decide
from tests.unit.rules_columnar.decision_worlds import decision_case

SEEN: Counter[str] = Counter()


def outcome(decisions: DecisionSet) -> list[Any]:
    """Everything the two engines must agree on (the details are the interpreter's to explain)."""
    return [
        (
            d.person,
            [(p.kind, p.destination, p.agreement, p.status, [r.code for r in p.reasons], [w.code for w in p.warnings])
             for p in d.pathways],
        )
        for d in decisions.decisions
    ]


def assert_same(world: World, as_of: Any, known_at: Any) -> DecisionSet:
    expected = decide(world, as_of, known_at)
    got = decide_world_columnar(world, as_of, known_at)
    assert outcome(got) == outcome(expected)
    assert (got.era, got.rule_pack, got.as_of, got.known_at) == (expected.era, expected.rule_pack, expected.as_of,
                                                                  expected.known_at)
    return expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(decision_case())
def test_columnar_agrees_with_interpreter(case: tuple[World, Any, Any]) -> None:
    world, as_of, known_at = case
    expected = assert_same(world, as_of, known_at)
    for d in expected.decisions:
        for p in d.pathways:
            SEEN.update(r.code for r in p.reasons)
            SEEN.update(w.code for w in p.warnings)

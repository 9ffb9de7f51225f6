"""Every public scenario through the columnar engine: each decision check's expectations hold, and the
engine agrees with the interpreter on every person of every check."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.rules.columnar import decide_world_columnar
from accord.rules.decision import DecisionSet
from accord.rules.scenarios import run_file
from accord.world import DecisionCheck, WorldDocument, load_world_file
from tests.conftest import SCENARIOS
from tests.unit.rules_columnar.test_differential import assert_same

FILES = sorted(SCENARIOS.glob("*.yaml"))


def columnar_decider(document: WorldDocument, check: DecisionCheck) -> DecisionSet:
    return decide_world_columnar(document.world, check.as_of, check.known_at, person_ids=list(check.expect))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_expectations_hold_on_columnar(path: Path) -> None:
    decision_checks = [r for r in run_file(path, columnar_decider) if r.label.startswith("as_of")]
    failed = [str(r) for r in decision_checks if not r.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_columnar_agrees_with_interpreter(path: Path) -> None:
    document = load_world_file(path)
    for check in document.checks:
        if isinstance(check, DecisionCheck):
            assert_same(document.world, check.as_of, check.known_at)


def test_every_scenario_file_has_a_decision_check() -> None:
    with_checks = [p for p in FILES if any(isinstance(c, DecisionCheck) for c in load_world_file(p).checks)]
    assert len(with_checks) >= 20

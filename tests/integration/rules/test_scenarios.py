"""Every scenario file in tests/scenarios, every check, through the scalar interpreter (and billing for
bill checks). One test per check so a failure names the file, the line and the pathway."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.rules.scenarios import CheckResult, run_file, scenario_files

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
RESULTS = [result for path in scenario_files([SCENARIOS]) for result in run_file(path)]


def test_the_suite_is_not_empty() -> None:
    assert len({r.file for r in RESULTS}) >= 24


@pytest.mark.parametrize("result", RESULTS, ids=[f"{Path(r.file).stem}:{r.line}" for r in RESULTS])
def test_scenario_check(result: CheckResult) -> None:
    assert result.passed, str(result)

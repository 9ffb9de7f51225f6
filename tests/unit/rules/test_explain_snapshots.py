"""`accord explain` states only facts (docs/integrity.md): the reasoning for five people of the reference
world, whose pathways between them exercise every gate, compared line by line with reviewed snapshots.

Regenerate after a deliberate change with `ACCORD_UPDATE_SNAPSHOTS=1 pytest tests/unit/rules/test_explain_snapshots.py`
and review the diff: every `ok` line must name the record it rests on or why the gate did not apply."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from accord.rules.explain import render
from accord.rules.interpreter import explain_trace
from accord.world.loader import load_world_file

ROOT = Path(__file__).resolve().parents[3]
WORLD = load_world_file(ROOT / "examples" / "us-slv-2025.yaml").world
SNAPSHOTS = ROOT / "tests" / "snapshots" / "explain"
EVENING = datetime.fromisoformat("2025-03-15T19:30:00-04:00")
# P006: LPR under the AEA only (out of scope, covered by the class order, no notice); P012: allowed to El
# Salvador on a served notice; P045: fear of El Salvador awaiting screening; P239: withholding for El
# Salvador, a Salvadoran (agreement repatriation); P263: a Mexican with a motion to reopen (a warning).
PEOPLE = ("P006", "P012", "P045", "P239", "P263")


@pytest.mark.parametrize("person", PEOPLE)
def test_explanations_match_their_snapshots(person: str) -> None:
    text = render(explain_trace(WORLD, person, EVENING), EVENING.isoformat()) + "\n"
    snapshot = SNAPSHOTS / f"{person}.txt"
    if os.environ.get("ACCORD_UPDATE_SNAPSHOTS"):
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")


def test_the_snapshots_cover_every_gate() -> None:
    from accord.rules.gates import GATES

    text = "".join((SNAPSHOTS / f"{p}.txt").read_text(encoding="utf-8") for p in PEOPLE)
    assert all(f" {gate.code}: " in text for gate in GATES)


def test_no_line_says_a_gate_held_without_its_record() -> None:
    """The words a gate asks (its question) never stand in for the record that answered it."""
    from accord.rules.gates import GATES

    text = "".join((SNAPSHOTS / f"{p}.txt").read_text(encoding="utf-8") for p in PEOPLE)
    for gate in GATES:
        assert f"ok  {gate.code}: {gate.asks}\n" not in text

"""`accord decisions list|replay`: a stored decision is made again from the record as it was known then and
comes out the same, whatever was learnt since; a decision the record or the rules no longer give is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from accord.cli.main import app
from accord.store.engine import make_engine
from accord.store.tables_decisions import decisions, stored_decisions

ROOT = Path(__file__).resolve().parents[3]
S13 = ROOT / "tests/scenarios/s13-tro-open-manifest-carve-out.yaml"
THIRD_PLANE = "2025-03-15T19:36:00-04:00"
P2_CONVICTION = '        - {date: 2023-09-02, offense: "robbery", aggravated_felony: true}\n'
STAY = "      stays:\n        - {kind: judicial, from: 2025-03-10, recorded_at: 2025-03-12T00:00:00Z}\n"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    return CliRunner()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout + result.stderr


def _p2_third_country(cli: CliRunner, known_at: str) -> str:
    out = run(cli, "decide", "db", "--as-of", THIRD_PLANE, "--known-at", known_at, "--person", "P2", "--format", "json")
    pathways = json.loads(out)["decisions"][0]["pathways"]
    return str(next(p["status"] for p in pathways if p["kind"] == "third_country"))


def _stored_world_with_a_stay_learnt_later(cli: CliRunner, tmp_path: Path) -> None:
    """S13 imported (its records carry no recorded_at: known from the start, as in the file); then a judicial
    stay of P2, in effect since the 10th and learnt on 12 March (its own recorded_at), is imported."""
    run(cli, "import", str(S13))
    later = tmp_path / "s13-with-stay.yaml"
    text = S13.read_text(encoding="utf-8")
    assert text.count(P2_CONVICTION) == 1
    later.write_text(text.replace(P2_CONVICTION, P2_CONVICTION + STAY), encoding="utf-8")
    run(cli, "import", str(later))


def test_each_decision_replays_from_what_was_known_when_it_was_made(cli: CliRunner, tmp_path: Path) -> None:
    _stored_world_with_a_stay_learnt_later(cli, tmp_path)
    assert _p2_third_country(cli, "2025-03-11T00:00:00Z") == "allowed"  # the stay was not yet on record
    assert _p2_third_country(cli, "2025-03-13T00:00:00Z") == "blocked"  # stay_in_effect
    replayed = run(cli, "decisions", "replay")
    assert replayed.count("same    ") == 2 and "2 replayed: 2 same, 0 differ" in replayed
    listed = run(cli, "decisions", "list", "--person", "P2")
    assert "known at 2025-03-11T00:00:00Z" in listed and "known at 2025-03-13T00:00:00Z" in listed
    assert "us/us-baseline allowed 1 of 2" in listed and "us/us-baseline allowed 0 of 2" in listed


def test_a_decision_the_record_or_the_rules_no_longer_give_is_named(
    cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    _stored_world_with_a_stay_learnt_later(cli, tmp_path)
    _p2_third_country(cli, "2025-03-11T00:00:00Z")
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            stored = stored_decisions(conn)[0]
            body = json.loads(json.dumps(stored.body))
            third = next(p for p in body["pathways"] if p["kind"] == "third_country")
            third.update(status="blocked", reasons=[{"code": "stay_in_effect", "detail": "x", "source": "y"}])
            # As if the stored decision had been made on other inputs, by rules that blocked the pathway.
            conn.execute(
                update(decisions).where(decisions.c.id == stored.id).values(body=json.dumps(body), inputs_hash="0" * 64)
            )
    finally:
        engine.dispose()
    replayed = run(cli, "decisions", "replay", "--id", stored.decision_id, code=1)
    assert f"DIFFERS {stored.decision_id[:12]} P2" in replayed
    assert "inputs: the stored world as known at known_at is no longer what the decision read" in replayed
    assert "third_country to SLV under US-SLV-2025: blocked (stay_in_effect) when decided, allowed" in replayed
    assert "1 replayed: 0 same, 1 differ" in replayed


def test_replay_without_a_matching_decision_is_a_clear_error(cli: CliRunner) -> None:
    run(cli, "import", str(S13))
    assert "no stored decision matches" in run(cli, "decisions", "replay", "--person", "P9", code=2)

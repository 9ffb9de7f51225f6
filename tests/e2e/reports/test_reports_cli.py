"""`accord report` and `accord cost` through the CLI on SQLite and PostgreSQL: the reference world's
decisions checked against counts made in the test from the world file, the US-funded flight from Panama
recorded step by step and shown by the reports, charts written, and user errors as exit 2."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.rules.interpreter import decide
from accord.world import load_world_file

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
AS_OF = "2025-03-15T19:30:00-04:00"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    monkeypatch.setenv("ACCORD_LEDGER_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.delenv("ACCORD_LEDGER_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def report_json(cli: CliRunner, spec: str | Path, *args: str) -> dict[str, object]:
    out = run(cli, "report", str(spec), "--format", "json", *args)
    data: dict[str, object] = json.loads(out)
    return data


def test_decisions_on_the_reference_world_match_counts_made_from_the_file(cli: CliRunner, tmp_path: Path) -> None:
    world_file = EXAMPLES / "us-slv-2025.yaml"
    run(cli, "import", str(world_file))
    run(cli, "decide", "db", "--as-of", AS_OF, "--format", "table")
    spec = tmp_path / "internal.yaml"
    spec.write_text(
        "format: accord.report/1\nid: internal\ntitle: Pathways by nationality and sex\nmeasure: decisions\n"
        "rows: [nationality]\ncolumns: sex\npublic: false\n",
        encoding="utf-8",
    )
    # `decide db` stores its decisions at the clock's time (today): ask as known now, not as known in 2025.
    window = ("--as-of", "2025-03-31T23:59:00-04:00", "--known-at", "2030-01-01T00:00:00Z", "--from", "2025-03")
    window += ("--to", "2025-03")
    then = ("--known-at", "2025-03-31T23:59:00-04:00")  # as known then: not yet decided by Accord
    assert report_json(cli, spec, *window[:2], *then, *window[4:], "--unsuppressed")["total"] == 0
    data = report_json(cli, spec, *window, "--unsuppressed")
    # Independently: every pathway the interpreter gives each person of the file, by nationality and sex.
    world = load_world_file(world_file).world
    sexes = {p.id: p.sex for p in world.persons}
    nationalities = {p.id: "/".join(sorted(p.nationalities)) for p in world.persons}
    expected: Counter[tuple[str, str]] = Counter()
    for decision in decide(world, datetime.fromisoformat(AS_OF)).decisions:
        expected[(nationalities[decision.person], sexes[decision.person] or "none")] += len(decision.pathways)
    columns: list[str] = data["columns"]["keys"]  # type: ignore[index]
    counted = {
        (row["key"]["nationality"], sex): value  # type: ignore[index]
        for row in data["body"]  # type: ignore[attr-defined]
        for sex, value in zip(columns, row["cells"], strict=True)
        if value
    }
    assert counted == dict(expected)
    assert data["total"] == sum(expected.values())
    public = report_json(cli, "blocked-by-reason", *window)
    assert public["suppression"]["applied"] is True  # type: ignore[index]
    blocked = Counter(
        reason.code
        for decision in decide(world, datetime.fromisoformat(AS_OF)).decisions
        for pathway in decision.pathways
        for reason in pathway.reasons
    )
    shown = {row["key"]["reason"]: row["total"] for row in public["body"]}  # type: ignore[attr-defined,index]
    for reason, total in shown.items():
        assert total is None or total == blocked[reason]
    assert public["total"] == sum(blocked.values())


def test_the_flight_from_panama_to_colombia_shows_in_the_reports_and_the_cost(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "import", str(EXAMPLES / "pan-col-2025.yaml"))
    run(cli, "ledger", "init", "--origin", "accord-pan")
    for org, country in (("PAN-SNM", "PAN"), ("COL-MIGRACION", "COL")):
        run(cli, "ledger", "org", "add", org, "--name", org, "--country", country)
    for custodian, org in (("PAN-SNM", "PAN-SNM"), ("PAN-SNM-ESCORT", "PAN-SNM"), ("COL-MIGRACION", "COL-MIGRACION")):
        run(cli, "ledger", "custodian", "add", custodian, "--org", org)
    run(cli, "flight", "add", str(EXAMPLES / "flights" / "pan-bog-2025.yaml"), "--at", "2025-03-25T10:00:00-05:00")
    run(cli, "manifest", "plan", "PTY-BOG-1", "--at", "2025-03-26T09:00:00-05:00", "--apply")
    run(cli, "manifest", "lock", "PTY-BOG-1", "--at", "2025-03-27T07:00:00-05:00")
    people = load_world_file(EXAMPLES / "pan-col-2025.yaml").world.persons
    for person in people:
        assert person.identity is not None and person.identity.reference
        run(cli, "board", "PTY-BOG-1", "--person", person.id, "--identity", person.identity.reference,
            "--at", "2025-03-27T09:30:00-05:00")  # fmt: skip
    run(cli, "depart", "PTY-BOG-1", "--at", "2025-03-27T10:00:00-05:00")
    run(cli, "arrive", "PTY-BOG-1", "--leg", "1", "--at", "2025-03-27T12:05:00-05:00")
    window = ("--as-of", "2025-03-31T23:59:00-05:00", "--from", "2025-03", "--to", "2025-03")
    removals = report_json(cli, "monthly-removals", *window)
    assert removals["body"] == [
        {"key": {"month": "2025-03", "destination": "COL"}, "cells": [43], "total": 43}
    ]  # fmt: skip
    assert removals["columns"] == {"dimension": "pathway_kind", "keys": ["agreement_repatriation"]}
    by_sex = report_json(cli, EXAMPLES / "reports" / "removals-by-sex.yaml", *window)
    assert by_sex["body"] == [{"key": {"destination": "COL", "funder": "USA"}, "cells": [11, 32], "total": 43}]
    assert Counter(p.sex for p in people) == {"M": 32, "F": 11}
    # Known at an instant before the steps were recorded (they are recorded now): nobody removed yet.
    before = report_json(cli, "monthly-removals", *window, "--known-at", "2025-03-31T23:59:00-05:00")
    assert before["total"] == 0
    cost = json.loads(run(cli, "cost", "US-PAN-2024-COL", "--from", "2025-03", "--to", "2025-03", "--format", "json"))
    assert cost["payer"] == "USA" and cost["flights"] == "17916.67"  # 2 h 5 min x 8,600, rounded once
    assert cost["months"][0]["source"] == "custody record"
    chart = tmp_path / "removals.svg"
    out = run(cli, "report", "monthly-removals", *window, "--format", "svg", "--out", str(chart))
    assert "wrote" in out and chart.stat().st_size > 10_000 and "sent by PAN" in chart.read_text(encoding="utf-8")


def test_user_errors_are_one_line_and_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    out = run(cli, "report", "no-such-report", code=2)
    assert "no-such-report:1: (file):" in out and "monthly-removals" in out
    run(cli, "import", str(EXAMPLES / "pan-col-2025.yaml"))
    out = run(cli, "report", "monthly-removals", "--unsuppressed", code=2)
    assert "is public: it is always suppressed" in out
    out = run(cli, "report", "monthly-removals", "--from", "2025-13", code=2)
    assert re.search(r"--from: '2025-13' is not a month", out)
    out = run(cli, "cost", "NOPE", "--from", "2025-03", "--to", "2025-03", code=2)
    assert "no agreement with id 'NOPE'" in out
    assert "Traceback" not in out

"""No command, clock or file can get a person past a court order (docs/integrity.md), through the real
`accord` app on SQLite and PostgreSQL: each attack of the integrity issue is refused, and what is
accepted is recorded honestly (two clocks, late entries, admission, court orders never replaced)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from accord.cli.main import app
from accord.store.engine import make_engine
from accord.store.tables_movements import movement_events

HERE = Path(__file__).parent
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
REFERENCE = EXAMPLES / "us-slv-2025.yaml"
EVENING = "2025-03-15T19:30:00-04:00"


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
    assert "Traceback" not in result.output
    return " ".join(result.output.split())  # the console wraps long lines


def _flown_and_held(cli: CliRunner) -> None:
    """GXA-1 boards V1 (AEA only: covered by the class order), V3 (an independent Title 8 order) and
    the others planned, departs at 17:25; the class order, recorded at 18:45, holds V1 in the air."""
    run(cli, "import", str(HERE / "evening.yaml"))
    run(cli, "ledger", "init", "--origin", "accord.test/custody")
    run(cli, "ledger", "org", "add", "US-DHS", "--name", "US DHS", "--country", "USA")
    run(cli, "ledger", "org", "add", "SLV-DGCP", "--name", "El Salvador DGCP", "--country", "SLV")
    for custodian, org in (("ICE-HRL", "US-DHS"), ("ICE-AIR", "US-DHS"), ("SLV-CECOT", "SLV-DGCP")):
        run(cli, "ledger", "custodian", "add", custodian, "--org", org)
    run(cli, "flight", "add", str(HERE / "flights.yaml"), "--at", "2025-03-15T12:00:00-04:00")
    run(cli, "manifest", "plan", "GXA-1", "--at", "2025-03-15T13:00:00-04:00", "--apply")
    run(cli, "manifest", "lock", "GXA-1", "--at", "2025-03-15T16:00:00-04:00")
    for person in ("V1", "V3"):
        run(cli, "board", "GXA-1", "--person", person, "--identity", f"A-{person}", "--at", "2025-03-15T17:00:00-04:00")
    run(cli, "depart", "GXA-1", "--at", "2025-03-15T17:25:00-04:00")
    held = run(cli, "court-order", "record", str(HERE / "jgg-tro.yaml"), "--at", "2025-03-15T18:45:00-04:00")
    assert "V1 on GXA-1: held" in held


def _events(database_url: str) -> list[tuple[str, str | None, object, object, str | None]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            e = movement_events
            query = select(e.c.kind, e.c.person_id, e.c.occurred_at, e.c.recorded_at, e.c.late_entry)
            return [tuple(row) for row in conn.execute(query.order_by(e.c.id))]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_backdating_cannot_defeat_a_court_order(cli: CliRunner, database_url: str) -> None:
    """Item 1: an arrival dated before the order, after the order's hold is recorded, is a late entry:
    refused without a reason; with one, recorded as such, and the held passenger is still not handed over."""
    _flown_and_held(cli)
    backdated = ("arrive", "GXA-1", "--leg", "1", "--at", "2025-03-15T18:30:00-04:00")
    assert "late entry" in run(cli, *backdated, code=2)
    arrived = run(cli, *backdated, "--late-entry", "the pilot's log reached us late")
    assert "REFUSED V1: return_required: held" in arrived and "handed over V3" in arrived
    assert "held by ICE-AIR" in run(cli, "ledger", "where", "--person", "V1")
    events = _events(database_url)
    hold = next(e for e in events if e[0] == "hold")
    arrival = next(e for e in events if e[0] == "arrive")
    assert arrival[3] > hold[3] and arrival[2] < hold[2]  # recorded after the hold, though it claims before
    assert arrival[4] == "the pilot's log reached us late"
    recorded = [e[3] for e in events]
    assert recorded == sorted(recorded)
    audit = run(cli, "audit", "late-entries")
    assert "GXA-1 #" in audit and "arrive: happened 2025-03-15T22:30:00Z" in audit
    assert "late because: the pilot's log reached us late" in audit and "3 late entries" in audit
    assert "late entry: refuse_handover on GXA-1" in run(cli, "status", "--person", "V1")


def test_a_raw_append_cannot_bypass_the_decision_gate(cli: CliRunner, tmp_path: Path) -> None:
    """Item 2: V1, refused at arrival (return_required), cannot be appended into CECOT's custody by hand,
    with a made-up legal basis or with the agreement it would serve; nothing is written or billed."""
    _flown_and_held(cli)
    run(cli, "arrive", "GXA-1", "--leg", "1", "--at", "2025-03-16T00:10:00-06:00")
    handover = "person: V1\nfrom: ICE-AIR\nto: SLV-CECOT\nplace: SAL\noccurred_at: '2025-03-16T06:10:00Z'\n"
    (tmp_path / "made-up.yaml").write_text(handover + "legal_basis: made-up\n")
    assert "rests on the decision Accord makes now" in run(cli, "ledger", "append", "made-up.yaml", code=2)
    (tmp_path / "serves.yaml").write_text(handover + "serves: {agreement: US-SLV-2025}\n")
    refused = run(cli, "ledger", "append", "serves.yaml", code=2)
    assert "V1 is return_required on flight GXA-1" in refused
    assert "held by ICE-AIR" in run(cli, "ledger", "where", "--person", "V1")
    billed = run(cli, "bill", "db", "--agreement", "US-SLV-2025", "--from", "2025-03", "--to", "2025-03")
    assert "V1" not in billed and "V3" in billed


def test_the_database_decides_like_the_file(cli: CliRunner) -> None:
    """Item 3: records without recorded_at keep their file's meaning, so `decide db` as of a past instant
    gives exactly the file's decisions (P012: VEN not accepting, the class order in effect)."""
    run(cli, "import", str(REFERENCE))
    from_db = json.loads(run(cli, "decide", "db", "--as-of", EVENING, "--format", "json"))
    from_file = json.loads(run(cli, "decide", str(REFERENCE), "--as-of", EVENING, "--format", "json"))
    assert from_db["decisions"] == from_file["decisions"]
    p012 = next(d for d in from_db["decisions"] if d["person"] == "P012")
    ven = next(p for p in p012["pathways"] if p["kind"] == "repatriation")
    assert ven["status"] == "blocked" and [r["code"] for r in ven["reasons"]] == ["country_not_accepting"]
    assert "106 of 301" in run(cli, "decide", "db", "--as-of", EVENING, "--format", "table")


def test_a_court_order_is_never_replaced(cli: CliRunner, tmp_path: Path) -> None:
    """Item 4: the same id with other terms is refused; the same order again changes nothing; an order
    changes only by an amending order or a lift, and its history stays readable."""
    run(cli, "import", str(HERE / "evening.yaml"))
    order = (HERE / "jgg-tro.yaml").read_text()
    at = ("--at", "2025-03-15T18:50:00-04:00")
    assert "recorded JGG-TRO-CLASS" in run(cli, "court-order", "record", str(HERE / "jgg-tro.yaml"), *at)
    narrowed = tmp_path / "narrowed.yaml"
    narrowed.write_text(order.replace("scope: {", "scope: {persons: [V1], "))
    refused = run(cli, "court-order", "record", str(narrowed), *at, code=2)
    assert "already recorded with different terms" in refused and "court-order amend" in refused
    assert "nothing changed" in run(cli, "court-order", "record", str(HERE / "jgg-tro.yaml"), *at)
    now = datetime.now(UTC).isoformat()  # the order was recorded now: as known at the evening it was not
    decided = json.loads(
        run(cli, "decide", "db", "--as-of", EVENING, "--known-at", now, "--person", "V2", "--format", "json")
    )
    codes = {r["code"] for p in decided["decisions"][0]["pathways"] for r in p["reasons"]}
    assert "court_order" in codes  # V2 is still covered: the class order was not replaced
    amending = tmp_path / "amending.yaml"
    amending.write_text(
        order.replace("id: JGG-TRO-CLASS", "id: JGG-TRO-AMENDED").replace(
            "binding_from: 2025-03-15T18:45:00-04:00", "binding_from: 2025-03-20T10:00:00-04:00"
        )
    )
    assert "amended JGG-TRO-AMENDED" in run(
        cli, "court-order", "amend", "JGG-TRO-CLASS", str(amending), "--at", "2025-03-20T10:05:00-04:00"
    )
    shown = run(cli, "court-order", "show", "JGG-TRO-CLASS")
    assert "until 2025-03-20T10:00:00-04:00" in shown and "amend at" in shown and "amended by JGG-TRO-AMENDED" in shown
    before = run(cli, "court-order", "show", "JGG-TRO-CLASS", "--known-at", "2025-01-01T00:00:00Z")
    assert "not known at that instant" in before
    assert "no court order 'NOPE'" in run(cli, "court-order", "lift", "NOPE", "--reason", "x", *at, code=2)


def test_a_lift_releases_a_hold_and_the_arrival_decides_again(cli: CliRunner) -> None:
    _flown_and_held(cli)
    lifted = run(
        cli,
        "court-order",
        "lift",
        "JGG-TRO-CLASS",
        "--reason",
        "stayed by the D.C. Circuit",
        "--at",
        "2025-03-15T20:00:00-04:00",
    )
    assert "lifted JGG-TRO-CLASS" in lifted and "V1 on GXA-1: released" in lifted
    arrived = run(cli, "arrive", "GXA-1", "--leg", "1", "--at", "2025-03-16T00:10:00-06:00")
    assert "handed over V1" in arrived
    assert "lift at 2025-03-16T00:00:00+00:00" in run(cli, "court-order", "show", "JGG-TRO-CLASS")


def test_instants_must_be_plausible(cli: CliRunner, tmp_path: Path) -> None:
    """Item 5: a handover dated in the year 9000 cannot be appended (so it cannot freeze a custody chain),
    and no step may claim to happen after the recording clock."""
    _flown_and_held(cli)
    future = "person: V3\nfrom: ICE-AIR\nto: ICE-HRL\nplace: X\noccurred_at: '9000-01-01T00:00:00Z'\nlegal_basis: x\n"
    (tmp_path / "future.yaml").write_text(future)
    assert "outside the instants Accord accepts" in run(cli, "ledger", "append", "future.yaml", code=2)
    (tmp_path / "soon.yaml").write_text(future.replace("9000-01-01", "2099-01-01"))
    assert "later than the recording clock" in run(cli, "ledger", "append", "soon.yaml", code=2)
    assert "later than the recording clock" in run(
        cli, "arrive", "GXA-1", "--leg", "1", "--at", "2099-01-01T00:00:00Z", code=2
    )


def test_explain_states_only_facts(cli: CliRunner) -> None:
    """Item 6: P006 has no notice on file; no line claims one ran its period."""
    explained = run(cli, "explain", str(REFERENCE), "--person", "P006", "--as-of", EVENING)
    assert "a notice has run the era's minimum period" not in explained
    assert "ok notice_period: no notice served (notice_missing blocks)" in explained


def test_look_ups_of_unknown_ids_are_clear_errors(cli: CliRunner) -> None:
    run(cli, "import", str(HERE / "evening.yaml"))
    assert "no person 'NOBODY' in the stored world" in run(cli, "status", "--person", "NOBODY", code=2)
    assert "no court order 'NOPE'" in run(cli, "court-order", "show", "NOPE", code=2)

"""The movement commands end to end through the real `accord` app on a SQLite file: flight add, manifest
plan --apply, lock, board (an identity mismatch included), depart, court-order record, arrive, status, return;
and bad input refused with a clear message, exit 2, no traceback, nothing stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from accord.cli.main import app
from accord.services.movements import show_manifest
from accord.store.engine import make_engine
from accord.store.tables_movements import movement_events, movement_flights, movement_incidents

HERE = Path(__file__).parent
SETUP_AT = "--at=2025-03-15T12:00:00-04:00"


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def _count(tmp_path: Path, table: object) -> int:
    engine = make_engine(f"sqlite:///{tmp_path / 'accord.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _planned(tmp_path: Path, flight: str) -> list[str]:
    engine = make_engine(f"sqlite:///{tmp_path / 'accord.db'}")
    try:
        with engine.connect() as conn:
            return sorted(p.person for p in show_manifest(conn, flight).manifest.seated())
    finally:
        engine.dispose()


def _setup(cli: CliRunner) -> None:
    run(cli, "import", str(HERE / "evening.yaml"))
    run(cli, "ledger", "init", "--origin", "accord.test/custody")
    run(cli, "ledger", "org", "add", "US-DHS", "--name", "US DHS", "--country", "USA")
    run(cli, "ledger", "org", "add", "SLV-DGCP", "--name", "El Salvador DGCP", "--country", "SLV")
    for custodian, org in (("ICE-HRL", "US-DHS"), ("ICE-AIR", "US-DHS"), ("SLV-CECOT", "SLV-DGCP")):
        run(cli, "ledger", "custodian", "add", custodian, "--org", org)
    assert "added GXA-1" in run(cli, "flight", "add", str(HERE / "flights.yaml"), SETUP_AT)


def test_the_evening_through_the_commands(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli)
    assert "draft manifests created" in run(
        cli, "manifest", "plan", "GXA-1", "--at", "2025-03-15T13:00:00-04:00", "--apply"
    )
    planned = _planned(tmp_path, "GXA-1")
    assert {"V1", "V2", "V3"} <= set(planned)
    assert "locked GXA-1" in run(cli, "manifest", "lock", "GXA-1", "--at", "2025-03-15T16:00:00-04:00")

    boarding = "--at=2025-03-15T17:00:00-04:00"
    refused = run(cli, "board", "GXA-1", "--person", "V2", "--identity", "A-V9", boarding, code=1)
    assert "NOT boarded V2" in refused and "identity mismatch" in refused
    assert _count(tmp_path, movement_incidents) == 1
    assert _planned(tmp_path, "GXA-1") == [p for p in planned if p != "V2"]  # nobody substituted
    for person in planned:
        if person != "V2":
            assert f"boarded {person}" in run(
                cli, "board", "GXA-1", "--person", person, "--identity", f"A-{person}", boarding
            )
    assert "departed GXA-1" in run(cli, "depart", "GXA-1", "--at", "2025-03-15T17:25:00-04:00")

    recorded = run(cli, "court-order", "record", str(HERE / "jgg-tro.yaml"), "--at", "2025-03-15T18:45:00-04:00")
    assert "recorded JGG-TRO-CLASS" in recorded
    assert "V1 on GXA-1: held" in recorded and "V3 on GXA-1" not in recorded  # V3: independent Title 8 order

    arrived = run(cli, "arrive", "GXA-1", "--leg", "1", "--at", "2025-03-16T00:10:00-06:00")
    assert "REFUSED V1: return_required" in arrived and "court_order" in arrived
    assert "handed over V3" in arrived and "title8:2024-11-20" in arrived
    assert "return leg proposed: SAL -> HRL" in arrived

    status = run(cli, "status", "--person", "V1", "--at", "2025-03-16T01:00:00-06:00")
    assert "GXA-1 (arrived), leg 1, return_required" in status and "custody: ICE-AIR" in status
    assert "next: bring them back with `accord return GXA-1 --person V1 --at TS`" in status

    not_required = run(cli, "return", "GXA-1", "--person", "V3", "--at", "2025-03-16T02:00:00-06:00", code=2)
    assert "cannot return V3, who is handed_over" in not_required
    returned = run(cli, "return", "GXA-1", "--person", "V1", "--at", "2025-03-16T08:00:00-04:00")
    assert "returned V1: ICE-AIR -> ICE-HRL (ledger entry" in returned
    status = run(cli, "status", "--person", "V1", "--at", "2025-03-16T09:00:00-04:00")
    assert "GXA-1 (arrived), leg 1, returned" in status and "custody: ICE-HRL" in status


def test_bad_input_is_refused_cleanly(cli: CliRunner, tmp_path: Path) -> None:
    assert "no world has been imported" in run(cli, "flight", "add", str(HERE / "flights.yaml"), SETUP_AT, code=2)
    _setup(cli)
    events = _count(tmp_path, movement_events)
    future = run(cli, "manifest", "plan", "GXA-1", "--at", "2099-01-01T00:00:00Z", "--apply", code=2)
    assert "is later than the recording clock" in future
    implausible = run(cli, "manifest", "plan", "GXA-1", "--at", "9999-12-31T00:00:00Z", code=2)
    assert "outside the instants Accord accepts" in implausible
    unknown = run(cli, "manifest", "lock", "NOPE", "--at", "2025-03-15T16:00:00-04:00", code=2)
    assert "no flight 'NOPE'" in unknown
    bad_instant = run(cli, "depart", "GXA-1", "--at", "yesterday", code=2)
    assert "--at: 'yesterday' is not an RFC 3339 instant" in bad_instant
    (tmp_path / "bad.yaml").write_text(
        "format: accord.flight/1\nflights:\n  - id: X-1\n    operator: O\n    funder: USA\n    seats: many\n"
    )
    malformed = run(cli, "flight", "add", "bad.yaml", code=2)
    assert "bad.yaml:6: flights[0].seats" in malformed
    assert _count(tmp_path, movement_events) == events
    assert _count(tmp_path, movement_flights) == 3  # only the three added in the setup

"""The whole CLI path: init -> organisations and custodians -> append -> export -> verify -> prove ->
verify-receipt -> where, with the user errors and the verifier's failure exit."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from accord.cli import ledger

# The ledger's commands on their own app, as `accord` registers them, so that this test does not depend on
# the other areas' command modules.
app = typer.Typer()
ledger.register(app)

HANDOVERS = """\
handovers:
  - person: A-100
    from: ice-houston
    to: ice-air
    place: KIAH
    occurred_at: "2025-03-15T12:00:00Z"
    legal_basis: decision-1
  - person: A-100
    from: ice-air
    to: cecot
    place: MSSS
    occurred_at: "2025-03-15T19:30:00-04:00"
    legal_basis: decision-1
"""


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, ["ledger", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def _setup(cli: CliRunner) -> None:
    at = "--at=2025-03-01T00:00:00Z"
    run(cli, "init", "--origin", "accord.test/custody")
    run(cli, "org", "add", "us-dhs", "--name", "US DHS", at)
    run(cli, "org", "add", "slv-dgcp", "--name", "El Salvador DGCP", at)
    for custodian, org in (("ice-houston", "us-dhs"), ("ice-air", "us-dhs"), ("cecot", "slv-dgcp")):
        run(cli, "custodian", "add", custodian, "--org", org, at)


def test_the_whole_path(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli)
    (tmp_path / "handovers.yaml").write_text(HANDOVERS)
    run(cli, "append", "handovers.yaml", "--at=2025-03-16T00:00:00Z")
    run(cli, "witness", "add", "auditor")
    run(cli, "witness", "cosign", "auditor", "--at=2025-03-16T00:00:00Z")
    run(cli, "export", "out")
    assert "ok: 7 entries" in run(cli, "verify", "out", "--workers", "1")
    run(cli, "prove", "--person", "A-100", "--out", "receipt.json")
    assert "held by cecot" in run(cli, "verify-receipt", "receipt.json", "--keys", "out/keys.json")
    assert "A-100" not in (tmp_path / "receipt.json").read_text()
    assert "held by cecot" in run(cli, "where", "--person", "A-100", "--at", "2025-03-16T00:00:00Z")
    assert "held by ice-air" in run(cli, "where", "--person", "A-100", "--at", "2025-03-15T13:00:00Z")


def test_verify_names_the_first_bad_entry(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli)
    run(cli, "export", "out")
    entries = tmp_path / "out" / "entries.jsonl"
    lines = entries.read_text().splitlines(keepends=True)
    entries.write_text("".join([lines[0], lines[2], lines[1], *lines[3:]]))
    output = run(cli, "verify", "out", "--workers", "1", code=1)
    assert "entries.jsonl line 2" in output and "reordered" in output


def test_user_errors_are_one_line(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli)
    (tmp_path / "bad.yaml").write_text("person: A-1\nfrom: ice-air\nto: cecot\nplace: X\noccurred_at: yesterday\n")
    output = run(cli, "append", "bad.yaml", code=2)
    assert "bad.yaml:5: occurred_at: must be an RFC 3339 instant" in output
    assert "bad.yaml:1: legal_basis: missing" in output
    (tmp_path / "break.yaml").write_text(
        "person: A-1\nfrom: ice-air\nto: cecot\nplace: X\noccurred_at: '2025-03-15T12:00:00Z'\nlegal_basis: d\n"
    )
    run(cli, "append", "break.yaml", code=0)
    output = run(cli, "append", "break.yaml", code=2)
    assert "break.yaml:1" in output and "custody break" in output
    assert "no handover of this person" in run(cli, "where", "--person", "nobody", code=2)
    output = run(cli, "custodian", "add", "cecot", "--org", "us-dhs", code=2)
    assert "belongs to organisation 'slv-dgcp'" in output

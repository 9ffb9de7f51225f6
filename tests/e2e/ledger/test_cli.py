"""The whole CLI path: init -> organisations and custodians -> append -> export -> verify -> prove ->
verify-receipt -> where, with the user errors, the admission gate and the verifier's failure exit."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from accord.cli import ledger, store
from accord.ledger.checkpoint import VerifierKey
from accord.witness.keyfile import create_key_file
from tests.witnesses import running_witness

# The ledger's commands on their own app, as `accord` registers them (with `import`, for the world the
# admission gate decides on), so that this test does not depend on the other areas' command modules.
app = typer.Typer()
ledger.register(app)
store.register(app)

# A-100 is Salvadoran with a final order: repatriation to El Salvador is allowed. A-200 holds withholding
# of removal to El Salvador: every pathway there is blocked by `protected_country`.
WORLD = """\
format: accord.world/1
world:
  sending_state: USA
  persons:
    - id: A-100
      status: undocumented
      nationalities: [SLV]
      birth_date: 1990-01-01
      identity: {verified: true, reference: A-100}
      orders: [{basis: title8, issued: 2024-01-10, final: 2024-02-09, designated: [SLV]}]
    - id: A-200
      status: undocumented
      nationalities: [SLV]
      birth_date: 1990-01-01
      identity: {verified: true, reference: A-200}
      orders: [{basis: title8, issued: 2024-01-10, final: 2024-02-09, designated: [SLV]}]
      protections: [{kind: withholding_241b3, country: SLV, granted: 2019-10-10}]
"""

HANDOVERS = """\
handovers:
  - person: A-100
    from: ice-houston
    to: ice-air
    place: KIAH
    occurred_at: "2025-03-15T12:00:00Z"
    legal_basis: boarding
  - person: A-100
    from: ice-air
    to: cecot
    place: MSSS
    occurred_at: "2025-03-15T19:30:00-04:00"
    serves: {repatriation: SLV}
"""


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args) if args[0] == "import" else ["ledger", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


# The ledger of these tests: two states' agencies and their three custodians (`accord ledger ...` args).
LEDGER_SETUP = [
    ["init", "--origin", "accord.test/custody"],
    ["org", "add", "us-dhs", "--name", "US DHS", "--country", "USA"],
    ["org", "add", "slv-dgcp", "--name", "El Salvador DGCP", "--country", "SLV"],
    *(
        ["custodian", "add", custodian, "--org", org]
        for custodian, org in (("ice-houston", "us-dhs"), ("ice-air", "us-dhs"), ("cecot", "slv-dgcp"))
    ),
]


def _setup(cli: CliRunner, tmp_path: Path) -> VerifierKey:
    """The world, a ledger, its organisations and custodians; returns the log's verifier key."""
    (tmp_path / "world.yaml").write_text(WORLD)
    run(cli, "import", "world.yaml")
    outputs = [run(cli, *args) for args in LEDGER_SETUP]
    return VerifierKey.parse(outputs[0].split("log key ")[1])


def test_verify_counts_only_the_witnesses_it_is_given(cli: CliRunner, tmp_path: Path) -> None:
    """A witness the operator never submitted to, or a key that is not a witness's: exit 1 naming what
    is missing, or 2 for an impossible demand."""
    _setup(cli, tmp_path)
    run(cli, "export", "out")
    court = create_key_file(tmp_path / "court.key", "court").verifier.text()
    output = run(cli, "verify", "out", "--workers", "1", "--witness", court, code=1)
    assert "cosigned by 0 of the given witnesses, 1 required; no valid cosignature by court+" in output
    run(cli, "verify", "out", "--workers", "1", "--witness", court, "--min-witnesses", "0")
    output = run(cli, "verify", "out", "--witness", court, "--min-witnesses", "2", code=2)
    assert "--min-witnesses: 2 cosignatures cannot be required of 1 witness keys" in output
    log_key = (tmp_path / "out" / "keys.json").read_text().split('"log_key":"')[1].split('"')[0]
    assert "a witness's cosignature/v1 key is needed" in run(cli, "verify", "out", "--witness", log_key, code=2)
    output = run(cli, "witness", "add", "court", "--url", "http://127.0.0.1:1", "--key", log_key, code=2)
    assert "--key: verifier key accord.test/custody: a witness's cosignature/v1 key is needed" in output
    run(cli, "witness", "add", "court", "--url", "http://127.0.0.1:1", "--key", court)
    assert "court: did not cosign: cannot reach" in run(cli, "witness", "submit", code=1)


def test_the_whole_path(cli: CliRunner, tmp_path: Path) -> None:
    log_key = _setup(cli, tmp_path)
    (tmp_path / "handovers.yaml").write_text(HANDOVERS)
    run(cli, "append", "handovers.yaml")
    with running_witness(tmp_path / "witness", [log_key]) as witness:
        run(cli, "witness", "add", "auditor", "--url", witness.url, "--key", witness.key.text())
        assert "auditor: cosigned the checkpoint of size 7" in run(cli, "witness", "submit")
    run(cli, "export", "out")
    witnessed = ("--witness", witness.key.text(), "--min-witnesses", "1")
    assert "ok: 7 entries" in run(cli, "verify", "out", "--workers", "1", *witnessed)
    run(cli, "prove", "--person", "A-100", "--out", "receipt.json")
    assert "held by cecot" in run(cli, "verify-receipt", "receipt.json", "--keys", "out/keys.json", *witnessed)
    assert "A-100" not in (tmp_path / "receipt.json").read_text()
    assert "held by cecot" in run(cli, "where", "--person", "A-100", "--at", "2025-03-16T00:00:00Z")
    assert "held by ice-air" in run(cli, "where", "--person", "A-100", "--at", "2025-03-15T13:00:00Z")


def test_verify_names_the_first_bad_entry(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli, tmp_path)
    run(cli, "export", "out")
    entries = tmp_path / "out" / "entries.jsonl"
    lines = entries.read_text().splitlines(keepends=True)
    entries.write_text("".join([lines[0], lines[2], lines[1], *lines[3:]]))
    output = run(cli, "verify", "out", "--workers", "1", code=1)
    assert "entries.jsonl line 2" in output and "reordered" in output


def test_user_errors_are_one_line(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli, tmp_path)
    (tmp_path / "bad.yaml").write_text(
        "person: A-1\nfrom: ice-air\nto: cecot\nplace: X\noccurred_at: yesterday\nrecorded_at: '2025-01-01'\n"
    )
    output = run(cli, "append", "bad.yaml", code=2)
    assert "bad.yaml:5: occurred_at: must be an RFC 3339 instant" in output
    assert "bad.yaml:6: recorded_at: recorded_at is Accord's own clock" in output
    (tmp_path / "break.yaml").write_text(
        "person: A-1\nfrom: ice-air\nto: ice-houston\nplace: X\noccurred_at: '2025-03-15T12:00:00Z'\nlegal_basis: d\n"
    )
    run(cli, "append", "break.yaml", code=0)
    output = run(cli, "append", "break.yaml", code=2)
    assert "break.yaml:1" in output and "custody break" in output
    assert "no handover of this person" in run(cli, "where", "--person", "nobody", code=2)
    output = run(cli, "custodian", "add", "cecot", "--org", "us-dhs", code=2)
    assert "belongs to organisation 'slv-dgcp'" in output


def test_a_foreign_handover_is_admitted_only_on_an_allowed_decision(cli: CliRunner, tmp_path: Path) -> None:
    """`ledger append` cannot bypass the decision gate: a handover into El Salvador's custody of a person
    protected from removal there is refused with the reasons, and nothing is written."""
    _setup(cli, tmp_path)
    protected = HANDOVERS.replace("A-100", "A-200")
    (tmp_path / "protected.yaml").write_text(protected)
    output = run(cli, "append", "protected.yaml", code=2)
    assert "protected.yaml:" in output and "protected_country" in output
    assert "no handover of this person" in run(cli, "where", "--person", "A-200", code=2)
    made_up = HANDOVERS.replace("serves: {repatriation: SLV}", "legal_basis: made-up")
    (tmp_path / "made-up.yaml").write_text(made_up)
    output = run(cli, "append", "made-up.yaml", code=2)
    assert "rests on the decision Accord makes now" in output
    future = HANDOVERS.replace('"2025-03-15T19:30:00-04:00"', "'9000-01-01T00:00:00Z'")
    (tmp_path / "future.yaml").write_text(future)
    output = run(cli, "append", "future.yaml", code=2)
    assert "outside the instants Accord accepts" in output
    (tmp_path / "handovers.yaml").write_text(HANDOVERS)
    run(cli, "append", "handovers.yaml")
    assert "legal basis decision:" in run(cli, "where", "--person", "A-100")

"""What the ledger commands claim, as a user reads it: `verify-receipt` says whether a receipt proves the
person's latest handover or inclusion only, and a revocation that reaches back names what it discredits."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from tests.e2e.ledger.test_cli import HANDOVERS, _setup, run


def _append(cli: CliRunner, tmp_path: Path) -> None:
    _setup(cli, tmp_path)
    (tmp_path / "handovers.yaml").write_text(HANDOVERS)
    run(cli, "append", "handovers.yaml")


def test_verify_receipt_prints_whether_it_proves_currency_or_inclusion_only(cli: CliRunner, tmp_path: Path) -> None:
    _append(cli, tmp_path)
    run(cli, "export", "out")
    run(cli, "prove", "--person", "A-100", "--out", "receipt.json")
    full = run(cli, "verify-receipt", "receipt.json", "--keys", "out/keys.json")
    assert "held by cecot in the log of 7 entries" in full and "Proves currency at that checkpoint" in full
    receipt = json.loads((tmp_path / "receipt.json").read_text())
    receipt["handovers"] = receipt["handovers"][:-1]  # the last handover cut off: a stale holder
    (tmp_path / "cut.json").write_text(json.dumps(receipt))
    cut = run(cli, "verify-receipt", "cut.json", "--keys", "out/keys.json")
    assert "Proves inclusion only" in cut and "held by" not in cut
    assert "the last one shown is to ice-air" in cut


def test_a_revocation_reaching_back_is_listed_and_verify_fails(cli: CliRunner, tmp_path: Path) -> None:
    _append(cli, tmp_path)
    where = run(cli, "where", "--person", "A-100")
    cecot_key = re.search(r"signed by keys \w+ and (\w+)", where)
    assert cecot_key is not None
    output = run(
        cli, "custodian", "revoke", cecot_key.group(1), "--reason", "stolen", "--revoked-at", "2025-03-15T20:00:00Z"
    )
    assert "1 handover(s) signed with key" in output and "(entries 6)" in output
    run(cli, "export", "out")
    failed = run(cli, "verify", "out", "--workers", "1", code=1)
    assert "entry 6: signed with key" in failed and "not trusted" in failed

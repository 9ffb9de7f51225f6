"""The files commands write (issue 12): never over the configured database or keyring, never over an
existing file without --force, never through a planted symlink; the keyring is mode 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.main import app
from tests.conftest import SCENARIOS
from tests.e2e.ledger.test_cli import HANDOVERS, LEDGER_SETUP
from tests.e2e.ledger.test_cli import WORLD as LEDGER_WORLD
from tests.e2e.store.test_cli import rows_stored

S08 = SCENARIOS / "s08-withholding-el-salvador.yaml"
BAD_ROW = "id,status\nP-OK,undocumented\nP-BAD,astronaut\n"


def run(cli: CliRunner, *args: str | Path, code: int = 0) -> str:
    result = cli.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def _ledger(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "ledger-world.yaml").write_text(LEDGER_WORLD)
    run(cli, "import", "ledger-world.yaml")  # the people of the handovers file
    for args in LEDGER_SETUP:
        run(cli, "ledger", *args)
    (tmp_path / "handovers.yaml").write_text(HANDOVERS)
    run(cli, "ledger", "append", "handovers.yaml")


def test_outputs_never_overwrite_the_database_or_the_keyring(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "import", S08)
    _ledger(cli, tmp_path)
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    stored = rows_stored(url)
    (tmp_path / "people.csv").write_text(BAD_ROW)
    for target in ("accord.db", "./accord.db-wal", "keyring.json"):
        output = run(cli, "import-persons", "people.csv", "--quarantine", target, "--force", code=2)
        assert "is Accord's own file" in output
        output = run(cli, "ledger", "prove", "--person", "A-100", "--out", target, "--force", code=2)
        assert "is Accord's own file" in output
    assert rows_stored(url) == stored  # the database still opens and holds what it held


def test_an_existing_output_needs_force(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "import", S08)
    _ledger(cli, tmp_path)
    run(cli, "export", "world.yaml")
    assert "world.yaml exists; use --force" in run(cli, "export", "world.yaml", code=2)
    run(cli, "export", "world.yaml", "--force")
    run(cli, "ledger", "export", "out")
    assert "exists; use --force" in run(cli, "ledger", "export", "out", code=2)
    run(cli, "ledger", "export", "out", "--force")
    run(cli, "ledger", "prove", "--person", "A-100", "--out", "receipt.json")
    run(cli, "ledger", "prove", "--person", "A-100", "--out", "receipt.json", code=2)


def test_an_existing_quarantine_file_stores_nothing_without_force(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "import", S08)
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    stored = rows_stored(url)
    (tmp_path / "people.csv").write_text(BAD_ROW)
    (tmp_path / "people.quarantine.csv").write_text("an earlier run's rows\n")
    assert "people.quarantine.csv exists; use --force" in run(cli, "import-persons", "people.csv", code=2)
    assert rows_stored(url) == stored
    run(cli, "import-persons", "people.csv", "--force", code=1)
    assert "P-BAD" in (tmp_path / "people.quarantine.csv").read_text() and rows_stored(url) > stored


def test_planted_symlinks_are_not_followed(cli: CliRunner, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (tmp_path / "keyring.json.tmp").symlink_to(victim)
    _ledger(cli, tmp_path)
    assert stat.S_IMODE(os.stat(tmp_path / "keyring.json").st_mode) == 0o600
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "entries.jsonl").symlink_to(victim)
    assert "entries.jsonl exists; use --force" in run(cli, "ledger", "export", "out", code=2)
    run(cli, "ledger", "export", "out", "--force")
    assert victim.read_text() == "untouched"
    assert not (tmp_path / "out" / "entries.jsonl").is_symlink()
    assert "ok: 7 entries" in run(cli, "ledger", "verify", "out", "--workers", "1")

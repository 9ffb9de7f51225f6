"""The command line as a user runs it: on a SQLite file of its own in a scratch working directory, with a
keyring of its own. A test module that needs both databases overrides `cli` with one on `database_url`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", f"sqlite:///{tmp_path / 'accord.db'}")
    monkeypatch.setenv("ACCORD_LEDGER_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.delenv("ACCORD_LEDGER_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()

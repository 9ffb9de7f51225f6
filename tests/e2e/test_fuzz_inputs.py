"""Fuzzing every input surface through the `accord` command, on SQLite and PostgreSQL (issue 12): world
YAML, persons CSV, court-order, flight and handover files, receipts, ledger exports and reconcile rosters,
each made from a valid file and mutated (tests/e2e/fuzz_mutations.py). Whatever the input: the exit code is
one the command documents, never a Python traceback, and a refusal stores nothing.

Bounded for `make test` (ACCORD_FUZZ_EXAMPLES examples per database, default 40); set it higher for a
longer hunt."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from accord.cli.main import app
from tests.e2e.fuzz_mutations import dump_csv, dump_json, dump_yaml, hostile_file, mutated_bytes
from tests.e2e.ledger.test_cli import HANDOVERS, LEDGER_SETUP
from tests.e2e.ledger.test_cli import WORLD as LEDGER_WORLD
from tests.e2e.store.test_cli import rows_stored

MOVEMENTS = Path(__file__).resolve().parent / "movements"
EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "40"))
AT = "--at=2025-03-15T18:45:00-04:00"
EXPORT_FILES = ("checkpoint", "entries.jsonl", "keys.json")
PERSONS = [
    ["id", "status", "birth_date", "sex", "nationalities", "orders", "recorded_at"],
    ["F1", "undocumented", "1990-01-01", "M", "VEN", "aea|2025-03-15|2025-03-15|VEN", "2025-03-12T09:00:00-04:00"],
]
ROSTER = [["person", "intake", "release"], ["V1", "2025-03-16", ""], ["V2", "2025-03-16", "2025-03-20"]]


@dataclass(frozen=True)
class Surface:
    """One input the command line reads: how to make a hostile file of it, and how to run it."""

    name: str
    files: st.SearchStrategy[bytes]
    args: Callable[[Path], list[str]]
    codes: frozenset[int]  # the exit codes the command documents; 2 always means nothing was stored

    def __repr__(self) -> str:
        return self.name


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _surfaces(setup: Path) -> list[Surface]:
    world = _load_yaml(MOVEMENTS / "evening.yaml")
    flights = _load_yaml(MOVEMENTS / "flights.yaml")
    flights["flights"] = flights["flights"][:1]
    receipt = json.loads((setup / "receipt.json").read_text())
    return [
        Surface("world", hostile_file(world, dump_yaml), lambda f: ["import", str(f)], frozenset({0, 2})),
        Surface(
            "persons csv",
            hostile_file(PERSONS, dump_csv),
            lambda f: ["import-persons", str(f), "--quarantine", str(f.with_suffix(".q.csv"))],
            frozenset({0, 1, 2}),
        ),
        Surface(
            "court order",
            hostile_file(_load_yaml(MOVEMENTS / "jgg-tro.yaml"), dump_yaml),
            lambda f: ["court-order", "record", str(f), AT],
            frozenset({0, 2}),
        ),
        Surface("flight", hostile_file(flights, dump_yaml), lambda f: ["flight", "add", str(f), AT], frozenset({0, 2})),
        Surface(
            "handovers",
            hostile_file(yaml.safe_load(HANDOVERS), dump_yaml),
            lambda f: ["ledger", "append", str(f), "--at=2025-03-16T00:00:00Z"],
            frozenset({0, 2}),
        ),
        Surface(
            "receipt",
            hostile_file(receipt, dump_json),
            lambda f: ["ledger", "verify-receipt", str(f), "--keys", str(setup / "export" / "keys.json")],
            frozenset({0, 1, 2}),
        ),
        Surface(
            "ledger export",
            st.tuples(st.sampled_from(EXPORT_FILES), st.data()).map(lambda pair: _mutated_export(setup, *pair)),
            lambda f: ["ledger", "verify", str(f), "--workers", "1"],
            frozenset({0, 1, 2}),
        ),
        Surface(
            "reconcile roster",
            hostile_file(ROSTER, dump_csv),
            lambda f: ["reconcile", "--agreement", "US-SLV-2025", "--month", "2025-03", "--roster", str(f)],
            frozenset({0, 2}),
        ),
    ]


def _mutated_export(setup: Path, name: str, data: st.DataObject) -> bytes:
    """The name of the mutated file and its bytes, packed as `name\\0bytes` for `_write`."""
    original = (setup / "export" / name).read_bytes()
    return name.encode() + b"\0" + data.draw(mutated_bytes(original))


def _write(surface: Surface, content: bytes, scratch: Path, number: int) -> Path:
    if surface.name == "ledger export":
        directory = scratch / f"export-{number}"
        shutil.copytree(scratch / "setup" / "export", directory)
        name, _, data = content.partition(b"\0")
        (directory / name.decode()).write_bytes(data)
        return directory
    path = scratch / f"input-{number}.{'csv' if 'csv' in surface.name or 'roster' in surface.name else 'yaml'}"
    path.write_bytes(content)
    return path


def _set_up(cli: CliRunner, setup: Path) -> None:
    """A world, a ledger with one person's custody chain, its export and a receipt: the valid originals."""
    (setup / "ledger-world.yaml").write_text(LEDGER_WORLD)
    for args in (
        ["import", str(MOVEMENTS / "evening.yaml")],
        ["import", str(setup / "ledger-world.yaml")],  # the people of the handovers file
        *(["ledger", *command] for command in LEDGER_SETUP),
        ["ledger", "append", str(setup / "handovers.yaml")],
        ["ledger", "export", str(setup / "export")],
        ["ledger", "prove", "--person", "A-100", "--out", str(setup / "receipt.json")],
    ):
        result = cli.invoke(app, args)
        assert result.exit_code == 0, result.output


@pytest.fixture
def fuzz_cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    monkeypatch.setenv("ACCORD_LEDGER_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "setup").mkdir()
    (tmp_path / "setup" / "handovers.yaml").write_text(HANDOVERS)
    cli = CliRunner()
    _set_up(cli, tmp_path / "setup")
    return cli


@pytest.mark.slow
def test_no_input_ends_in_a_traceback_or_stores_anything_when_refused(
    fuzz_cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    surfaces = _surfaces(tmp_path / "setup")
    count = iter(range(10**9))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def attack(data: st.DataObject) -> None:
        surface = data.draw(st.sampled_from(surfaces), label="surface")
        target = _write(surface, data.draw(surface.files, label="file"), tmp_path, next(count))
        before = rows_stored(database_url)
        result = fuzz_cli.invoke(app, surface.args(target))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{surface.name}: {type(result.exception).__name__}: {result.exception}"
        )
        assert "Traceback" not in result.output, result.output
        assert result.exit_code in surface.codes, f"{surface.name}: exit {result.exit_code}: {result.output}"
        if result.exit_code == 2:
            assert rows_stored(database_url) == before, f"{surface.name}: refused but stored: {result.output}"

    attack()

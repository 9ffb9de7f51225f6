"""An identity verified later (`identity.recorded_at`) does not count before it was known: decided from
the world file, from the database it was imported into, and from a bulk directory written from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.rules.bulk import write_bulk
from accord.world import load_world_file

WORLD = Path(__file__).resolve().parents[2] / "scenarios" / "x10-identity-verified-late.yaml"
AS_OF = "2025-04-15T12:00:00-04:00"
BEFORE = "2025-04-09T12:00:00-04:00"
runner = CliRunner()


def reasons(source: str, known_at: str | None, env: dict[str, str] | None = None) -> list[str]:
    args = ["decide", source, "--as-of", AS_OF, "--format", "json"]
    result = runner.invoke(app, [*args, "--known-at", known_at] if known_at else args, env=env)
    assert result.exit_code == 0, result.output
    [decision] = json.loads(result.stdout)["decisions"]
    [pathway] = decision["pathways"]
    return [r["code"] for r in pathway["reasons"]]


def test_from_the_world_file() -> None:
    assert reasons(str(WORLD), BEFORE) == ["identity_unverified"]
    assert reasons(str(WORLD), None) == []


def test_from_a_bulk_directory(tmp_path: Path) -> None:
    write_bulk(tmp_path / "bulk", load_world_file(WORLD).world)
    assert reasons(str(tmp_path / "bulk"), BEFORE) == ["identity_unverified"]
    assert reasons(str(tmp_path / "bulk"), None) == []


@pytest.fixture
def imported(database_url: str) -> str:
    from accord.store.migrate import upgrade
    from accord.store.unit_of_work import UnitOfWork
    from accord.store.writer import import_document

    with UnitOfWork(database_url) as uow:
        upgrade(uow.engine)
        import_document(uow.connection, load_world_file(WORLD), now=datetime(2025, 4, 1, tzinfo=UTC), source="x10")
        uow.commit()
    return database_url


def test_from_the_database_and_back_out(imported: str, tmp_path: Path) -> None:
    env = {"ACCORD_DATABASE_URL": imported}
    assert reasons("db", BEFORE, env) == ["identity_unverified"]
    assert reasons("db", None, env) == []
    exported = tmp_path / "exported.yaml"
    assert runner.invoke(app, ["export", str(exported)], env=env).exit_code == 0
    identity = load_world_file(exported).world.persons[0].identity
    assert identity is not None and identity.recorded_at == datetime(2025, 4, 10, 13, tzinfo=UTC)

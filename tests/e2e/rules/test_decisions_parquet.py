"""`accord decide ... --format parquet` writes one schema (docs/decisions-parquet.md) whatever WORLD is: a
world file, the bulk directory written from it, or the database it was imported into give the same
schema, the same codebook and the same rows for the same caseload."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.rules.bulk import load_bulk_world, write_bulk
from accord.rules.codes import REASON_CODES
from accord.world import dump_world, load_world_file
from tests.conftest import SCENARIOS

runner = CliRunner()
AS_OF = "2025-07-20T12:00:00+00:00"
KNOWN_AT = "2025-06-20T12:00:00+00:00"


def decide(source: Path | str, output: Path, *extra: str, env: dict[str, str] | None = None) -> pa.Table:
    args = ["decide", str(source), "--as-of", AS_OF, "--format", "parquet", "--output", str(output), *extra]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return pq.read_table(output)


def rows(table: pa.Table) -> list[str]:
    """The rows as comparable text: a file's row order within a person's pathways is not part of it."""
    return sorted(json.dumps(row, sort_keys=True) for row in table.to_pylist())


def assert_same_file(a: pa.Table, b: pa.Table) -> None:
    assert a.schema.equals(b.schema, check_metadata=True)
    assert rows(a) == rows(b)


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic caseload of 400 people as a bulk directory and as one world file."""
    base = tmp_path_factory.mktemp("caseload")
    result = runner.invoke(app, ["synth", "--people", "400", "--seed", "11", "--out", str(base / "bulk")])
    assert result.exit_code == 0, result.output
    world_file = base / "world.yaml"
    world_file.write_text(dump_world(load_bulk_world(base / "bulk")), encoding="utf-8")
    return base / "bulk", world_file


def test_a_world_file_and_its_bulk_directory_give_the_same_file(caseload: tuple[Path, Path], tmp_path: Path) -> None:
    bulk, world_file = caseload
    from_bulk = decide(bulk, tmp_path / "bulk.parquet", "--known-at", KNOWN_AT)
    from_file = decide(world_file, tmp_path / "file.parquet", "--known-at", KNOWN_AT)
    assert_same_file(from_bulk, from_file)
    statuses = set(from_bulk.column("status").to_pylist())
    assert statuses == {"allowed", "blocked"} and from_bulk.num_rows > 1000


def test_the_same_for_persons_asked_for(caseload: tuple[Path, Path], tmp_path: Path) -> None:
    bulk, world_file = caseload
    ids = pq.read_table(bulk / "persons.parquet", columns=["id"]).column("id").to_pylist()
    asked = ["--person", ids[17], "--person", ids[3]]
    from_bulk = decide(bulk, tmp_path / "bulk.parquet", *asked)
    from_file = decide(world_file, tmp_path / "file.parquet", *asked)
    assert_same_file(from_bulk, from_file)
    assert set(from_bulk.column("person").to_pylist()) == {ids[17], ids[3]}
    assert json.loads(from_bulk.schema.metadata[b"accord.decisions"])["persons"] == [ids[17], ids[3]]


def test_the_schema_is_the_documented_one(caseload: tuple[Path, Path], tmp_path: Path) -> None:
    table = decide(caseload[0], tmp_path / "d.parquet")
    assert table.schema.names == [
        "person",
        "kind",
        "destination",
        "agreement",
        "status",
        "reasons",
        "warnings",
        "court_orders",
        "era",
        "rule_pack",
    ]
    for field in table.schema:
        kind = field.type.value_type if pa.types.is_list(field.type) else field.type
        assert pa.types.is_dictionary(kind), f"{field.name} is not dictionary-encoded"
    codes = set(REASON_CODES)
    for row in table.to_pylist():
        assert row["era"] == "us-memo-2025-07" and row["rule_pack"] == "us"
        assert (row["status"] == "allowed") == (row["reasons"] == "")
        assert set(row["reasons"].split()) <= codes
        assert ("court_order" in row["reasons"].split()) == bool(row["court_orders"])


@pytest.fixture
def imported(database_url: str) -> str:
    from accord.store.migrate import upgrade
    from accord.store.unit_of_work import UnitOfWork
    from accord.store.writer import import_document

    with UnitOfWork(database_url) as uow:
        upgrade(uow.engine)
        document = load_world_file(SCENARIOS / "s13-tro-open-manifest-carve-out.yaml")
        import_document(uow.connection, document, now=datetime(2025, 1, 1, tzinfo=UTC), source="s13")
        uow.commit()
    return database_url


def test_the_database_gives_the_same_file_as_the_world_file(imported: str, tmp_path: Path) -> None:
    world_file = SCENARIOS / "s13-tro-open-manifest-carve-out.yaml"
    write_bulk(tmp_path / "bulk", load_world_file(world_file).world)
    from_db = decide("db", tmp_path / "db.parquet", env={"ACCORD_DATABASE_URL": imported})
    from_file = decide(world_file, tmp_path / "file.parquet")
    from_bulk = decide(tmp_path / "bulk", tmp_path / "bulk.parquet")
    assert_same_file(from_db, from_file)
    assert_same_file(from_bulk, from_file)

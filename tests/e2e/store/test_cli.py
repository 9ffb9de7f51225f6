"""`accord import`, `export`, `import-persons` and `db upgrade` through the CLI, on both backends."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from typer.testing import CliRunner

from accord.cli.main import app
from accord.store.engine import make_engine
from accord.world import load_world_file

HERE = Path(__file__).parent
SCENARIO = HERE.parent.parent / "scenarios" / "s08-withholding-el-salvador.yaml"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    return CliRunner()


def rows_stored(database_url: str) -> int:
    """Every row in every table of the database (0 when it has no tables at all), but the schema's own
    bookkeeping: its version and the recording clock's one row."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            names = [
                n for n in inspect(connection).get_table_names() if n not in ("alembic_version", "recording_clock")
            ]
            return sum(connection.execute(select(func.count()).select_from(text(n))).scalar_one() for n in names)
    finally:
        engine.dispose()


def test_a_file_with_ten_mistakes_gives_ten_errors_and_stores_nothing(cli: CliRunner, database_url: str) -> None:
    file = HERE / "ten_mistakes.yaml"
    result = cli.invoke(app, ["import", str(file)])
    errors = [line for line in result.stderr.splitlines() if re.match(rf"{re.escape(str(file))}:\d+: \S+: ", line)]
    assert result.exit_code == 2
    assert len(errors) == 10, result.stderr
    assert len({line.split(":")[1] for line in errors}) == 10  # ten different lines
    assert "Traceback" not in result.output
    assert rows_stored(database_url) == 0


def test_import_twice_then_export_round_trips(cli: CliRunner, database_url: str, tmp_path: Path) -> None:
    first = cli.invoke(app, ["import", str(SCENARIO)])
    assert first.exit_code == 0, first.output
    assert "persons" in first.stdout and "added" in first.stdout
    stored = rows_stored(database_url)
    second = cli.invoke(app, ["import", str(SCENARIO)])
    assert second.exit_code == 0 and "nothing changed" in " ".join(second.stdout.split())
    assert rows_stored(database_url) == stored

    out = tmp_path / "exported.yaml"
    exported = cli.invoke(app, ["export", str(out)])
    assert exported.exit_code == 0, exported.output
    original = load_world_file(SCENARIO)
    assert load_world_file(out).world == original.world
    assert load_world_file(out).title == original.title


def test_export_of_an_empty_database_is_a_clean_error(cli: CliRunner) -> None:
    result = cli.invoke(app, ["export", "-"])
    assert result.exit_code == 2
    assert "no world has been imported" in result.stderr


def test_import_persons_stores_valid_rows_and_quarantines_the_rest(cli: CliRunner, tmp_path: Path) -> None:
    assert cli.invoke(app, ["import", str(SCENARIO)]).exit_code == 0
    people = tmp_path / "people.csv"
    people.write_text(
        "id,status,nationalities,orders,convictions\n"
        "Q1,undocumented,SLV;HND,title8|2019-10-10||GTM,2021-05-14|theft|false\n"
        "Q2,lpr,VEN,,\n"
        "Q3,alien,VEN,,\n"
        "Q4,undocumented,SLV,title8|2019-10-10||USA,\n"
        "Q1,lpr,SLV,,\n",
        encoding="utf-8",
    )
    quarantine = tmp_path / "rejected.csv"
    result = cli.invoke(app, ["import-persons", str(people), "--quarantine", str(quarantine)])
    assert result.exit_code == 1, result.output  # stored, but some rows need attention
    assert "2 rows stored, 3 rows quarantined" in " ".join(result.stdout.split())
    listed = result.stderr.splitlines()
    assert listed[0].startswith(f"{people}:4: status: ")
    assert listed[1].startswith(f"{people}:5: orders[0].designated: ")
    assert listed[2] == f"{people}:6: id: duplicate id 'Q1' (first on line 2)"
    with quarantine.open(newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["quarantine_line"], r["id"]) for r in rejected] == [("4", "Q3"), ("5", "Q4"), ("6", "Q1")]
    assert rejected[0]["quarantine_reason"].startswith("status: ")
    assert rejected[1]["quarantine_reason"].startswith("orders[0].designated: ")
    assert rejected[2]["quarantine_reason"] == "id: duplicate id 'Q1' (first on line 2)"


def test_import_persons_all_or_nothing_stores_nothing_and_lists_every_invalid_row(
    cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    assert cli.invoke(app, ["import", str(SCENARIO)]).exit_code == 0
    before = rows_stored(database_url)
    people = tmp_path / "people.csv"
    valid = "".join(f"V{i},lpr,VEN,,\n" for i in range(7))  # valid rows after an invalid one
    people.write_text(
        f"id,status,nationalities,orders,convictions\nQ2,lpr,VEN,,\nQ3,alien,VEN,,\n{valid}Q4,nobody,SLV,,\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["import-persons", str(people), "--all-or-nothing"])
    assert result.exit_code == 2, result.output
    errors = result.stderr.splitlines()
    assert [e.split(": ")[0] for e in errors[:2]] == [f"{people}:3", f"{people}:11"]
    assert errors[2] == "2 errors"
    assert rows_stored(database_url) == before
    assert not (tmp_path / "people.quarantine.csv").exists()


def test_import_persons_all_or_nothing_stores_a_valid_file(cli: CliRunner, tmp_path: Path) -> None:
    assert cli.invoke(app, ["import", str(SCENARIO)]).exit_code == 0
    people = tmp_path / "people.csv"
    people.write_text("id,status,nationalities\nQ2,lpr,VEN\nQ5,undocumented,SLV\n", encoding="utf-8")
    result = cli.invoke(app, ["import-persons", str(people), "--all-or-nothing"])
    assert result.exit_code == 0, result.output
    assert "2 rows stored, 0 rows quarantined" in " ".join(result.stdout.split())


def test_import_persons_with_a_bad_header_stores_nothing(cli: CliRunner, database_url: str, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,stauts\nQ1,lpr\n", encoding="utf-8")
    result = cli.invoke(app, ["import-persons", str(people)])
    assert result.exit_code == 2
    assert f"{people}:1: stauts: unknown column" in result.stderr
    assert f"{people}:1: status: required column is missing" in result.stderr
    assert rows_stored(database_url) == 0


def test_db_upgrade_is_idempotent(cli: CliRunner) -> None:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = cli.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "up to date" in result.stdout

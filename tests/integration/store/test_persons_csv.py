"""Importing the flat CSV of people into a real database."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from accord.store import CsvInvalid, import_document, import_persons_csv, load_world
from accord.store.persons_csv import default_quarantine
from accord.world import load_world_text

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
WORLD = "format: accord.world/1\nworld: {sending_state: USA}\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_quarantined_rows_keep_their_starting_line_and_can_be_fixed_and_reimported(
    engine: Engine, tmp_path: Path
) -> None:
    people = write(
        tmp_path / "people.csv",
        (
            "id,status,convictions\n"
            'P1,lpr,"2020-01-01|theft\nof a car|true"\n'  # a quoted value spanning two lines
            "P2,alien,\n"
            "P3,citizen,\n"
        ),
    )
    with engine.begin() as connection:
        report = import_persons_csv(connection, people, now=JAN, chunk=1)
    assert (report.stored, report.quarantined, report.quarantine_path) == (2, 1, default_quarantine(people))
    with default_quarantine(people).open(newline="", encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[0] == ["quarantine_line", "quarantine_reason", "id", "status", "convictions"]
    assert rejected[1][0] == "4" and rejected[1][1].startswith("status: ")

    fixed = write(tmp_path / "fixed.csv", default_quarantine(people).read_text().replace(",alien,", ",lpr,"))
    with engine.begin() as connection:
        again = import_persons_csv(connection, fixed, now=FEB)
        import_document(connection, load_world_text(WORLD, "w.yaml"), now=FEB, source="w.yaml")
        stored = load_world(connection)
    assert (again.stored, again.quarantined) == (1, 0)
    assert [p.id for p in stored.persons] == ["P1", "P3", "P2"]
    assert stored.persons[0].convictions[0].offense == "theft\nof a car"


def test_a_changed_csv_row_supersedes_the_stored_person(engine: Engine, tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", "id,status,nationalities\nP1,undocumented,SLV\n")
    second = write(tmp_path / "b.csv", "id,status,nationalities\nP1,lpr,SLV\n")
    with engine.begin() as connection:
        import_document(connection, load_world_text(WORLD, "w.yaml"), now=JAN, source="w.yaml")
        import_persons_csv(connection, first, now=JAN)
        assert not import_persons_csv(connection, first, now=FEB).writes.changed
        report = import_persons_csv(connection, second, now=FEB)
        assert report.writes.tables["persons"].superseded == 1
        assert load_world(connection).persons[0].status == "lpr"
        assert load_world(connection, known_at=JAN).persons[0].status == "undocumented"


def test_the_quarantine_file_cannot_be_the_input(engine: Engine, tmp_path: Path) -> None:
    people = write(tmp_path / "people.csv", "id,status\nP1,lpr\n")
    with pytest.raises(CsvInvalid, match="cannot be the input"), engine.begin() as connection:
        import_persons_csv(connection, people, now=JAN, quarantine=people)


def test_all_or_nothing_rolls_back_the_chunks_written_before_an_invalid_row(engine: Engine, tmp_path: Path) -> None:
    people = write(tmp_path / "people.csv", "id,status\nP1,lpr\nP2,lpr\nP3,alien\nP4,lpr\nP5,nobody\n")
    with engine.begin() as connection:
        import_document(connection, load_world_text(WORLD, "w.yaml"), now=JAN, source="w.yaml")
    with pytest.raises(CsvInvalid) as raised, engine.begin() as connection:
        import_persons_csv(connection, people, now=JAN, chunk=1, all_or_nothing=True)  # P1, P2 written first
    assert [(e.line, e.path) for e in raised.value.errors] == [(4, "status"), (6, "status")]
    assert str(raised.value.errors[0]).startswith(f"{people}:4: status: ")
    with engine.connect() as connection:
        assert load_world(connection).persons == ()
    assert not default_quarantine(people).exists()


def test_a_fact_keeps_its_own_recorded_at_for_decisions_as_known_at(engine: Engine, tmp_path: Path) -> None:
    people = write(
        tmp_path / "people.csv",
        "id,status,stays\nP1,lpr,bia|2025-01-01||2025-01-10T09:00:00-05:00;judicial|2025-01-05\n",
    )
    with engine.begin() as connection:
        import_document(connection, load_world_text(WORLD, "w.yaml"), now=JAN, source="w.yaml")
        import_persons_csv(connection, people, now=FEB)
        stored = load_world(connection).persons[0].stays
    assert [(s.kind, s.recorded_at) for s in stored] == [
        ("bia", datetime(2025, 1, 10, 14, tzinfo=UTC)),
        ("judicial", None),  # no recorded_at of its own: known from the import on
    ]

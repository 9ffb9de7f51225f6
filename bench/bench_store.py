"""Storage: `accord import-persons` of a 100,000-row CSV into SQLite (the issue asks for under 30 s).

Baselines measured in the same run on the same rows: reading the CSV with the csv module alone, and a
raw executemany of the already-flattened rows into the same tables (no validation, no version checks).
"""

from __future__ import annotations

import csv
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert

from accord.domain import Person
from accord.store import import_persons_csv, upgrade
from accord.store.engine import make_engine
from accord.store.persons_csv import FACT_COLUMNS, PERSON_COLUMNS, person_row
from accord.store.records import PERSONS, flatten
from accord.store.tables_world import imports

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NATIONALITIES = ("SLV", "VEN", "HND", "GTM", "MEX", "COL")
STATUSES = ("undocumented", "lpr", "parolee", "refugee", "nonimmigrant")


def person(i: int) -> Person:
    """A varied, realistic person: one removal order, some with a conviction or a protection."""
    nationality = NATIONALITIES[i % len(NATIONALITIES)]
    data: dict[str, object] = {
        "id": f"P{i:07d}",
        "status": STATUSES[i % len(STATUSES)],
        "sex": "MF"[i % 2],
        "birth_date": f"{1960 + i % 45}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "nationalities": [nationality],
        "languages": ["spa"],
        "district": f"D{i % 90}",
        "identity": {"verified": i % 3 == 0},
        "orders": [{"basis": "title8", "issued": "2019-10-10", "final": "2019-11-09", "designated": [nationality]}],
    }
    if i % 4 == 0:
        data["convictions"] = [{"date": "2021-05-14", "offense": "theft", "aggravated_felony": i % 8 == 0}]
    if i % 10 == 0:
        data["protections"] = [{"kind": "withholding_241b3", "country": nationality, "granted": "2019-10-10"}]
    return Person.model_validate(data)


def write_csv(path: Path, people: list[Person]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*PERSON_COLUMNS, *FACT_COLUMNS])
        writer.writeheader()
        writer.writerows(person_row(p) for p in people)


def fresh(directory: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{directory / name}")
    upgrade(engine)
    return engine


def timed_import(engine: Engine, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with engine.begin() as connection:
        report = import_persons_csv(connection, path, now=NOW)
    return time.perf_counter() - start, report.stored


def timed_raw_executemany(engine: Engine, people: list[Person]) -> float:
    parts = flatten(PERSONS, people)
    start = time.perf_counter()
    with engine.begin() as connection:
        new_import = insert(imports).values(kind="bench", source="bench", imported_at=NOW).returning(imports.c.id)
        import_id = connection.execute(new_import).scalar_one()
        for part in parts:
            rows = [
                {
                    **r.values,
                    "body": r.body,
                    "digest": r.digest,
                    "seq": r.order,
                    "recorded_at": NOW,
                    "import_id": import_id,
                }
                for r in part.rows
            ]
            if rows:
                connection.execute(insert(part.kind.table), rows)
    return time.perf_counter() - start


def timed_csv_read(path: Path) -> float:
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        for _ in csv.reader(handle):
            pass
    return time.perf_counter() - start


def main(quick: bool) -> None:
    size = 10_000 if quick else 100_000
    people = [person(i) for i in range(size)]
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        path = directory / "people.csv"
        write_csv(path, people)
        read = timed_csv_read(path)
        raw = timed_raw_executemany(fresh(directory, "raw.db"), people)
        full, stored = timed_import(fresh(directory, "import.db"), path)
        again, _ = timed_import(fresh(directory, "import.db"), path)  # everything unchanged: a no-op
    print(f"rows: {size:,} persons in CSV ({stored:,} stored)")
    print(f"csv.reader pass only:              {read:7.2f} s")
    print(f"raw executemany of flattened rows: {raw:7.2f} s")
    print(
        f"accord import-persons (fresh db):  {full:7.2f} s  ({size / full:,.0f} rows/s, "
        f"{full / raw:.1f}x raw executemany)"
    )
    print(f"re-import of the same file (no-op): {again:6.2f} s")

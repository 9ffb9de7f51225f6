"""Storage: `accord import-persons` of a 100,000-row CSV into SQLite (the issue asks for under 30 s), and
the same people as a world YAML file through `accord world check` and `accord import` (issue 12).

Baselines measured in the same run on the same rows: reading the CSV with the csv module alone, and a
raw executemany of the already-flattened rows into the same tables (no validation, no version checks).
The YAML and CSV paths are compared as the commands run them, each in a process of its own, in wall time
and peak memory (the process's maximum resident set).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
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
from accord.world import dump_document, load_world_file

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


REFERENCE_WORLD = Path(__file__).resolve().parent.parent / "examples" / "us-slv-2025.yaml"


def write_world(path: Path, people: list[Person]) -> None:
    """The reference world's agreements and countries with `people` as its persons (no court orders or
    custody, which name the reference persons)."""
    document = load_world_file(REFERENCE_WORLD)
    world = document.world.model_copy(update={"persons": tuple(people), "court_orders": (), "custody": ()})
    path.write_text(dump_document(document.model_copy(update={"world": world, "checks": ()})), encoding="utf-8")


# The command in a process of its own, which writes its peak resident memory (VmHWM, Linux) when it ends:
# the rusage of a child would also count the pages of this process it was forked from.
_COMMAND = """
import atexit, sys
from pathlib import Path

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            Path(sys.argv[1]).write_text(line.split()[1])

atexit.register(peak)
from accord.cli.main import app
app(sys.argv[2:], prog_name="accord")
"""


def timed_command(directory: Path, database: str, *args: str) -> tuple[float, float]:
    """Run `accord ARGS` in a process of its own on a fresh SQLite file: (seconds, peak resident MB)."""
    env = {**os.environ, "ACCORD_DATABASE_URL": f"sqlite:///{directory / database}"}
    peak = directory / f"{database}.peak"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _COMMAND, str(peak), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"accord {' '.join(args)} failed: {result.stderr.decode()}")
    return elapsed, int(peak.read_text()) / 1024


def yaml_against_csv(directory: Path, people: list[Person], csv_path: Path) -> None:
    world = directory / "world.yaml"
    write_world(world, people)
    size = len(people)
    check = timed_command(directory, "check.db", "world", "check", str(world))
    yaml_import = timed_command(directory, "yaml.db", "import", str(world))
    csv_import = timed_command(directory, "csv.db", "import-persons", str(csv_path))
    print(f"world YAML {world.stat().st_size / 2**20:.0f} MB, persons CSV {csv_path.stat().st_size / 2**20:.0f} MB")
    for name, (seconds, peak) in (
        ("accord world check (YAML)", check),
        ("accord import (YAML)", yaml_import),
        ("accord import-persons (CSV)", csv_import),
    ):
        print(f"{name:<30} {seconds:7.2f} s  {seconds / size * 1e6:6.1f} µs/person  peak {peak:6.0f} MB")
    print(
        f"YAML import / CSV import: {yaml_import[0] / csv_import[0]:.2f}x time, "
        f"{yaml_import[1] / csv_import[1]:.2f}x peak memory (issue 17 asks for at most 2x each)"
    )


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
        yaml_against_csv(directory, people, path)
    print(f"rows: {size:,} persons in CSV ({stored:,} stored)")
    print(f"csv.reader pass only:              {read:7.2f} s")
    print(f"raw executemany of flattened rows: {raw:7.2f} s")
    print(
        f"accord import-persons (fresh db):  {full:7.2f} s  ({size / full:,.0f} rows/s, "
        f"{full / raw:.1f}x raw executemany)"
    )
    print(f"re-import of the same file (no-op): {again:6.2f} s")

"""Rules benchmark: the columnar engine against the scalar interpreter, on one synthetic caseload.

Measured in one run: columnar decisions per second in memory (one as_of); the interpreter's rate on a
sample of the same people, and the ratio; end to end from Parquet to a Parquet of decisions, in a child
process whose peak RSS is the memory figure. Targets (docs/benchmarks-rules.md): >= 10 M cases/s in
memory, >= 30x the interpreter, 10 M cases end to end < 5 s, peak memory < 4 GiB."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

AS_OF = datetime(2025, 7, 20, 12, tzinfo=UTC)
GIB = 1 << 30


def _best(seconds: list[float]) -> float:
    return min(seconds)


def in_memory(directory: Path) -> float:
    """Seconds for the columnar engine to decide the whole caseload, arrays already in memory."""
    from accord.rules.bulk import read_caseload, read_world
    from accord.rules.columnar import compile_run, decide_people
    from accord.rules.columnar.tables import people_of
    from accord.rules.pack import pack_for_world

    caseload = read_caseload(directory)
    world = read_world(directory, caseload.persons.column("id"))
    people = people_of(caseload)
    run = compile_run(world, pack_for_world(world), AS_OF, AS_OF)
    decide_people(run, people)  # warm-up: zone tables, page faults
    times = []
    for _ in range(3):
        start = time.perf_counter()
        decide_people(run, people)
        times.append(time.perf_counter() - start)
    return _best(times)


def scalar(directory: Path, sample: int) -> float:
    """Seconds per person for the interpreter on the first `sample` people of the caseload."""
    import pyarrow.parquet as pq

    from accord.rules.bulk import PERSONS_FILE, load_bulk_world
    from accord.rules.interpreter import decide

    ids = pq.read_table(directory / PERSONS_FILE, columns=["id"]).column("id").slice(0, sample).to_pylist()
    world = load_bulk_world(directory, ids)
    start = time.perf_counter()
    decide(world, AS_OF)
    return (time.perf_counter() - start) / len(ids)


END_TO_END = """
import sys, time
from datetime import datetime
from pathlib import Path
from accord.rules.bulk import run_bulk_decide
start = time.perf_counter()
run_bulk_decide(Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), output=Path(sys.argv[3]), fmt="parquet")
print(time.perf_counter() - start)
"""


def end_to_end(directory: Path) -> tuple[float, float]:
    """Seconds and peak RSS (GiB) of a fresh process deciding Parquet to Parquet (imports excluded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, "-c", END_TO_END, str(directory), AS_OF.isoformat(), str(directory / "decisions.parquet")],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return float(out.stdout.strip().splitlines()[-1]), peak_kib * 1024 / GIB


def main(quick: bool) -> None:
    from accord.rules.synth import synthesize

    people = 200_000 if quick else 10_000_000
    sample = 5_000 if quick else 20_000
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        synthesize(directory, people, seed=1)
        print(f"synth: {people:,} people in {time.perf_counter() - start:.2f} s")
        columnar = in_memory(directory)
        per_case = scalar(directory, sample)
        seconds, peak = end_to_end(directory)
    rate = people / columnar
    print(f"columnar in memory: {columnar:.3f} s for {people:,} = {rate / 1e6:.2f} M cases/s (target >= 10 M/s)")
    print(f"interpreter: {1 / per_case:,.0f} cases/s on {sample:,} people")
    print(f"ratio columnar / interpreter: {rate * per_case:.0f}x (target >= 30x)")
    print(
        f"end to end Parquet -> Parquet: {seconds:.2f} s for {people:,} ({people / seconds / 1e6:.2f} M/s; "
        f"target 10 M < 5 s)"
    )
    print(f"peak RSS end to end: {peak:.2f} GiB (target < 4 GiB for 10 M)")


if __name__ == "__main__":
    main("--quick" in sys.argv)

"""Rules benchmark: the columnar engine against the scalar interpreter, on one synthetic caseload.

Measured in one run: columnar decisions per second in memory (one as_of); the interpreter's rate on a
sample of the same people, and the ratio; end to end from Parquet to a Parquet of decisions, as the whole
`accord decide` process (start-up included; the median of three after a warm-up), whose peak RSS is the
memory figure. Targets (docs/benchmarks-rules.md): >= 10 M cases/s in memory, >= 30x the interpreter,
10 M cases end to end < 5 s, peak memory < 4 GiB."""

from __future__ import annotations

import os
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


# The command a user runs, in a fresh interpreter: start-up and imports are part of the time. The child
# reports its own peak RSS (VmHWM) as it exits: its `ru_maxrss` can carry this process's high-water mark
# across the exec (Linux keeps the larger).
END_TO_END = """
import atexit, sys
from accord.cli.main import main
def peak():
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    print("VmHWM_KiB", status, file=sys.stderr)
atexit.register(peak)
sys.argv = ["accord", *sys.argv[1:]]
main()
"""


def end_to_end(directory: Path) -> tuple[float, float, int, int]:
    """Wall seconds of `accord decide DIR --format parquet --output FILE` as a whole process, its peak
    RSS (GiB), the rows it wrote and the size of the decisions file."""
    import pyarrow.parquet as pq

    output = directory / "decisions.parquet"
    command = ["decide", str(directory), "--as-of", AS_OF.isoformat(), "--format", "parquet", "--output", str(output)]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", END_TO_END, *command], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_kib = int(out.stderr.split("VmHWM_KiB")[-1].split()[0])
    return seconds, peak_kib * 1024 / GIB, pq.read_metadata(output).num_rows, output.stat().st_size


INDIVIDUAL_ORDERS = 100


def with_individual_orders(directory: Path, into: Path) -> Path:
    """The same caseload (its Parquet files linked, not copied) with INDIVIDUAL_ORDERS more court orders
    in effect, each barring the removal of one person: the habeas orders that add up at national scale."""
    import pyarrow.parquet as pq
    import yaml

    into.mkdir()
    for parquet in directory.glob("*.parquet"):
        if parquet.name != "decisions.parquet":
            (into / parquet.name).symlink_to(parquet)
    ids = pq.read_table(directory / "persons.parquet", columns=["id"]).column("id")
    document = yaml.safe_load((directory / "world.yaml").read_text(encoding="utf-8"))
    step = max(1, len(ids) // INDIVIDUAL_ORDERS)
    document["world"]["court_orders"] += [
        {
            "id": f"HC-{i:03d}",
            "binding_from": "2025-05-01T00:00:00+00:00",
            "effect": "bar_removal",
            "scope": {"persons": [ids[i * step].as_py()]},
        }
        for i in range(INDIVIDUAL_ORDERS)
    ]
    (into / "world.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return into


def main(quick: bool) -> None:
    from accord.rules.columnar.memory import avoid_hugepage_stalls
    from accord.rules.synth import synthesize

    avoid_hugepage_stalls()  # as the CLI does for bulk decisions

    people = 200_000 if quick else 10_000_000
    sample = 5_000 if quick else 20_000
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        synthesize(directory, people, seed=1)
        print(f"synth: {people:,} people in {time.perf_counter() - start:.2f} s")
        columnar = in_memory(directory)
        per_case = scalar(directory, sample)
        end_to_end(directory)  # warm-up: the freshly written files are still being flushed to disk
        runs = sorted(end_to_end(directory) for _ in range(3))
        seconds, peak, rows, size = runs[1]  # the median run
        orders = with_individual_orders(directory, Path(tmp) / "with-orders")
        with_orders = sorted(end_to_end(orders)[0] for _ in range(3))[1]
    rate = people / columnar
    print(f"columnar in memory: {columnar:.3f} s for {people:,} = {rate / 1e6:.2f} M cases/s (target >= 10 M/s)")
    print(f"interpreter: {1 / per_case:,.0f} cases/s on {sample:,} people")
    print(f"ratio columnar / interpreter: {rate * per_case:.0f}x (target >= 30x)")
    print(
        f"end to end Parquet -> Parquet, the whole `accord decide` process: {seconds:.2f} s "
        f"for {people:,} ({people / seconds / 1e6:.2f} M/s; target 10 M < 5 s)"
    )
    print(f"decisions file: {rows:,} rows, {size / 2**20:,.0f} MiB ({size / rows:.1f} bytes per row)")
    print(f"peak RSS end to end: {peak:.2f} GiB (target < 4 GiB for 10 M)")
    print(
        f"end to end with {INDIVIDUAL_ORDERS} more individual court orders in effect: {with_orders:.2f} s "
        f"({with_orders / seconds:.2f}x the caseload's usual orders)"
    )
    # The benchmark machine is shared: the load from other jobs explains much of the run-to-run spread.
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main("--quick" in sys.argv)

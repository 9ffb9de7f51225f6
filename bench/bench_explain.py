"""`accord explain` per person: the scalar interpreter's trace of every gate plus the rendered text.
The world is loaded once (start-up); the median of the per-person times is what a user waits for."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from pathlib import Path

from accord.rules.explain import render
from accord.rules.interpreter import decide_person, explain_trace
from accord.world import load_world_file

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "us-slv-2025.yaml"
AS_OF = datetime.fromisoformat("2025-03-15T19:30:00-04:00")
BUDGET_MS = 5.0


def _median_ms(action: object, ids: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for person in ids:
            start = time.perf_counter()
            action(person)  # type: ignore[operator]
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(quick: bool) -> None:
    world = load_world_file(EXAMPLE).world
    ids = [p.id for p in world.persons]
    rounds = 1 if quick else 5
    text = AS_OF.isoformat()
    render(explain_trace(world, ids[0], AS_OF), text)  # warm caches (zones, pack) before measuring
    explain = _median_ms(lambda pid: render(explain_trace(world, pid, AS_OF), text), ids, rounds)
    decide = _median_ms(lambda pid: decide_person(world, pid, AS_OF), ids, rounds)
    print(f"world {EXAMPLE.name}: {len(ids)} persons, {rounds} round(s), as of {text}")
    print(f"explain (trace + text), median per person: {explain:.3f} ms (budget {BUDGET_MS} ms)")
    print(
        f"decide_person (baseline, no text), median per person: {decide:.3f} ms; explain/decide = "
        f"{explain / decide:.2f}x"
    )

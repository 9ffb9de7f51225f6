"""Billing benchmarks (docs/benchmarks-billing.md).

1. 40,000 detainees over 12 months: the interval accrual (`accord.billing.accrual`) against the per-day
   reference loop (`accord.billing.reference`) on the same custody periods; both must agree to the cent.
2. Previewing one month for 300 detainees after start-up: bill and render the JSON, with and without
   reading the world file first."""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from accord.billing.inputs import CustodyPeriod
from accord.billing.months import Month, month_range
from accord.billing.preview import bill, bill_periods, schedule_for
from accord.billing.reference import daily_totals
from accord.domain.world import World
from accord.world import load_world_file

AGREEMENT: dict[str, Any] = {
    "id": "US-SLV-2025",
    "sending": "USA",
    "receiving": "SLV",
    "facility": "SLV-CECOT",
    "versions": [
        {"from": "2025-01-01", "status": "in_force",
         "fee": {"amount": "20000.00", "currency": "USD", "per": "year", "proration": "actual_365"}},
        {"from": "2025-06-14", "status": "in_force",
         "fee": {"amount": "25000.00", "currency": "USD", "per": "year", "proration": "actual_365"}},
    ],
}  # fmt: skip
FACILITY = {"id": "SLV-CECOT", "country": "SLV", "kind": "prison", "timezone": "America/El_Salvador"}


def custody(count: int, seed: int = 7) -> list[CustodyPeriod]:
    """Detainees arrive by flight (a few hundred arrival dates) and a third are released on a later date."""
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    flights = sorted(start + timedelta(days=rng.randrange(365)) for _ in range(300))
    periods = []
    for i in range(count):
        intake = rng.choice(flights)
        release = intake + timedelta(days=rng.randrange(1, 400)) if rng.random() < 0.33 else None
        periods.append(CustodyPeriod(f"P{i:05d}", "US-SLV-2025", intake, release))
    return periods


def bench_year(count: int) -> None:
    world = World.model_validate({"sending_state": "USA", "facilities": [FACILITY], "agreements": [AGREEMENT]})
    periods = custody(count)
    started = time.perf_counter()
    result = bill_periods(world, "US-SLV-2025", periods, "2025-01", "2025-12")
    fast = time.perf_counter() - started
    months = month_range(Month(2025, 1), Month(2025, 12))
    started = time.perf_counter()
    reference = daily_totals(schedule_for(world, "US-SLV-2025"), periods, months)
    slow = time.perf_counter() - started
    agree = {i.month: i.total for i in result.invoices} == reference
    lines = sum(len(i.lines) for i in result.invoices)
    print(f"{count} detainees x 12 months: {lines} lines, total {result.to_json()['total']} USD")
    print(
        f"  interval accrual {fast:.3f} s; per-day reference loop {slow:.3f} s; ratio {slow / fast:.1f}x; "
        f"totals agree: {agree}"
    )


def bench_preview(count: int, repeat: int) -> None:
    periods = custody(count, seed=11)
    document = {
        "format": "accord.world/1",
        "world": {
            "sending_state": "USA",
            "facilities": [FACILITY],
            "agreements": [AGREEMENT],
            "persons": [{"id": p.person, "status": "undocumented"} for p in periods],
            "custody": [
                {"person": p.person, "agreement": p.agreement, "intake": p.intake,
                 **({"release": p.release} if p.release else {})}
                for p in periods
            ],
        },
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "world.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        world = load_world_file(path).world  # also warms imports and caches
        whole = _median_ms(lambda: _preview(load_world_file(path).world), repeat)
    billing = _median_ms(lambda: _preview(world), repeat)
    print(
        f"preview one month, {count} detainees: bill + invoice JSON {billing:.1f} ms; "
        f"with reading the world file {whole:.1f} ms (median of {repeat})"
    )


def _preview(world: World) -> str:
    return json.dumps(bill(world, "US-SLV-2025", "2025-07", "2025-07").to_json())


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return sorted(timings)[len(timings) // 2] * 1000


def main(quick: bool) -> None:
    bench_year(4_000 if quick else 40_000)
    bench_preview(300, 5 if quick else 20)


if __name__ == "__main__":
    import sys

    main("--quick" in sys.argv)

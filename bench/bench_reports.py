"""Reports benchmark (docs/benchmarks.md, docs/adr/reports-engine.md).

A monthly report over 10 million stored decisions and 1 million custody periods, read from synthetic
Parquet files in the layout of `accord.reports.facts`: blocked pathways by month and destination (the
latest decision per person and month) and custody days by month and facility, each aggregated, with the
people behind every cell, and suppressed. The baseline, measured in the same run over the same files, is
a plain group-by with the same counts (rows and distinct people per cell, custody days per cell) and no
"latest decision" step, suppression or definitions: in DuckDB (the engine chosen) and in Polars. NumPy
(`bincount` on coded keys, counts only) shows the floor of plain code."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from accord.reports.aggregate import Window, aggregate
from accord.reports.facts import SCHEMAS, Facts
from accord.reports.spec import ReportSpec
from accord.reports.suppress import suppress

NATIONS = ["VEN", "SLV", "MEX", "GTM", "HND", "COL", "ECU", "NIC"]
KINDS = ["repatriation", "designated", "third_country", "agreement_repatriation"]
REASONS = ["court_order", "notice_missing", "country_not_accepting", "home_country_available", "no_final_order"]
FACILITIES = ["SLV-CECOT", "CRI-CATEM", "PAN-SAN-VICENTE"]
WINDOW = Window(
    datetime(2025, 12, 31, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC), date(2025, 1, 1), date(2026, 1, 1)
)
BLOCKED = ReportSpec(
    id="bench-blocked", title="Blocked pathways", measure="decisions", rows=("month",), columns="destination",
    filters={"status": ("blocked",)},
)  # fmt: skip
CUSTODY = ReportSpec(id="bench-custody", title="Custody", measure="custody_days", rows=("month",), columns="facility")


def _coded(rng: np.random.Generator, labels: list[str], n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, len(labels), n).astype(np.int8)), pa.array(labels))


def _people(rng: np.random.Generator, n: int, persons: int) -> dict[str, pa.Array]:
    ids = pc.cast(pa.array(rng.integers(0, persons, n)), pa.string())
    births = np.datetime64("1960-01-01") + rng.integers(0, 60 * 365, n).astype("timedelta64[D]")
    return {
        "person": ids,
        "nationality": pc.cast(_coded(rng, NATIONS, n), pa.string()),
        "sex": pc.cast(_coded(rng, ["M", "F"], n), pa.string()),
        "birth_date": pa.array(births, pa.date32()),
    }


def _instants(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    seconds = np.datetime64("2025-01-01T00:00:00") + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
    at = pa.array(seconds.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
    return at, pa.array(seconds.astype("datetime64[D]"), pa.date32())


def decisions(path: Path, n: int, seed: int = 1) -> None:
    """n decisions of n/2 people, one pathway each, 0 to 2 blocking reasons."""
    rng = np.random.default_rng(seed)
    at, day = _instants(rng, n)
    counts = rng.integers(0, 3, n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = pc.cast(_coded(rng, REASONS, int(offsets[-1])), pa.string())
    columns = {
        **_people(rng, n, n // 2),
        "at": at,
        "recorded_at": at,
        "day": day,
        "decision": pa.array(np.arange(n)),
        "pathway_kind": pc.cast(_coded(rng, KINDS, n), pa.string()),
        "destination": pc.cast(_coded(rng, NATIONS, n), pa.string()),
        "agreement": pa.nulls(n, pa.string()),
        "status": pa.array(np.where(counts > 0, "blocked", "allowed")),
        "reasons": pa.ListArray.from_arrays(pa.array(offsets), flat),
    }
    pq.write_table(pa.table({f.name: columns[f.name] for f in SCHEMAS["decisions"]}, schema=SCHEMAS["decisions"]), path)


def custody(path: Path, n: int, seed: int = 2) -> None:
    """n custody periods, a third still open."""
    rng = np.random.default_rng(seed)
    at, day = _instants(rng, n)
    release = day.to_numpy(zero_copy_only=False) + rng.integers(1, 400, n).astype("timedelta64[D]")
    columns = {
        **_people(rng, n, n),
        "at": at,
        "recorded_at": at,
        "day": day,
        "facility": pc.cast(_coded(rng, FACILITIES, n), pa.string()),
        "agreement": pa.array(["AGR"] * n),
        "destination": pa.array(["SLV"] * n),
        "intake": day,
        "release": pa.array(release, pa.date32(), mask=rng.random(n) < 0.33),
    }
    pq.write_table(
        pa.table({f.name: columns[f.name] for f in SCHEMAS["custody_days"]}, schema=SCHEMAS["custody_days"]), path
    )


def _best(function: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def accord_report(facts: Facts) -> None:
    for spec in (BLOCKED, CUSTODY):
        suppress(aggregate(spec, facts, WINDOW))


def duckdb_plain(decided: Path, held: Path) -> None:
    with duckdb.connect() as con:
        con.execute(
            f"SELECT month(day), destination, count(*), count(DISTINCT person) FROM read_parquet('{decided}') "
            "WHERE status = 'blocked' GROUP BY ALL"
        ).fetchall()
        con.execute(
            f"SELECT month(intake), facility, sum(date_diff('day', intake, coalesce(release, DATE '2026-01-01'))), "
            f"count(DISTINCT person) FROM read_parquet('{held}') GROUP BY ALL"
        ).fetchall()


def polars_plain(decided: Path, held: Path) -> None:
    import polars as pl

    pl.scan_parquet(decided).filter(pl.col("status") == "blocked").group_by(
        pl.col("day").dt.month(), "destination"
    ).agg(pl.len(), pl.col("person").n_unique()).collect()
    days = (pl.col("release").fill_null(date(2026, 1, 1)) - pl.col("intake")).dt.total_days()
    pl.scan_parquet(held).group_by(pl.col("intake").dt.month(), "facility").agg(
        days.sum(), pl.col("person").n_unique()
    ).collect()


def numpy_counts(decided: Path) -> None:
    table = pq.read_table(decided, columns=["day", "destination", "status"])
    months = table["day"].to_numpy().astype("datetime64[M]").astype(np.int64)
    destinations = pc.dictionary_encode(table["destination"]).combine_chunks().indices.to_numpy().astype(np.int64)
    blocked = pc.equal(table["status"], "blocked").to_numpy(zero_copy_only=False)
    np.bincount(((months - months.min()) * 16 + destinations)[blocked])


def main(quick: bool) -> None:
    n_decisions, n_custody = (1_000_000, 100_000) if quick else (10_000_000, 1_000_000)
    with tempfile.TemporaryDirectory() as folder:
        decided, held = Path(folder) / "decisions.parquet", Path(folder) / "custody.parquet"
        started = time.perf_counter()
        decisions(decided, n_decisions)
        custody(held, n_custody)
        print(
            f"synthetic Parquet: {n_decisions:,} decisions, {n_custody:,} custody periods "
            f"({time.perf_counter() - started:.1f} s to write)"
        )
        facts = Facts({"decisions": decided, "custody_days": held})
        report = _best(lambda: accord_report(facts))
        plain = _best(lambda: duckdb_plain(decided, held))
        polars = _best(lambda: polars_plain(decided, held))
        numpy = _best(lambda: numpy_counts(decided))
        print(
            f"  accord monthly report (2 tables: latest decision per person-month, people per cell, suppressed): "
            f"{report:.2f} s"
        )
        print(f"  plain DuckDB group-by, same counts: {plain:.2f} s; ratio {report / plain:.2f}x")
        print(f"  plain Polars group-by, same counts: {polars:.2f} s (DuckDB / Polars {plain / polars:.2f})")
        print(f"  NumPy bincount, blocked counts only (no people): {numpy:.2f} s")
        print(f"  target < 2 s: {'met' if report < 2 else 'NOT met'}")

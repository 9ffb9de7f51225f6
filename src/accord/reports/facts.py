"""The fact tables reports aggregate: one Arrow schema per measure, and where each table comes from.

Every fact row belongs to one person (`person`; an anonymous custody block is one row per head) and
carries the instant it happened (`at`, UTC: "as of T" keeps `at <= T`), when Accord learnt it
(`recorded_at`, UTC: "as known at K" keeps `recorded_at <= K`), the local date it is counted on (`day`:
the place's date for events, the pack's zone for decisions) and the person's attributes as known then.
A source is an Arrow table (built from the database by the store's report repository) or a Parquet
file with the same columns (a benchmark, an export)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pyarrow as pa

from accord.reports.spec import Measure

_UTC = pa.timestamp("us", tz="UTC")
_COMMON = [
    ("person", pa.string()),
    ("at", _UTC),
    ("recorded_at", _UTC),
    ("day", pa.date32()),
    ("nationality", pa.string()),
    ("sex", pa.string()),
    ("birth_date", pa.date32()),
]
_PATHWAY = [("pathway_kind", pa.string()), ("destination", pa.string()), ("agreement", pa.string())]

SCHEMAS: Mapping[str, pa.Schema] = {
    # One row per pathway of a stored decision (`decision` is its row id: the latest per person and month
    # is counted); `reasons` lists the codes that block it (empty when allowed).
    "decisions": pa.schema(
        [*_COMMON, ("decision", pa.int64()), *_PATHWAY, ("status", pa.string()), ("reasons", pa.list_(pa.string()))]
    ),
    # One row per manifest event about a person: `outcome` boarded | struck | held | handed_over |
    # return_required | returned, `reason` its cause (a strike reason or the blocking code).
    "movements": pa.schema(
        [*_COMMON, ("outcome", pa.string()), ("reason", pa.string()), *_PATHWAY, ("funder", pa.string())]
    ),
    # One row per handover into the custody of the destination, from the custody ledger.
    "handovers": pa.schema([*_COMMON, *_PATHWAY, ("funder", pa.string())]),
    # One row per custody period under an agreement: local dates [intake, release), release null while held.
    "custody_days": pa.schema(
        [
            *_COMMON,
            ("facility", pa.string()),
            ("agreement", pa.string()),
            ("destination", pa.string()),
            ("intake", pa.date32()),
            ("release", pa.date32()),
        ]
    ),
}

Source: TypeAlias = pa.Table | Path


def fact_table(name: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """An Arrow table of `name`'s schema from plain rows (dicts keyed by column)."""
    schema = SCHEMAS[name]
    listed = list(rows)
    return pa.table({f.name: pa.array([r[f.name] for r in listed], type=f.type) for f in schema}, schema=schema)


@dataclass(frozen=True)
class Facts:
    """Where each measure's facts are; a missing table counts as empty."""

    tables: Mapping[str, Source]

    def source(self, name: Measure) -> Source:
        found: Source = self.tables[name] if name in self.tables else fact_table(name, [])
        return found

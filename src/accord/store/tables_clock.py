"""The recording clock (docs/integrity.md, "Two clocks").

`recording_clock` holds one row: the last `recorded_at` handed out. Every write stamps its records
through it inside its own transaction, so `recorded_at` never decreases in this database, and the row
lock (PostgreSQL) or the write lock (SQLite) orders concurrent writers. When the system clock reads
earlier than that (an NTP step, a VM restored from a snapshot), the stamp is clamped to the last one and
both instants are kept in `clock_anomalies`.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, Table

from accord.store.schema import metadata
from accord.store.types import Id, UtcDateTime

recording_clock = Table(
    "recording_clock",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("last_recorded_at", UtcDateTime(), nullable=False),  # 1900-01-01 before the first write
)

clock_anomalies = Table(
    "clock_anomalies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reading", UtcDateTime(), nullable=False),  # what the system clock said
    Column("recorded_at", UtcDateTime(), nullable=False),  # the stamp given instead (the last one)
)

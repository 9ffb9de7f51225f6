"""Stamping writes with `recorded_at` from the system clock, never decreasing (docs/integrity.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from accord.store.tables_clock import clock_anomalies, recording_clock


def stamp(conn: Connection, reading: datetime) -> datetime:
    """The `recorded_at` of the caller's transaction: the clock's `reading`, or the last stamp handed out
    when the clock reads earlier (then both are kept as an anomaly). The row stays locked until the
    transaction ends, so concurrent writers take their stamps in commit order."""
    reading = reading.astimezone(UTC)
    row = recording_clock.c
    # The update comes first: it takes the row lock (PostgreSQL) or the database write lock (SQLite)
    # before the last stamp is read, so no other writer can read the same value in between. The
    # migration that creates the table inserts its one row.
    conn.execute(update(recording_clock).where(row.id == 1).values(id=1))
    last: datetime = conn.execute(select(row.last_recorded_at).where(row.id == 1)).scalar_one()
    if reading < last:
        conn.execute(insert(clock_anomalies).values(reading=reading, recorded_at=last))
        return last
    conn.execute(update(recording_clock).where(row.id == 1).values(last_recorded_at=reading))
    return reading

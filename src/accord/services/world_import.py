"""Importing a world file or a persons CSV into the database (docs/integrity.md).

The import is stamped with the recording clock (`imports.imported_at`); the records keep the `recorded_at`
their file gives, or none (known for every `known_at`, as in the file), so that a database answers
exactly like the file it was imported from. A `recorded_at` later than the recording clock is refused:
a file cannot claim the system learnt something it has not yet learnt."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection

from accord.services.clock import Clock
from accord.services.steps import DEFAULT_SKEW
from accord.store.clock import stamp
from accord.store.persons_csv import CsvImportReport, import_persons_csv
from accord.store.writer import ImportReport, import_document
from accord.store.writer import import_world_file as store_world_file
from accord.world.document import WorldDocument


def import_world_file(
    conn: Connection, clock: Clock, path: Path, source: str, skew: timedelta = DEFAULT_SKEW
) -> ImportReport:
    """Validate and store a world file in the caller's transaction, persons as they are read; the
    caller rolls back on any error (WorldInvalid, InvalidInput, Refused)."""
    now = stamp(conn, clock.now())
    return store_world_file(conn, path, now=now, source=source, claims_until=now + skew)


def import_world(
    conn: Connection, clock: Clock, document: WorldDocument, source: str, skew: timedelta = DEFAULT_SKEW
) -> ImportReport:
    """Store a validated world document in the caller's transaction (nothing when it is refused)."""
    now = stamp(conn, clock.now())
    return import_document(conn, document, now=now, source=source, claims_until=now + skew)


def import_persons(
    conn: Connection,
    clock: Clock,
    path: Path,
    *,
    quarantine: Path | None = None,
    all_or_nothing: bool = False,
    overwrite_quarantine: bool = False,
    skew: timedelta = DEFAULT_SKEW,
) -> CsvImportReport:
    """Store the valid rows of a persons CSV; a row claiming a future `recorded_at` is invalid."""
    now = stamp(conn, clock.now())
    return import_persons_csv(
        conn,
        path,
        now=now,
        quarantine=quarantine,
        all_or_nothing=all_or_nothing,
        overwrite_quarantine=overwrite_quarantine,
        claims_until=now + skew,
    )

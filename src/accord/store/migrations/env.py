"""Alembic environment: runs on the connection handed over by `accord.store.migrate` (or, from the
alembic command line, on ACCORD_DATABASE_URL). No schema is named anywhere, so PostgreSQL's search_path
decides where tables and `alembic_version` live."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from accord.store.engine import make_engine
from accord.store.migrate import import_all_tables
from accord.store.schema import metadata

import_all_tables()


def _run(connection: Connection) -> None:
    # Batch mode lets later revisions alter SQLite tables (which has almost no ALTER TABLE).
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(os.environ.get("ACCORD_DATABASE_URL", "sqlite:///./accord.db"))
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_online()

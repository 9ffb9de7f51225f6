"""Alembic owns the schema: migrating to head creates exactly the tables every area's metadata declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from accord.store import upgrade
from accord.store.migrate import import_all_tables
from accord.store.schema import metadata


def test_upgrade_is_idempotent_and_the_revisions_match_every_table(engine: Engine) -> None:
    import_all_tables()
    upgrade(engine)
    upgrade(engine)  # a second run finds nothing to do
    with engine.connect() as connection:
        stored = set(inspect(connection).get_table_names()) - {"alembic_version"}
        assert stored == set(metadata.tables)
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []

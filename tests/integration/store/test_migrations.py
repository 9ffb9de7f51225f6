"""Alembic owns the schema: the revisions create exactly the tables the metadata declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from accord.store.schema import metadata
from accord.store.tables_world import WORLD_TABLES


def test_upgrade_is_idempotent_and_matches_the_world_tables(engine: Engine) -> None:
    from accord.store import upgrade

    upgrade(engine)
    world = {t.name for t in WORLD_TABLES}
    with engine.connect() as connection:
        assert world <= set(inspect(connection).get_table_names())
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, metadata) if _table_of(d) in world]
    assert differences == []


def _table_of(difference: object) -> str | None:
    """The table a difference from `compare_metadata` concerns (its entries are tuples or lists of them)."""
    first = difference[0] if isinstance(difference, list) else difference
    for part in first:  # type: ignore[attr-defined]
        name = getattr(part, "name", None) if hasattr(part, "columns") else getattr(part, "table", None)
        if isinstance(name, str):
            return name
        if name is not None and hasattr(name, "name"):
            return str(name.name)
        if isinstance(part, str) and part in {t.name for t in WORLD_TABLES}:
            return part
    return None

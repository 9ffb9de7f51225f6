"""Alembic owns the schema: the revisions create exactly the world tables the metadata declares."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from accord.store import upgrade
from accord.store.schema import metadata
from accord.store.tables_world import WORLD_TABLES

WORLD = {t.name for t in WORLD_TABLES}


def _world_only(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in WORLD


def test_upgrade_is_idempotent_and_the_revisions_match_the_world_tables(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) >= WORLD
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _world_only}
        )
        assert compare_metadata(context, metadata) == []

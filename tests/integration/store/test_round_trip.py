"""import -> export -> import is lossless, on SQLite and PostgreSQL, for generated worlds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from accord.domain import World
from accord.store import import_document, load_document, load_world
from accord.world import FORMAT, WorldDocument, dump_document, load_world_text
from tests.hypothesis_budget import examples
from tests.strategies import words, worlds

FIRST = datetime(2026, 1, 1, tzinfo=UTC)
SECOND = datetime(2026, 2, 1, tzinfo=UTC)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds(), title=st.none() | words)
def test_import_export_import_is_lossless(engine: Engine, world: World, title: str | None) -> None:
    document = WorldDocument(format=FORMAT, title=title, world=world)
    with engine.connect() as connection:
        transaction = connection.begin()  # each example starts from the empty database
        try:
            import_document(connection, document, now=FIRST, source="generated.yaml")
            exported = load_world_text(dump_document(load_document(connection)), "exported.yaml")
            assert exported == document
            again = import_document(connection, exported, now=SECOND, source="exported.yaml")
            assert not again.changed, again
            assert load_world(connection) == world
        finally:
            transaction.rollback()

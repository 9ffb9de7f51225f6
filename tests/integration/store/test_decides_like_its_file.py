"""A database answers exactly like the file it was imported from (docs/integrity.md): for generated
worlds and any `as_of` and `known_at`, deciding the stored world gives the decisions of the file itself,
on SQLite and PostgreSQL. Records without `recorded_at` keep their file's meaning (known for every
known_at), so missing data never starts to count later than the file says."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from accord.domain import World
from accord.rules.interpreter import decide
from accord.rules.knowledge import as_known_at
from accord.store import import_document, load_world
from accord.world import FORMAT, WorldDocument
from tests.strategies import instants, worlds

IMPORTED = datetime(2031, 1, 1, tzinfo=UTC)  # after every instant the strategies draw


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds(), as_of=instants, known_at=st.none() | instants)
def test_the_stored_world_decides_like_its_file(
    engine: Engine, world: World, as_of: datetime, known_at: datetime | None
) -> None:
    knowledge = known_at or as_of
    with engine.connect() as connection:
        transaction = connection.begin()  # each example starts from the empty database
        try:
            import_document(connection, WorldDocument(format=FORMAT, world=world), now=IMPORTED, source="file")
            stored = as_known_at(load_world(connection, knowledge), knowledge)
        finally:
            transaction.rollback()
    assert decide(stored, as_of, knowledge) == decide(world, as_of, knowledge)

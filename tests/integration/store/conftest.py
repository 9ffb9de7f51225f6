from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from accord.store import upgrade
from accord.store.engine import make_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()

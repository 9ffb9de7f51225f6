"""`accord import` writes a world's persons as it reads them: on both databases it stores what
`import_document` stores, and a mistake after some persons were written stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from accord.store import load_document, upgrade
from accord.store.engine import make_engine
from accord.store.writer import import_document, import_world_file
from accord.world import WorldInvalid, load_world_file
from tests.conftest import EXAMPLES
from tests.e2e.store.test_cli import rows_stored

NOW = datetime(2026, 1, 1, tzinfo=UTC)
REFERENCE = EXAMPLES / "us-slv-2025.yaml"


def fresh(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_streamed_import_stores_what_import_document_stores(database_url: str, tmp_path: Path) -> None:
    engine = fresh(database_url)
    with engine.begin() as conn:
        report = import_world_file(conn, REFERENCE, now=NOW, source="ref", chunk=17)
    with engine.connect() as conn:
        streamed = load_document(conn)
    other = fresh(f"sqlite:///{tmp_path / 'whole.db'}")
    with other.begin() as conn:
        whole = import_document(conn, load_world_file(REFERENCE), now=NOW, source="ref")
    with other.connect() as conn:
        assert load_document(conn) == streamed
    assert report.tables["persons"].added == whole.tables["persons"].added == 301
    engine.dispose()
    other.dispose()


def test_a_mistake_after_written_chunks_stores_nothing(database_url: str, tmp_path: Path) -> None:
    text = REFERENCE.read_text()
    last = text.rindex("status: undocumented")
    path = tmp_path / "late-mistake.yaml"
    path.write_text(text[:last] + "status: astronaut" + text[last + len("status: undocumented") :])
    engine = fresh(database_url)
    with pytest.raises(WorldInvalid, match="status: Input should be"), engine.begin() as conn:
        import_world_file(conn, path, now=NOW, source="late", chunk=10)
    assert rows_stored(database_url) == 0
    engine.dispose()

"""Shared fixtures: a fresh database per test on SQLite and, when reachable, PostgreSQL.

With CI=true a PostgreSQL server is required: if none answers at ACCORD_TEST_POSTGRES_URL the session
fails loudly instead of skipping. Outside CI the PostgreSQL cases skip with a one-line notice."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text

from accord.store.engine import make_engine
from tests.hypothesis_budget import DEFAULT_EXAMPLES, PROFILE, PROFILE_VARIABLE, examples

POSTGRES_URL = os.environ.get("ACCORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "scenarios"
EXAMPLES = ROOT / "examples"


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "not available"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


_PG_PROBLEM = _postgres_available()

# Property tests: `fast` replays a fixed corpus (make test); `deep` draws fresh random examples, more of
# them (make test-deep). Each test's budget goes through tests.hypothesis_budget.examples.
settings.register_profile("fast", derandomize=True, deadline=None)
settings.register_profile(
    "deep", derandomize=False, deadline=None, max_examples=examples(DEFAULT_EXAMPLES), print_blob=True
)
if PROFILE not in ("fast", "deep"):
    raise pytest.UsageError(f"{PROFILE_VARIABLE}={PROFILE!r}: use fast or deep")
settings.load_profile(PROFILE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "property: a Hypothesis property test (make test-deep runs these)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every Hypothesis test `property`, so that `pytest -m property` runs them all."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


def pytest_sessionstart(session: pytest.Session) -> None:
    if _PG_PROBLEM is not None and IN_CI:
        raise pytest.UsageError(
            f"CI=true and PostgreSQL is required, but no server answers at {POSTGRES_URL}: {_PG_PROBLEM}"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = (
        f"postgresql: {POSTGRES_URL}"
        if _PG_PROBLEM is None
        else f"postgresql: not available, its tests are skipped ({_PG_PROBLEM})"
    )
    return [database, f"hypothesis profile: {PROFILE} ({examples(1)}x each test's examples)"]


def _postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accord.db'}"
        return
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL not available ({_PG_PROBLEM})")
    yield from _postgres_schema_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema only (for tests that need real concurrency)."""
    if _PG_PROBLEM is not None:
        pytest.skip(f"PostgreSQL not available ({_PG_PROBLEM})")
    yield from _postgres_schema_url()

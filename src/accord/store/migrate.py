"""Bring a database to the current schema. (Interim: create_all; replaced by Alembic upgrade head.)"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import Engine

import accord.store as store_package
from accord.store.schema import metadata


def _import_tables() -> None:
    for module in pkgutil.iter_modules(store_package.__path__):
        if module.name.startswith("tables_"):
            importlib.import_module(f"accord.store.{module.name}")


def upgrade(engine: Engine) -> None:
    """Create or migrate every table of every area."""
    _import_tables()
    metadata.create_all(engine)

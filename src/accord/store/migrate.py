"""Bring a database to the current schema with Alembic, and autogenerate new revisions.

`upgrade(engine)` needs no alembic.ini and no particular working directory. Every table is created by a
revision; a test checks that migrating to head gives exactly the metadata of every `tables_*` module.

    python -m accord.store.migrate revision -m "add x" [--rev-id 0002]

autogenerates a revision: it migrates an empty scratch SQLite database to head and compares it with the
metadata of every `tables_*` module.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

import accord.store as store_package
from accord.store.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def import_all_tables() -> None:
    """Import every area's `tables_*` module so that their tables join the shared metadata."""
    for module in pkgutil.iter_modules(store_package.__path__):
        if module.name.startswith("tables_"):
            importlib.import_module(f"accord.store.{module.name}")


# Alembic is imported where it is used: it costs ~0.15 s, which every CLI command would pay at start-up.


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Create or migrate every table of every area (idempotent)."""
    from alembic import command

    import_all_tables()
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def _format_with_ruff(config: Config) -> None:
    """Generated revisions are formatted and lint-fixed like the rest of the code."""
    ruff = str(Path(sys.executable).parent / "ruff")
    config.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
    for name, options in (("ruff_format", "format"), ("ruff_fix", "check --fix")):
        config.set_section_option("post_write_hooks", f"{name}.type", "exec")
        config.set_section_option("post_write_hooks", f"{name}.executable", ruff)
        config.set_section_option("post_write_hooks", f"{name}.options", f"{options} REVISION_SCRIPT_FILENAME")


def revision(message: str, rev_id: str | None = None) -> None:
    from alembic import command

    import_all_tables()
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            with engine.begin() as connection:
                config = alembic_config(connection)
                _format_with_ruff(config)
                command.upgrade(config, "head")
                command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m accord.store.migrate")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("revision", help="autogenerate a revision from the tables' metadata")
    new.add_argument("-m", "--message", required=True)
    new.add_argument("--rev-id", default=None)
    args = parser.parse_args(argv)
    revision(args.message, args.rev_id)


if __name__ == "__main__":
    main()

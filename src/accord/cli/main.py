"""The `accord` command: one Typer app; each area registers its commands from its own module."""

from __future__ import annotations

import typer

from accord.cli import billing, bulk, decide, demo, ledger, movements, store, world

app = typer.Typer(
    name="accord",
    help=(
        "Accord manages removals under agreements with due process as a hard constraint: world files, "
        "decisions with reasons and citations, movements, a co-signed custody ledger and fees.\n\n"
        "The database is chosen by ACCORD_DATABASE_URL (default sqlite:///./accord.db)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for area in (world, store, decide, bulk, ledger, billing, movements, demo):
    area.register(app)


def main() -> None:
    app()

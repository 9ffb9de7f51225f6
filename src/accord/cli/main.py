"""The `accord` command: one Typer app; each area registers its commands from its own module."""

from __future__ import annotations

import typer

from accord.cli import audit, billing, bulk, decide, decisions, demo, ledger, movements, reports, store, witness, world

app = typer.Typer(
    name="accord",
    help=(
        "Accord manages removals under agreements with due process as a hard constraint: world files, "
        "decisions with reasons and citations, movements, a co-signed custody ledger and fees.\n\n"
        "The database is chosen by ACCORD_DATABASE_URL (default sqlite:///./accord.db)."
    ),
    epilog=(
        "**Start here:** `accord world check examples/us-slv-2025.yaml`, then "
        "`accord decide examples/us-slv-2025.yaml --as-of 2025-03-15T19:30:00-04:00 --format table` "
        "(who could lawfully be moved that evening, and why not), "
        "`accord explain examples/us-slv-2025.yaml --person P001 --as-of 2025-03-15T19:30:00-04:00`, "
        "and `accord demo` for the whole evening on a database."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)

for area in (world, store, decide, decisions, bulk, ledger, witness, billing, movements, audit, reports, demo):
    area.register(app)


def main() -> None:
    app()

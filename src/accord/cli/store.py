"""`accord import`, `accord export`, `accord import-persons` and `accord db upgrade`: the world in the
database chosen by ACCORD_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from accord.cli.common import (
    FORCE,
    check_outputs,
    clock_skew,
    console,
    database_url,
    err_console,
    fail,
    fail_located,
    parse_instant,
    system_clock,
    user_errors,
)
from accord.files import write_file
from accord.services import world_import
from accord.store import (
    CsvInvalid,
    ImportReport,
    NothingStored,
    load_document,
    upgrade,
)
from accord.store.engine import make_engine
from accord.store.persons_csv import default_quarantine
from accord.world import dump_document

EXIT_QUARANTINED = 1  # some rows stored, some quarantined: a script must notice
SHOWN_REJECTIONS = 20  # invalid rows listed on stderr; all of them are in the quarantine file

db_app = typer.Typer(help="The database itself (ACCORD_DATABASE_URL, default sqlite:///./accord.db).")


@contextmanager
def _store() -> Iterator[Engine]:
    """The configured database, migrated to the current schema; an unreachable one is a clean error."""
    url = database_url()
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    except OperationalError as exc:
        fail(f"database {engine.url.render_as_string(hide_password=True)}: {exc.orig or exc}", code=1)
    finally:
        engine.dispose()


def import_world(file: Path = typer.Argument(..., help="An accord.world/1 file.")) -> None:
    """Validate FILE and store it in one transaction. Re-importing an unchanged record stores nothing;
    a changed one is stored as a new version that supersedes the old (court orders and agreement
    versions excepted: they are never replaced).

    Each record keeps the `recorded_at` the file gives it, or none (then it is known for every
    --known-at, exactly as when the file itself is decided); the import's own instant, from the system
    clock, is kept for the audit trail. A `recorded_at` later than now is refused."""
    # Persons are written as they are read (a world of any size in little memory); any error, located as
    # FILE:LINE, rolls the whole import back.
    with _store() as engine, user_errors(), engine.begin() as connection:
        report = world_import.import_world_file(connection, system_clock(), file, str(file), clock_skew())
    _print_report(f"imported {file}", report)


def export_world(
    file: Path = typer.Argument(..., help="Where to write the accord.world/1 file; '-' for stdout."),
    known_at: str | None = typer.Option(None, "--known-at", help="Export the world as known at this instant."),
    force: bool = FORCE,
) -> None:
    """Write the stored world (its current versions, or as known at --known-at) as an accord.world/1 file."""
    instant = parse_instant(known_at, "--known-at") if known_at else None
    if str(file) != "-":
        check_outputs(file, force=force)
    with _store() as engine, engine.connect() as connection:
        try:
            document = load_document(connection, instant)
        except NothingStored as exc:
            fail(f"{exc} (run `accord import FILE` first)")
    text = dump_document(document)
    if str(file) == "-":
        typer.echo(text, nl=False)
        return
    with user_errors():
        write_file(file, text, overwrite=force)
    world = document.world
    console.print(
        f"[green]exported[/green] {file}: {len(world.persons)} persons, "
        f"{len(world.agreements)} agreements, {len(world.court_orders)} court orders"
    )


def import_persons(
    file: Path = typer.Argument(..., help="A CSV of people, one row per person (docs/storage.md)."),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Where invalid rows go (default: FILE's name with .quarantine.csv)."
    ),
    all_or_nothing: bool = typer.Option(
        False, "--all-or-nothing", help="Store nothing if any row is invalid; list every invalid row (exit 2)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the quarantine file if it exists."),
) -> None:
    """Store every valid row of FILE in one transaction; write each invalid row, with its line and reason,
    to the quarantine file.

    Exit status: 0 when every row was stored; 1 when some rows were quarantined (the valid ones are
    stored; the first invalid rows are listed on stderr as FILE:LINE: field: message); 2 when nothing was
    stored (an unusable header, any invalid row with --all-or-nothing, or a quarantine file that exists
    without --force: the rows are then not stored either)."""
    check_outputs(quarantine or default_quarantine(file), force=True)  # never the database or the keyring
    with _store() as engine, user_errors(), engine.begin() as connection:
        try:
            result = world_import.import_persons(
                connection,
                system_clock(),
                file,
                quarantine=quarantine,
                all_or_nothing=all_or_nothing,
                overwrite_quarantine=force,
                skew=clock_skew(),
            )
        except CsvInvalid as exc:
            fail_located(exc.errors)
    _print_report(f"imported {file}", result.writes)
    console.print(
        f"{result.stored} rows stored, {result.quarantined} rows quarantined"
        + (f" in {result.quarantine_path}" if result.quarantine_path else "")
    )
    if result.rejections:
        shown = result.rejections[:SHOWN_REJECTIONS]
        more = len(result.rejections) - len(shown)
        for error in shown:
            err_console.print(str(error), markup=False)
        if more:
            err_console.print(f"... and {more} more in {result.quarantine_path}", markup=False)
        raise typer.Exit(EXIT_QUARANTINED)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate every table to the current schema (Alembic upgrade head)."""
    with _store() as engine:
        console.print(f"[green]up to date[/green] {engine.url.render_as_string(hide_password=True)}")


def _print_report(title: str, report: ImportReport) -> None:
    if not report.changed:
        console.print(f"{title}: nothing changed (every record was already stored)")
        return
    table = Table(title=title)
    for column in ("table", "added", "superseded", "unchanged", "retracted"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, tally in report.tables.items():
        if tally.added or tally.superseded or tally.unchanged or tally.retracted:
            table.add_row(name, str(tally.added), str(tally.superseded), str(tally.unchanged), str(tally.retracted))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `accord` app."""
    app.command("import")(import_world)
    app.command("export")(export_world)
    app.command("import-persons")(import_persons)
    app.add_typer(db_app, name="db")

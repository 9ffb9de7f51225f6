"""Fees: `accord bill` (stateless preview), `accord invoice issue|adjust|show|csv|pdf` (frozen documents in
the database) and `accord reconcile` (the receiving party's roster against Accord's custody record)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import typer
from sqlalchemy import Connection

from accord.billing.csvinput import CsvInvalid, read_flights, read_roster
from accord.billing.documents import (
    document_csv,
    invoice_set_csv,
    invoice_set_table,
    reconciliation_csv,
    reconciliation_table,
)
from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost, periods_from_world
from accord.billing.invoice import format_minor
from accord.billing.issued import IssuedDocument
from accord.billing.issuing import Facts, adjust, issue
from accord.billing.months import Month
from accord.billing.preview import bill as bill_world
from accord.billing.preview import bill_periods, find_agreement
from accord.billing.reconcile import reconcile
from accord.billing.repository import find_document
from accord.cli.common import FORCE, UserError, check_outputs, console, database_url, fail, fail_located, user_errors
from accord.domain.world import World
from accord.files import write_file
from accord.services.custody import billing_periods
from accord.services.flight_costs import billing_flights
from accord.store import NothingStored, UnitOfWork, load_world, upgrade
from accord.world import load_world_file

T = TypeVar("T")

invoice_app = typer.Typer(help="Issue, correct and print frozen monthly invoices (stored in the database).")


class Format(StrEnum):
    json = "json"
    table = "table"
    csv = "csv"


class Shown(StrEnum):
    """How an issued document is printed on the terminal."""

    json = "json"
    table = "table"


AGREEMENT = typer.Option(..., "--agreement", help="The agreement's id.")
MONTH = typer.Option(..., "--month", help="The month, YYYY-MM.")
WORLD = typer.Option(None, "--world", help="Read the facts from this world file instead of the database.")
FLIGHTS = typer.Option(
    None,
    "--flights",
    help="CSV of flights to charge (flight,date,hours) that Accord did not fly; flights on record are charged anyway.",
)


@contextmanager
def _billing_errors() -> Iterator[None]:
    """Every refusal of the billing core is a clean exit 2 with nothing stored (the transaction rolls back
    because the error leaves the unit of work's block)."""
    with user_errors():
        try:
            yield
        except BillingError as exc:
            raise UserError(str(exc)) from exc
        except CsvInvalid as exc:
            fail_located(exc.errors)
        except NothingStored as exc:
            raise UserError(f"the database at {database_url()} holds no world: run `accord import` first") from exc


def _read_source(
    source: str, agreement: str, flights: Path | None
) -> tuple[World, tuple[CustodyPeriod, ...] | None, tuple[FlightCost, ...]]:
    """WORLD (a world file: its custody records, and the flights listed in --flights) or DB (`db` or a
    database URL: the custody ledger's periods when it holds the agreement's handovers, else the stored
    custody records; the flights flown under the agreement, plus those listed)."""
    if Path(source).is_file():
        return load_world_file(source).world, None, _flights(flights)
    if source == "db" or "://" in source:
        with UnitOfWork(database_url() if source == "db" else source) as uow:
            world = load_world(uow.connection)
            periods = billing_periods(uow.connection, world, agreement)
            return world, periods, billing_flights(uow.connection, world, agreement, _flights(flights))
    raise UserError(f"{source!r} is neither a world file nor a database URL (or `db`)")


def _flights(path: Path | None) -> tuple[FlightCost, ...]:
    return () if path is None else tuple(read_flights(path))


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def bill(
    source: str = typer.Argument(..., metavar="WORLD|DB", help="A world file, `db`, or a database URL."),
    agreement: str = AGREEMENT,
    first: str = typer.Option(..., "--from", help="First month, YYYY-MM."),
    last: str = typer.Option(..., "--to", help="Last month, YYYY-MM (included)."),
    output: Format = typer.Option(
        Format.json, "--format", help="json (docs/spec/world-format.md invoice JSON), table, csv."
    ),
    flights: Path | None = FLIGHTS,
) -> None:
    """Preview the monthly invoices of an agreement over a range of months; stores nothing."""
    with _billing_errors():
        world, periods, charged = _read_source(source, agreement, flights)
        if periods is None:
            result = bill_world(world, agreement, first, last, charged)
        else:
            result = bill_periods(world, agreement, periods, first, last, charged)
    if output is Format.json:
        _print_json(result.to_json())
    elif output is Format.csv:
        typer.echo(invoice_set_csv(result), nl=False)
    else:
        console.print(invoice_set_table(result))


def _facts(uow: UnitOfWork, world_file: Path | None, flights: Path | None, agreement: str) -> Facts:
    """The facts an invoice is issued from: a world file's custody records, or the database's custody
    (the ledger's periods when it holds the agreement's handovers, else the stored custody records) and
    the flights flown under the agreement; flights listed in --flights are added in both cases."""
    if world_file is not None:
        return Facts(load_world_file(world_file).world, flights=_flights(flights))
    world = load_world(uow.connection)
    periods = billing_periods(uow.connection, world, agreement)
    return Facts(world, periods=periods, flights=billing_flights(uow.connection, world, agreement, _flights(flights)))


def _summary(document: IssuedDocument, verb: str) -> None:
    total = f"{format_minor(document.total, document.currency)} {document.currency}"
    console.print(
        f"{verb} {document.number}: {document.agreement} {document.month}, {len(document.lines)} lines, "
        f"total {total}, payer {document.payer}\n  rule {document.rule_version}, versions "
        f"{', '.join(document.agreement_versions) or 'none'}\n  {document.lines_hash}",
        markup=False,
        highlight=False,
    )


def _freeze(
    agreement: str, world: Path | None, flights: Path | None, write: Callable[[Connection, Facts, datetime], T]
) -> T:
    """Run one freezing write (issue or adjust) on today's facts in one transaction; a refusal stores
    nothing (the transaction rolls back when the error leaves the block)."""
    with _billing_errors(), UnitOfWork(database_url()) as uow:
        upgrade(uow.engine)
        result = write(uow.connection, _facts(uow, world, flights, agreement), datetime.now(UTC))
        uow.commit()
    return result


@invoice_app.command("issue")
def issue_command(
    agreement: str = AGREEMENT,
    month: str = MONTH,
    world: Path | None = WORLD,
    flights: Path | None = FLIGHTS,
    output: Shown = typer.Option(Shown.table, "--format", help="table or json."),
) -> None:
    """Freeze the month's invoice with its number, versions and the hash of its lines."""
    result = _freeze(
        agreement, world, flights, lambda conn, facts, now: issue(conn, facts, agreement, Month.parse(month), now)
    )
    if output is Shown.json:
        _print_json(result.document.to_json())
    else:
        _summary(result.document, "issued" if result.created else "already issued (unchanged facts)")


@invoice_app.command("adjust")
def adjust_command(
    agreement: str = AGREEMENT,
    month: str = MONTH,
    reason: str = typer.Option(..., "--reason", help="Why the month changed (shown on the note)."),
    world: Path | None = WORLD,
    flights: Path | None = FLIGHTS,
    output: Shown = typer.Option(Shown.table, "--format", help="table or json."),
) -> None:
    """Issue the credit or debit note that brings an issued month to today's facts."""
    document = _freeze(
        agreement,
        world,
        flights,
        lambda conn, facts, now: adjust(conn, facts, agreement, Month.parse(month), reason, now),
    )
    if document is None:
        console.print(f"nothing to adjust: {agreement} {month} as issued matches today's facts", markup=False)
    elif output is Shown.json:
        _print_json(document.to_json())
    else:
        _summary(document, "issued")


def _stored(number: str) -> IssuedDocument:
    with _billing_errors(), UnitOfWork(database_url()) as uow:
        upgrade(uow.engine)
        document = find_document(uow.connection, number)
    if document is None:
        fail(f"no invoice or note numbered {number!r}")
    if not document.verifies():
        fail(f"{number}: its lines no longer match the hash frozen at issue ({document.lines_hash})", code=1)
    return document


@invoice_app.command("show")
def show_command(
    number: str = typer.Argument(..., help="The document number (INV-..., CN-..., DN-...)."),
    output: Shown = typer.Option(Shown.json, "--format", help="json or table."),
) -> None:
    """Print an issued invoice or note, after checking its lines against the frozen hash."""
    document = _stored(number)
    if output is Shown.json:
        _print_json(document.to_json())
    else:
        _summary(document, "verified")


@invoice_app.command("csv")
def csv_command(
    number: str = typer.Argument(..., help="The document number."),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
    force: bool = FORCE,
) -> None:
    """An issued invoice or note as CSV, one row per line (cells a spreadsheet would run as formulas are
    neutralised)."""
    if out is not None:
        check_outputs(out, force=force)
    text = document_csv(_stored(number))
    if out is None:
        typer.echo(text, nl=False)
    else:
        with user_errors():
            write_file(out, text, overwrite=force)


@invoice_app.command("pdf")
def pdf_command(
    number: str = typer.Argument(..., help="The document number."),
    out: Path = typer.Option(..., "--out", help="The PDF file to write."),
    force: bool = FORCE,
) -> None:
    """An issued invoice or note as a PDF for the finance offices."""
    from accord.billing.pdf import document_pdf  # fpdf2 is slow to import: only this command pays for it

    check_outputs(out, force=force)
    with user_errors():
        write_file(out, document_pdf(_stored(number)), overwrite=force)
    console.print(f"wrote {out}", markup=False)


def reconcile_command(
    agreement: str = AGREEMENT,
    month: str = MONTH,
    roster: Path = typer.Option(..., "--roster", help="The receiving party's CSV: person,intake,release."),
    world: Path | None = WORLD,
    output: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    """List every difference between a roster and Accord's custody record, with the money at stake."""
    with _billing_errors():
        facts, periods, _ = _read_source(str(world) if world is not None else "db", agreement, None)
        find_agreement(facts, agreement)
        theirs = read_roster(roster, agreement)
        ours = periods if periods is not None else tuple(periods_from_world(facts, agreement))
        result = reconcile(facts, agreement, Month.parse(month), ours, theirs)
    if output is Format.json:
        _print_json(result.to_json())
    elif output is Format.csv:
        typer.echo(reconciliation_csv(result), nl=False)
    else:
        console.print(reconciliation_table(result))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `accord` app."""
    app.command("bill")(bill)
    app.command("reconcile")(reconcile_command)
    app.add_typer(invoice_app, name="invoice")

"""Invoice documents: CSV for finance systems and a terminal table (the PDF is `accord.billing.pdf`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from rich.table import Table

from accord.billing.invoice import Invoice, InvoiceSet, Line, exact_text, flight_time, format_minor, to_minor
from accord.billing.issued import IssuedDocument
from accord.billing.reconcile import Reconciliation
from accord.files import safe_cell

CSV_COLUMNS = (
    "number", "month", "kind", "person", "flight", "date", "hours", "unit_rate", "days", "rate_version", "amount",
    "currency", "note",
)  # fmt: skip


def describe(line: Line) -> str:
    """A line as a person reads it."""
    if line.kind == "custody":
        return f"Custody of detainee {line.person}"
    if line.kind == "flight":
        return f"Flight {line.flight} on {line.day}"
    return f"Lump sum under agreement version {line.rate_version}"


def quantity(line: Line) -> str:
    """How much a line charges for: days held, flight time, or one lump sum."""
    if line.hours is not None:
        return flight_time(line.hours)
    if line.days is not None:
        return f"{line.days} days"
    return "1" if line.kind == "lump_sum" else ""


def unit_rate(line: Line, currency: str) -> str:
    """The price of one unit, for a line charged as quantity times a rate (a flight: per flight hour).
    Custody is prorated by the agreement's convention (docs/spec/rules.md §6), so it has none here."""
    if line.unit_rate is None:
        return ""
    return f"{format_minor(to_minor(line.unit_rate, currency), currency)} per h"


def invoice_set_csv(invoices: InvoiceSet) -> str:
    rows = (row for i in invoices.invoices for row in _csv_rows("", i, invoices.currency))
    return _csv(rows)


def document_csv(document: IssuedDocument) -> str:
    invoice = Invoice(document.month, document.lines)
    return _csv(_csv_rows(document.number, invoice, document.currency))


def _csv_rows(number: str, invoice: Invoice, currency: str) -> Iterator[list[str]]:
    for line in invoice.lines:
        yield [
            number,
            str(invoice.month),
            line.kind,
            line.person or "",
            line.flight or "",
            "" if line.day is None else line.day.isoformat(),
            "" if line.hours is None else exact_text(line.hours),
            "" if line.unit_rate is None else exact_text(line.unit_rate),
            "" if line.days is None else str(line.days),
            " ".join(line.rate_versions),
            format_minor(line.amount, currency),
            currency,
            line.note or "",
        ]


def _csv(rows: Iterable[list[str]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    """Every CSV billing writes: cells a spreadsheet would run as a formula are neutralised (`safe_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def invoice_set_table(invoices: InvoiceSet) -> Table:
    money = invoices.currency
    table = Table(title=f"{invoices.agreement}: {invoices.payee} invoices {invoices.payer} ({money})")
    for column in ("month", "line", "quantity", "unit rate", "rate version", "amount"):
        table.add_column(column, justify="right" if column in {"quantity", "unit rate", "amount"} else "left")
    for invoice in invoices.invoices:
        for line in invoice.lines:
            rate = unit_rate(line, money)
            amount = format_minor(line.amount, money)
            table.add_row(
                str(invoice.month), describe(line), quantity(line), rate, " ".join(line.rate_versions), amount
            )
        total = format_minor(invoice.total, money)
        table.add_row(str(invoice.month), "[bold]month total[/bold]", "", "", "", total)
    table.add_row("", "[bold]total[/bold]", "", "", "", format_minor(invoices.total, money))
    return table


RECONCILE_COLUMNS = ("person", "kind", "accord", "roster", "accord_amount", "roster_amount", "at_stake")


def reconciliation_csv(result: Reconciliation) -> str:
    return _csv(_reconciliation_rows(result), RECONCILE_COLUMNS)


def reconciliation_table(result: Reconciliation) -> Table:
    money = result.currency
    table = Table(
        title=f"{result.agreement} {result.month}: Accord {format_minor(result.accord_total, money)} vs roster "
        f"{format_minor(result.roster_total, money)} {money}; {len(result.discrepancies)} discrepancies"
    )
    for column in RECONCILE_COLUMNS:
        table.add_column(column, justify="right" if column.endswith(("amount", "stake")) else "left")
    for row in _reconciliation_rows(result):
        table.add_row(*row)
    return table


def _reconciliation_rows(result: Reconciliation) -> list[list[str]]:
    def spans(periods: list[dict[str, str | None]]) -> str:
        return "; ".join(f"{p['intake']}..{p['release'] or ''}" for p in periods)

    return [
        [
            d["person"],
            d["kind"],
            spans(d["accord"]),
            spans(d["roster"]),
            d["accord_amount"],
            d["roster_amount"],
            d["at_stake"],
        ]
        for d in result.to_json()["discrepancies"]
    ]

"""Invoice documents: CSV for finance systems, a terminal table, and the PDF a finance office files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import pycountry
from fpdf import FPDF
from rich.table import Table

from accord.billing.invoice import Invoice, InvoiceSet, Line, format_minor
from accord.billing.issued import IssuedDocument
from accord.billing.reconcile import Reconciliation

CSV_COLUMNS = (
    "number", "month", "kind", "person", "flight", "date", "hours", "days", "rate_version", "amount", "currency",
    "note",
)  # fmt: skip

_TITLES = {"invoice": "INVOICE", "credit_note": "CREDIT NOTE", "debit_note": "DEBIT NOTE"}


def describe(line: Line) -> str:
    """A line as a person reads it."""
    if line.kind == "custody":
        return f"Custody of detainee {line.person}"
    if line.kind == "flight":
        return f"Flight {line.flight} on {line.day}, {line.hours} flight hours"
    return f"Lump sum under agreement version {line.rate_version}"


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
            "" if line.hours is None else str(line.hours),
            "" if line.days is None else str(line.days),
            " ".join(line.rate_versions),
            format_minor(line.amount, currency),
            currency,
            line.note or "",
        ]


def _csv(rows: Iterable[list[str]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def invoice_set_table(invoices: InvoiceSet) -> Table:
    money = invoices.currency
    table = Table(title=f"{invoices.agreement}: {invoices.payee} invoices {invoices.payer} ({money})")
    for column in ("month", "line", "days", "rate version", "amount"):
        table.add_column(column, justify="right" if column in {"days", "amount"} else "left")
    for invoice in invoices.invoices:
        for line in invoice.lines:
            days = "" if line.days is None else str(line.days)
            amount = format_minor(line.amount, money)
            table.add_row(str(invoice.month), describe(line), days, " ".join(line.rate_versions), amount)
        table.add_row(str(invoice.month), "[bold]month total[/bold]", "", "", format_minor(invoice.total, money))
    table.add_row("", "[bold]total[/bold]", "", "", format_minor(invoices.total, money))
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


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return f"{country.name} ({code})" if country is not None else code


class _InvoicePdf(FPDF):
    """A4 pages whose footer repeats the number, the page and the verification hash on every page."""

    def __init__(self, document: IssuedDocument) -> None:
        super().__init__(format="A4")
        self.document = document
        self.set_auto_page_break(auto=True, margin=22)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font("Helvetica", size=7)
        self.set_text_color(90)
        text = f"{self.document.number}  -  page {self.page_no()} of {{nb}}  -  verification {self.document.lines_hash}"
        self.cell(0, 5, _latin1(text), align="C")
        self.set_text_color(0)


def document_pdf(document: IssuedDocument) -> bytes:
    """The invoice or note as a PDF: parties, period, lines, totals, versions, the hash and a footer."""
    pdf = _InvoicePdf(document)
    pdf.add_page()
    _heading(pdf, document)
    _parties(pdf, document)
    _lines_table(pdf, document)
    _closing(pdf, document)
    return bytes(pdf.output())


def _heading(pdf: FPDF, document: IssuedDocument) -> None:
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _TITLES[document.kind], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    month = document.month
    facts = [
        ("Number", document.number),
        ("Issued", document.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Agreement", document.agreement),
        ("Period", f"{month.first_day} to {month.first_day.replace(day=month.days)} ({month})"),
    ]
    if document.references:
        facts.append(("Corrects", document.references))
    if document.reason:
        facts.append(("Reason", document.reason))
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(30, 6, label)
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 6, _latin1(value), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _parties(pdf: FPDF, document: IssuedDocument) -> None:
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(95, 6, "From (receiving state)")
    pdf.cell(0, 6, "Bill to (funder)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(95, 6, _latin1(country_name(document.payee)))
    pdf.cell(0, 6, _latin1(country_name(document.payer)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _lines_table(pdf: FPDF, document: IssuedDocument) -> None:
    widths = (10, 88, 16, 36, 40)
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(
        widths, ("#", "Description", "Days", "Rate version", f"Amount ({document.currency})"), strict=True
    ):
        pdf.cell(width, 7, title, border="B", align="R" if title.startswith(("Days", "Amount")) else "L")
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for position, line in enumerate(document.lines, start=1):
        cells = (
            str(position),
            describe(line),
            "" if line.days is None else str(line.days),
            ", ".join(line.rate_versions),
            format_minor(line.amount, document.currency),
        )
        for width, value, align in zip(widths, cells, "LLRLR", strict=True):
            pdf.cell(width, 6, _latin1(_fit(pdf, value, width)), align=align)
        pdf.ln()
    if not document.lines:
        pdf.cell(0, 6, "No billable custody, lump sum or flight in this period.", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(sum(widths[:-1]), 8, "Total", border="T")
    pdf.cell(
        widths[-1],
        8,
        f"{format_minor(document.total, document.currency)} {document.currency}",
        border="T",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _closing(pdf: FPDF, document: IssuedDocument) -> None:
    pdf.ln(6)
    pdf.set_font("Helvetica", size=9)
    notes = [f"Line {n}: {line.note}" for n, line in enumerate(document.lines, start=1) if line.note]
    notes += [
        f"Agreement version(s): {', '.join(document.agreement_versions) or 'none'}",
        f"Rule version: {document.rule_version} (fee conventions of RULES.md section 6)",
        f"Verification hash of the lines (SHA-256 of RFC 8785 JSON): {document.lines_hash}",
        "This document is frozen at issue; corrections are made by credit or debit notes that reference it.",
    ]
    for text in notes:
        pdf.multi_cell(0, 5, _latin1(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten a cell's text with an ellipsis so columns never overlap."""
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _latin1(text: str) -> str:
    """The PDF's core fonts cover Latin-1 only; anything else is shown as '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")

"""The PDF of an issued invoice or note, the document a finance office files.

Kept apart from `documents` because fpdf2 costs ~0.2 s to import: only `accord invoice pdf` pays it."""

from __future__ import annotations

import pycountry
from fpdf import FPDF

from accord.billing.documents import describe, quantity, unit_rate
from accord.billing.invoice import format_minor
from accord.billing.issued import IssuedDocument

_TITLES = {"invoice": "INVOICE", "credit_note": "CREDIT NOTE", "debit_note": "DEBIT NOTE"}


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
    widths = (8, 62, 28, 30, 28, 34)
    titles = ("#", "Description", "Quantity", "Unit rate", "Rate version", f"Amount ({document.currency})")
    pdf.set_font("Helvetica", "B", 9)
    for width, title, align in zip(widths, titles, "LLRRLR", strict=True):
        pdf.cell(width, 7, title, border="B", align=align)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for position, line in enumerate(document.lines, start=1):
        cells = (
            str(position),
            describe(line),
            quantity(line),
            unit_rate(line, document.currency),
            ", ".join(line.rate_versions),
            format_minor(line.amount, document.currency),
        )
        for width, value, align in zip(widths, cells, "LLRRLR", strict=True):
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
        f"Rule version: {document.rule_version} (fee conventions of docs/spec/rules.md section 6)",
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

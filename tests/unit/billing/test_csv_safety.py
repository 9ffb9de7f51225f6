"""Billing's CSV outputs never carry a live spreadsheet formula, even for data stored before ids were
checked at input (issue 12): the cell is neutralised, and a negative amount stays a number."""

from __future__ import annotations

import csv
import io
from datetime import date

from accord.billing.documents import CSV_COLUMNS, invoice_set_csv, reconciliation_csv
from accord.billing.invoice import Invoice, InvoiceSet, Line
from accord.billing.months import Month
from accord.billing.reconcile import Discrepancy, Reconciliation

JULY = Month(2025, 7)


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[1:]


def test_invoice_csv_neutralises_formula_cells() -> None:
    lines = (
        Line("custody", 87671, ("2025-03-14",), person='=HYPERLINK("http://x","y")', days=16),
        Line("flight", -1250, ("2025-03-14",), flight="@SUM(A1)", day=date(2025, 7, 18), note="+1+1"),
    )
    rows = cells(invoice_set_csv(InvoiceSet("A", "USD", "USA", "SLV", (Invoice(JULY, lines),))))
    assert rows[0][3] == '\'=HYPERLINK("http://x","y")'
    column = {name: index for index, name in enumerate(CSV_COLUMNS)}
    flight = rows[1]
    assert flight[column["flight"]] == "'@SUM(A1)" and flight[column["note"]] == "'+1+1"
    assert flight[column["amount"]] == "-12.50"


def test_reconciliation_csv_neutralises_formula_cells() -> None:
    found = Discrepancy("-cmd|' /C calc'!A0", "only_roster", (), ((date(2025, 7, 1), None),), 0, 100)
    rows = cells(reconciliation_csv(Reconciliation("A", JULY, "USD", 0, 100, (found,))))
    assert rows[0][0] == "'-cmd|' /C calc'!A0" and rows[0][-1] == "1.00"

"""Fees (docs/spec/rules.md §6): accrual from custody periods, monthly invoices, frozen documents with credit and
debit notes, flight-cost lines and reconciliation between the parties' records. See docs/billing.md.

The pure core (everything but `issuing` and `repository`) runs on plain values, so the scenario runner and
the offline verifier need no database."""

from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost, periods_from_world
from accord.billing.invoice import Invoice, InvoiceSet, Line
from accord.billing.months import Month
from accord.billing.preview import bill, bill_periods

__all__ = [
    "BillingError",
    "CustodyPeriod",
    "FlightCost",
    "Invoice",
    "InvoiceSet",
    "Line",
    "Month",
    "bill",
    "bill_periods",
    "periods_from_world",
]

"""Use cases that store: issue a month's invoice, and correct an issued month with a credit or debit note.

Both take the facts (a world, optionally custody periods from another source, flights) and the instant of
issue as arguments (no clock is read here), and run inside the caller's transaction: an error raised here
leaves nothing stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost, periods_from_world
from accord.billing.invoice import Invoice, lines_hash
from accord.billing.issued import RULE_VERSION, DocumentKind, IssuedDocument, document_number
from accord.billing.months import Month
from accord.billing.notes import billed_so_far, note_lines
from accord.billing.preview import bill_periods, schedule_for
from accord.billing.repository import documents_for, insert_document
from accord.domain.world import World


@dataclass(frozen=True, slots=True)
class Facts:
    """What a month is billed from: the world (agreements, rates), custody periods (default: the world's
    custody records) and flights."""

    world: World
    periods: tuple[CustodyPeriod, ...] | None = None
    flights: tuple[FlightCost, ...] = ()

    def invoice(self, agreement_id: str, month: Month) -> tuple[str, str, str, Invoice]:
        """(currency, payer, payee, the month's fresh invoice)."""
        periods = self.periods if self.periods is not None else periods_from_world(self.world, agreement_id)
        result = bill_periods(self.world, agreement_id, periods, str(month), str(month), self.flights)
        return result.currency, result.payer, result.payee, result.invoices[0]


@dataclass(frozen=True, slots=True)
class IssueResult:
    document: IssuedDocument
    created: bool  # False: the month was already issued on the same facts (a replay)


def issue(conn: Connection, facts: Facts, agreement_id: str, month: Month, issued_at: datetime) -> IssueResult:
    """Freeze the month's invoice. Issuing again on unchanged facts returns the first invoice; on changed
    facts it is refused (an issued invoice is never edited: adjust it)."""
    currency, payer, payee, invoice = facts.invoice(agreement_id, month)
    existing = documents_for(conn, agreement_id, month)
    if existing:
        if note_lines(billed_so_far(d.lines for d in existing), invoice.lines):
            raise BillingError(
                f"{month} of {agreement_id} is already issued as {existing[0].number} and the facts have "
                "changed since: issue a note with `accord invoice adjust`"
            )
        return IssueResult(existing[0], created=False)
    document = IssuedDocument(
        number=document_number("invoice", agreement_id, month, 0),
        kind="invoice",
        agreement=agreement_id,
        month=month,
        sequence=0,
        currency=currency,
        payer=payer,
        payee=payee,
        agreement_versions=invoice.versions or _version_at_close(facts.world, agreement_id, month),
        rule_version=RULE_VERSION,
        lines=invoice.lines,
        lines_hash=lines_hash(agreement_id, month, currency, invoice.lines),
        issued_at=issued_at,
    )
    insert_document(conn, document)
    return IssueResult(document, created=True)


def adjust(
    conn: Connection, facts: Facts, agreement_id: str, month: Month, reason: str, issued_at: datetime
) -> IssuedDocument | None:
    """Issue the note that brings an issued month to what today's facts bill; None when they bill the
    same. `reason` says why the month changed (a release recorded late, a correction, an amendment)."""
    if not reason.strip():
        raise BillingError("a credit or debit note must say why (--reason)")
    existing = documents_for(conn, agreement_id, month)
    if not existing:
        raise BillingError(f"{month} of {agreement_id} has not been issued: issue it with `accord invoice issue`")
    original = existing[0]
    currency, _, _, invoice = facts.invoice(agreement_id, month)
    if currency != original.currency:
        raise BillingError(
            f"currency mismatch: {original.number} is in {original.currency}, the facts now bill {currency}"
        )
    lines = note_lines(billed_so_far(d.lines for d in existing), invoice.lines)
    if not lines:
        return None
    kind: DocumentKind = "credit_note" if sum(line.amount for line in lines) < 0 else "debit_note"
    sequence = len(existing)
    document = IssuedDocument(
        number=document_number(kind, agreement_id, month, sequence),
        kind=kind,
        agreement=agreement_id,
        month=month,
        sequence=sequence,
        currency=currency,
        payer=original.payer,
        payee=original.payee,
        agreement_versions=Invoice(month, lines).versions,
        rule_version=RULE_VERSION,
        lines=lines,
        lines_hash=lines_hash(agreement_id, month, currency, lines),
        issued_at=issued_at,
        references=original.number,
        reason=reason.strip(),
    )
    insert_document(conn, document)
    return document


def _version_at_close(world: World, agreement_id: str, month: Month) -> tuple[str, ...]:
    """An invoice with no lines still names the version in force on the month's last day."""
    last_day: date = month.end - timedelta(days=1)
    rate = schedule_for(world, agreement_id).rating(last_day)
    return (rate.version,) if rate is not None else ()

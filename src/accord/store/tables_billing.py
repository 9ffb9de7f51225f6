"""Billing tables: issued invoices and notes (append-only) and their lines.

Amounts are integer minor units of the document's currency: nothing is stored as a float, and SQLite has
no exact decimal type."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from accord.store.schema import metadata
from accord.store.types import Id, UtcDateTime

billing_documents = Table(
    "billing_documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(80), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("agreement", String(200), nullable=False),
    Column("month", String(7), nullable=False),
    # 0 for the invoice, 1, 2, ... for the notes that correct it: one writer wins a race for a number.
    Column("sequence", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payer", String(3), nullable=False),
    Column("payee", String(3), nullable=False),
    Column("agreement_versions", Text, nullable=False),  # JSON list of version keys
    Column("rule_version", String(40), nullable=False),
    Column("lines_hash", String(80), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("references_number", String(80), nullable=True),
    Column("reason", Text, nullable=True),
    Column("issued_at", UtcDateTime, nullable=False),
    UniqueConstraint("agreement", "month", "sequence"),
    CheckConstraint("kind IN ('invoice', 'credit_note', 'debit_note')", name="kind"),
)

billing_lines = Table(
    "billing_lines",
    metadata,
    Column("document_id", Id, ForeignKey("billing_documents.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("person", String(200), nullable=True),
    Column("days", Integer, nullable=True),
    Column("flight", String(200), nullable=True),
    Column("flight_date", Date, nullable=True),
    Column("hours", String(40), nullable=True),  # exact: decimal text, or p/q (billing.invoice.exact_text)
    Column("unit_rate", String(40), nullable=True),  # a flight line's price of one hour, exact likewise
    Column("rate_versions", Text, nullable=False),  # JSON list of version keys
    Column("amount_minor", BigInteger, nullable=False),
    Column("note", Text, nullable=True),
)

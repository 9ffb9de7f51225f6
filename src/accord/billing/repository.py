"""Billing storage on a SQLAlchemy Core connection: documents are inserted, never updated."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from accord.billing.invoice import Line, exact_text
from accord.billing.issued import IssuedDocument
from accord.billing.months import Month
from accord.store.tables_billing import billing_documents, billing_lines


def insert_document(conn: Connection, document: IssuedDocument) -> None:
    values = {
        "number": document.number,
        "kind": document.kind,
        "agreement": document.agreement,
        "month": str(document.month),
        "sequence": document.sequence,
        "currency": document.currency,
        "payer": document.payer,
        "payee": document.payee,
        "agreement_versions": json.dumps(list(document.agreement_versions)),
        "rule_version": document.rule_version,
        "lines_hash": document.lines_hash,
        "total_minor": document.total,
        "references_number": document.references,
        "reason": document.reason,
        "issued_at": document.issued_at,
    }
    document_id = conn.execute(insert(billing_documents).values(values)).inserted_primary_key[0]  # type: ignore[index]
    if document.lines:
        conn.execute(
            insert(billing_lines),
            [_line_row(document_id, position, line) for position, line in enumerate(document.lines)],
        )


def documents_for(conn: Connection, agreement: str, month: Month) -> list[IssuedDocument]:
    """The invoice of one agreement and month, then its notes, in issue order."""
    query = (
        select(billing_documents)
        .where(billing_documents.c.agreement == agreement, billing_documents.c.month == str(month))
        .order_by(billing_documents.c.sequence)
    )
    return [_document(conn, row) for row in conn.execute(query).mappings()]


def find_document(conn: Connection, number: str) -> IssuedDocument | None:
    row = conn.execute(select(billing_documents).where(billing_documents.c.number == number)).mappings().first()
    return None if row is None else _document(conn, row)


def _line_row(document_id: Any, position: int, line: Line) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "position": position,
        "kind": line.kind,
        "person": line.person,
        "days": line.days,
        "flight": line.flight,
        "flight_date": line.day,
        "hours": None if line.hours is None else exact_text(line.hours),
        "unit_rate": None if line.unit_rate is None else exact_text(line.unit_rate),
        "rate_versions": json.dumps(list(line.rate_versions)),
        "amount_minor": line.amount,
        "note": line.note,
    }


def _document(conn: Connection, row: RowMapping) -> IssuedDocument:
    query = select(billing_lines).where(billing_lines.c.document_id == row["id"]).order_by(billing_lines.c.position)
    lines = tuple(_line(r) for r in conn.execute(query).mappings())
    return IssuedDocument(
        number=row["number"],
        kind=row["kind"],
        agreement=row["agreement"],
        month=Month.parse(row["month"]),
        sequence=row["sequence"],
        currency=row["currency"],
        payer=row["payer"],
        payee=row["payee"],
        agreement_versions=tuple(json.loads(row["agreement_versions"])),
        rule_version=row["rule_version"],
        lines=lines,
        lines_hash=row["lines_hash"],
        issued_at=row["issued_at"],
        references=row["references_number"],
        reason=row["reason"],
    )


def _line(row: RowMapping) -> Line:
    return Line(
        kind=row["kind"],
        amount=row["amount_minor"],
        rate_versions=tuple(json.loads(row["rate_versions"])),
        person=row["person"],
        days=row["days"],
        flight=row["flight"],
        day=row["flight_date"],
        hours=None if row["hours"] is None else Fraction(row["hours"]),
        note=row["note"],
        unit_rate=None if row["unit_rate"] is None else Fraction(row["unit_rate"]),
    )

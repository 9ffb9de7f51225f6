"""Issued documents: an invoice frozen with its number, the versions and rule version that produced it and
the hash of its lines, and the credit or debit notes that later correct it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from accord.billing.invoice import Line, format_minor, lines_hash, lines_json
from accord.billing.months import Month

DocumentKind = Literal["invoice", "credit_note", "debit_note"]

RULE_VERSION = "accord-fees/1"
"""The billing conventions implemented here (docs/spec/rules.md §6). Bump it when the way a line is computed
changes, so every frozen invoice says which reading of the rules produced it."""

_PREFIX = {"invoice": "INV", "credit_note": "CN", "debit_note": "DN"}


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    number: str
    kind: DocumentKind
    agreement: str
    month: Month
    sequence: int
    currency: str
    payer: str
    payee: str
    agreement_versions: tuple[str, ...]
    rule_version: str
    lines: tuple[Line, ...]
    lines_hash: str
    issued_at: datetime
    references: str | None = None
    reason: str | None = None

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def verifies(self) -> bool:
        """True when the lines still hash to the value frozen at issue."""
        return lines_hash(self.agreement, self.month, self.currency, self.lines) == self.lines_hash

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "kind": self.kind,
            "agreement": self.agreement,
            "month": str(self.month),
            "currency": self.currency,
            "payer": self.payer,
            "payee": self.payee,
            "agreement_versions": list(self.agreement_versions),
            "rule_version": self.rule_version,
            "issued_at": self.issued_at.isoformat(),
            "references": self.references,
            "reason": self.reason,
            "lines": lines_json(self.lines, self.currency),
            "total": format_minor(self.total, self.currency),
            "lines_hash": self.lines_hash,
        }


def document_number(kind: DocumentKind, agreement: str, month: Month, sequence: int) -> str:
    """`INV-<agreement>-<YYYY-MM>` for the invoice; notes add their sequence (`CN-...-1`, `DN-...-2`)."""
    base = f"{_PREFIX[kind]}-{agreement}-{month}"
    return base if kind == "invoice" else f"{base}-{sequence}"

"""Invoices as values: lines, monthly invoices, a set over a range of months, their JSON (docs/spec/world-format.md,
"Invoice JSON") and the hash that freezes an issued invoice's lines."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, NamedTuple

import rfc8785

from accord.billing.months import Month
from accord.domain.codes import minor_units

LineKind = Literal["custody", "lump_sum", "flight"]


def to_minor(exact: Fraction, currency: str) -> int:
    """Round an exact amount once, half-even, to the currency's minor unit (Fraction's round is
    half-even), as an integer count of minor units."""
    scaled: Fraction = exact * 10 ** minor_units(currency)
    return round(scaled)


def format_minor(minor: int, currency: str) -> str:
    """Digits with exactly the currency's minor-unit places ("876.71", "-12.50", "1500" for JPY)."""
    places = minor_units(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def parse_minor(text: str, currency: str) -> int:
    """The inverse of `format_minor`, for amounts read back from storage or a document."""
    return int(Decimal(text).scaleb(minor_units(currency)))


def exact_text(value: Fraction) -> str:
    """An exact quantity as text: decimal digits when it has a finite decimal form ("8.42", "2.5"), else
    the reduced fraction ("101/12" hours is 8 h 25 min). `Fraction(text)` reads either back exactly."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return str(value)
    decimal = Decimal(value.numerator) / Decimal(value.denominator)  # exact: the quotient terminates
    return format(decimal.normalize(), "f")


def flight_time(hours: Fraction) -> str:
    """Flight hours as a person reads them: "2.5 h" when given in hours, "8 h 25 min" for block time."""
    text = exact_text(hours)
    if "/" not in text and len(text.partition(".")[2]) <= 2:
        return f"{text} h"
    seconds = hours * 3600
    if seconds.denominator != 1:
        return f"{text} h"
    minutes, second = divmod(int(seconds), 60)
    hour, minute = divmod(minutes, 60)
    return f"{hour} h {minute} min" + (f" {second} s" if second else "")


class Line(NamedTuple):
    """One line: a detainee's month (`custody`), a lump sum (`lump_sum`) or a flight (`flight`).
    `rate_versions` lists every version that rated it; `rate_version` is the first of them. A flight line
    is `hours` (exact: a leg's block time is a whole number of seconds, not of hundredths of an hour)
    times `unit_rate` per flight hour, rounded once. A named tuple rather than a dataclass: a year's
    caseload makes hundreds of thousands of them, and tuples are built several times faster."""

    kind: LineKind
    amount: int  # minor units
    rate_versions: tuple[str, ...]
    person: str | None = None
    days: int | None = None
    flight: str | None = None
    day: date | None = None
    hours: Fraction | None = None
    note: str | None = None
    unit_rate: Fraction | None = None  # the price of one flight hour

    @property
    def rate_version(self) -> str:
        return self.rate_versions[0] if self.rate_versions else ""

    @property
    def key(self) -> tuple[str, str]:
        """What a line is about: credit and debit notes match lines on it."""
        subject = self.person if self.kind == "custody" else self.flight if self.kind == "flight" else None
        return self.kind, subject or self.rate_version

    def to_json(self, currency: str) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.person is not None:
            out["person"] = self.person
        if self.days is not None:
            out["days"] = self.days
        if self.flight is not None:
            out["flight"] = self.flight
        if self.day is not None:
            out["date"] = self.day.isoformat()
        if self.hours is not None:
            out["hours"] = exact_text(self.hours)
        if self.unit_rate is not None:
            out["unit_rate"] = exact_text(self.unit_rate)
        out["rate_version"] = self.rate_version
        out["rate_versions"] = list(self.rate_versions)
        out["amount"] = format_minor(self.amount, currency)
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Invoice:
    month: Month
    lines: tuple[Line, ...]

    @property
    def total(self) -> int:
        """The sum of the rounded lines (docs/spec/rules.md §6), in minor units."""
        return sum(line.amount for line in self.lines)

    @property
    def versions(self) -> tuple[str, ...]:
        """Every agreement version that rated a line of this invoice, in first-use order."""
        return tuple(dict.fromkeys(v for line in self.lines for v in line.rate_versions))


@dataclass(frozen=True, slots=True)
class InvoiceSet:
    """Invoices for every month of a range, addressed by the receiving state to the funder."""

    agreement: str
    currency: str
    payer: str
    payee: str
    invoices: tuple[Invoice, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(invoice.total for invoice in self.invoices)

    def invoice(self, month: Month) -> Invoice:
        return next(i for i in self.invoices if i.month == month)

    def to_json(self) -> dict[str, Any]:
        """The invoice JSON of docs/spec/world-format.md (with `payer`/`payee` and a `kind` per line added)."""
        return {
            "agreement": self.agreement,
            "currency": self.currency,
            "payer": self.payer,
            "payee": self.payee,
            "invoices": [
                {
                    "month": str(invoice.month),
                    "lines": lines_json(invoice.lines, self.currency),
                    "total": format_minor(invoice.total, self.currency),
                }
                for invoice in self.invoices
            ],
            "total": format_minor(self.total, self.currency),
        }


def lines_json(lines: tuple[Line, ...], currency: str) -> list[dict[str, Any]]:
    return [line.to_json(currency) for line in lines]


def lines_hash(agreement: str, month: Month, currency: str, lines: tuple[Line, ...]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of what an invoice charges: anyone holding the document can
    recompute it, and any edit to a frozen invoice changes it."""
    body: dict[str, Any] = {
        "agreement": agreement,
        "month": str(month),
        "currency": currency,
        "lines": lines_json(lines, currency),
    }
    return "sha256:" + hashlib.sha256(rfc8785.dumps(body)).hexdigest()

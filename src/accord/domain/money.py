"""Money: Decimal amounts with an ISO 4217 currency, rounded half-even to the currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from pydantic import Field, model_validator

from accord.domain.base import Amount, Record
from accord.domain.codes import CurrencyCode, minor_units
from accord.domain.limits import check_places


class Money(Record):
    amount: Amount = Field(ge=0)
    currency: CurrencyCode

    @model_validator(mode="after")
    def _minor_units(self) -> Money:
        check_minor_units(self.amount, self.currency)
        return self


def check_minor_units(amount: Decimal, currency: str) -> None:
    """An amount has no more decimal places than its currency's minor unit (2 for USD, 0 for JPY)."""
    check_places(amount, minor_units(currency), f"a {currency} amount")


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(value: Decimal, currency: str) -> Decimal:
    """Round once, half-even, to the currency's minor unit (docs/spec/rules.md §6)."""
    return value.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def format_amount(value: Decimal, currency: str) -> str:
    """Digits with exactly the currency's minor-unit places, as the invoice JSON requires."""
    return f"{round_money(value, currency):.{minor_units(currency)}f}"

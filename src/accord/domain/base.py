"""The base of every domain record: immutable, strict about unknown keys, `from` spelt as in the format."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from accord.domain.limits import check_amount_digits
from accord.domain.time import Instant


class Record(BaseModel):
    """Immutable value; unknown keys are errors (a misspelt key must never be silently ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, validate_by_alias=True)


class Fact(Record):
    """A record that may say when the system learnt it (`recorded_at`), for decisions 'as known at'."""

    recorded_at: Instant | None = None

    def known_at(self, instant: Any) -> bool:
        """True when this record existed for a decision made with knowledge up to `instant`."""
        return self.recorded_at is None or self.recorded_at <= instant


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('money must be written as a string of digits ("20000.00"), never a float')
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(check_amount_digits)]
"""Money: written as digits, at most 12 before the point (the places are checked with the currency)."""

"""The base of every domain record: immutable, strict about unknown keys, `from` spelt as in the format."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
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


def recorded_claims(model: BaseModel, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, datetime]]:
    """Every `recorded_at` a record and the records inside it claim, with its dotted path."""
    if isinstance(model, Fact) and model.recorded_at is not None:
        yield ".".join(str(p) for p in (*path, "recorded_at")), model.recorded_at
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from recorded_claims(value, (*path, name))
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from recorded_claims(item, (*path, name, index))


def given(record: object, *names: str) -> bool:
    """Whether the record holds each named field. A validated record holds them all; one salvaged from
    input that did not validate (`accord.world.salvage`) lacks each field that failed, so that the
    cross-record checks skip what they cannot read instead of reporting knock-on errors."""
    fields = getattr(record, "__dict__", None)
    if fields is None:  # a light stand-in (a named tuple of the streamed reader) holds every field it has
        return all(hasattr(record, name) for name in names)
    return all(name in fields for name in names)


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('money must be written as a string of digits ("20000.00"), never a float')
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), AfterValidator(check_amount_digits)]
"""Money: written as digits, at most 12 before the point (the places are checked with the currency)."""

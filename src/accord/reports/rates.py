"""Rates the cost model compares against: data with their source (`rates/*.yaml`), never constants."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field

from accord.domain.base import Amount, Record
from accord.domain.codes import CurrencyCode
from accord.world.loader import WorldInvalid, load_located, read_text, validated

DEFAULT_RATE = "domestic_detention"


class Rate(Record):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    amount: Amount = Field(gt=0)
    currency: CurrencyCode
    per: Literal["bed_day"]
    source: str = Field(min_length=1)  # where the figure is published: a rate without one is refused


class RateFile(Record):
    format: Literal["accord.rates/1"]
    rates: tuple[Rate, ...] = Field(min_length=1)

    def rate(self, rate_id: str) -> Rate:
        for rate in self.rates:
            if rate.id == rate_id:
                return rate
        raise KeyError(rate_id)


class RatesInvalid(WorldInvalid):
    """A rates file that does not validate (located errors)."""


def default_rates_path() -> Path:
    return Path(str(resources.files("accord.reports") / "rates" / "domestic-detention.yaml"))


def load_rates(path: Path | None = None) -> RateFile:
    """The rates of `path` (default: the shipped file); errors as FILE:LINE: field: message."""
    chosen = path or default_rates_path()
    try:
        text = read_text(chosen)
    except WorldInvalid as exc:
        raise RatesInvalid(exc.errors) from exc
    return load_located(text, str(chosen), validated(RateFile), RatesInvalid)

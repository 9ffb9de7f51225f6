"""Calendar months, the unit every invoice covers."""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from accord.billing.errors import BillingError
from accord.domain.limits import FIRST_YEAR, LAST_YEAR

_YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _YEAR_MONTH.match(text)
        if match is None:
            raise BillingError(f"{text!r} is not a month written YYYY-MM")
        year = int(match.group(1))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise BillingError(f"{text!r} is outside the months Accord accepts ({FIRST_YEAR}-01 to {LAST_YEAR}-12)")
        return cls(year, int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return monthrange(self.year, self.month)[1]

    @property
    def end(self) -> date:
        """The first day after the month (months are half-open date ranges, like custody)."""
        return self.first_day + timedelta(days=self.days)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included; a reversed range is a user mistake."""
    if last < first:
        raise BillingError(f"the range ends ({last}) before it starts ({first})")
    return list(_walk(first, last))


def _walk(first: Month, last: Month) -> Iterator[Month]:
    current = first
    while current <= last:
        yield current
        current = current.next()

"""Which agreement version rates each local date (docs/spec/rules.md §6), and what a rate means per year.

A version's first day is the local date, in the agreement's zone, on which it starts; when several start on
the same date the last of them rates that day. A later version with `retroactive: true` re-rates every day
before its start back to the agreement's first day (the latest such version wins). Days before the first
version are rated by nothing and never billed."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from accord.billing.errors import BillingError
from accord.billing.months import Month
from accord.domain.agreements import Agreement, AgreementVersion, Proration
from accord.domain.time import local_date, to_instant

_YEAR_FACTOR = {"year": 1, "month": 12, "day": 365}


@dataclass(frozen=True, slots=True)
class Rate:
    """The terms of one version as billing reads them. `annual` is None when the version bills no custody
    days: it has no fee, or it is a lump sum (invoiced once, on its own line)."""

    version: str
    starts: date
    proration: Proration | None
    annual: Fraction | None
    lump_sum: Fraction | None
    flight_hour_rate: Fraction | None
    retroactive: bool


@dataclass(frozen=True, slots=True)
class Segment:
    """Days `[start, end)` rated by `rate` (`end` None: open)."""

    start: date
    end: date | None
    rate: Rate


class RateSchedule:
    """The rating of every local date under one agreement, as an ordered list of segments."""

    def __init__(self, agreement: Agreement, timezone: str) -> None:
        self.agreement = agreement
        self.timezone = timezone
        self.rates = [_rate(v, timezone) for v in agreement.versions]
        self.currency = _one_currency(agreement)
        self.segments = _segments(self.rates)
        self._starts = [s.start for s in self.segments]

    @property
    def first_day(self) -> date:
        return self.segments[0].start

    def rating(self, day: date) -> Rate | None:
        """The rate of one local date; None before the agreement's first version."""
        index = bisect_right(self._starts, day) - 1
        return self.segments[index].rate if index >= 0 else None

    def pieces(self, start: date, end: date) -> list[tuple[int, Rate]]:
        """`[start, end)` cut where the rating changes, as (days, rate) in date order; days before the
        first version are left out."""
        out: list[tuple[int, Rate]] = []
        index = max(bisect_right(self._starts, start) - 1, 0)
        for segment in self.segments[index:]:
            first = max(start, segment.start)
            stop = end if segment.end is None else min(end, segment.end)
            if first < stop:
                out.append(((stop - first).days, segment.rate))
            if segment.end is None or segment.end >= end:
                break
        return out

    def require_covered(self, month: Month) -> None:
        if month.end <= self.first_day:
            raise BillingError(
                f"{month}: no version of agreement {self.agreement.id} covers this month "
                f"(its first version starts {self.first_day})"
            )

    def lump_sums_in(self, month: Month) -> list[Rate]:
        """Lump-sum versions that start in `month`: each is invoiced once, there."""
        return [r for r in self.rates if r.lump_sum is not None and Month.of(r.starts) == month]


def version_key(version: AgreementVersion) -> str:
    """How invoices name a version: its `from` as written (a date, or an RFC 3339 instant)."""
    value = version.from_
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _rate(version: AgreementVersion, timezone: str) -> Rate:
    fee = version.fee
    key = version_key(version)
    starts = local_date(to_instant(version.from_, timezone), timezone)
    flight = Fraction(version.flight_hour_rate.amount) if version.flight_hour_rate else None
    retro = version.retroactive
    if fee is None:
        return Rate(key, starts, None, None, None, flight, retro)
    if fee.per == "version":
        return Rate(key, starts, fee.proration, None, Fraction(fee.amount), flight, retro)
    annual = Fraction(fee.amount) * _YEAR_FACTOR[fee.per]
    return Rate(key, starts, fee.proration, annual, None, flight, retro)


def _segments(rates: list[Rate]) -> list[Segment]:
    """Natural segments (each version until the next one starts), with the days before the latest
    retroactive version folded into it."""
    natural: list[Segment] = []
    for i, rate in enumerate(rates):
        end = rates[i + 1].starts if i + 1 < len(rates) else None
        if end is None or rate.starts < end:  # a version superseded on its own first day rates nothing
            natural.append(Segment(rate.starts, end, rate))
    retroactive = [r for r in rates if r.retroactive]
    if not retroactive:
        return natural
    latest = retroactive[-1]
    first = natural[0].start
    kept = [s for s in natural if s.start >= latest.starts]
    if latest.starts <= first:
        return kept
    return [Segment(first, latest.starts, latest), *kept]


def _one_currency(agreement: Agreement) -> str | None:
    """Every amount of one agreement is in one currency; an invoice cannot mix them."""
    found: list[tuple[str, str]] = []
    for version in agreement.versions:
        if version.fee is not None:
            found.append((version_key(version), version.fee.currency))
        if version.flight_hour_rate is not None:
            found.append((version_key(version), version.flight_hour_rate.currency))
    currencies = {c for _, c in found}
    if len(currencies) > 1:
        detail = ", ".join(f"{c} (version {v})" for v, c in found)
        raise BillingError(f"currency mismatch in agreement {agreement.id}: {detail}")
    return currencies.pop() if currencies else None

"""The per-day reference accrual: docs/spec/rules.md §6 read literally, one local date at a time.

It is deliberately slow and simple. Property tests hold the interval accrual (`accrual.accrue`) to it, and
the benchmark reports how much faster the interval accrual is on the same data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction

from accord.billing.accrual import require_currency
from accord.billing.inputs import CustodyPeriod
from accord.billing.invoice import to_minor
from accord.billing.months import Month
from accord.billing.schedule import RateSchedule


def daily_totals(schedule: RateSchedule, periods: Iterable[CustodyPeriod], months: list[Month]) -> dict[Month, int]:
    """Each month's custody total in minor units (lump sums and flights left out), walking every day."""
    currency = require_currency(schedule)
    exact: dict[tuple[Month, str], Fraction] = defaultdict(Fraction)
    started: set[tuple[Month, str]] = set()
    held_days: dict[tuple[Month, str], set[date]] = defaultdict(set)
    for period in periods:
        if period.agreement != schedule.agreement.id:
            continue
        for month in months:
            day = max(period.intake, month.first_day)
            while day < month.end and (period.release is None or day < period.release):
                held_days[month, period.person].add(day)
                day += timedelta(days=1)
    for (month, person), days in held_days.items():
        for day in sorted(days):
            rate = schedule.rating(day)
            if rate is None or rate.annual is None:
                continue
            key = (month, person)
            if rate.proration == "actual_365":
                exact[key] += rate.annual / 365
            elif rate.proration == "monthly_prorated":
                exact[key] += rate.annual / 12 / month.days
            elif key not in started:
                exact[key] += rate.annual / 12
                started.add(key)
    totals = dict.fromkeys(months, 0)
    for (month, _person), amount in exact.items():
        totals[month] += to_minor(amount, currency)
    return totals

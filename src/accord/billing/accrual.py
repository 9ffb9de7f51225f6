"""Accrual: the invoices of a range of months from custody periods and flights (docs/spec/rules.md §6).

Each line is computed exactly with fractions and rounded once. A detainee's month depends only on the
dates held inside it, and thousands of detainees share the same dates (one flight lands them together), so
each distinct set of dates is rated and rounded once per call and reused."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost
from accord.billing.invoice import Invoice, Line, to_minor
from accord.billing.months import Month
from accord.billing.schedule import RateSchedule

Interval = tuple[date, date]


@dataclass(frozen=True, slots=True)
class Charge:
    """A detainee's month before rounding: billable days, the exact amount, the versions that rated it."""

    days: int
    exact: Fraction
    versions: tuple[str, ...]


def accrue(
    schedule: RateSchedule,
    periods: Iterable[CustodyPeriod],
    months: list[Month],
    flights: Iterable[FlightCost] = (),
) -> list[Invoice]:
    """One invoice per month (possibly empty): custody lines by person, then lump sums, then flights."""
    currency = require_currency(schedule)
    for month in months:
        schedule.require_covered(month)
    held = _held_by_month(schedule.agreement.id, periods, months)
    flights_by_month = _flights_by_month(flights, months)
    cache: dict[tuple[Interval, ...], Line | None] = {}
    invoices = []
    for month in months:
        lines = _custody_lines(schedule, month, held[month], currency, cache)
        lines += _lump_sum_lines(schedule, month, currency)
        lines += [_flight_line(schedule, f, currency) for f in flights_by_month.get(month, [])]
        invoices.append(Invoice(month, tuple(lines)))
    return invoices


def require_currency(schedule: RateSchedule) -> str:
    if schedule.currency is None:
        raise BillingError(f"agreement {schedule.agreement.id} names no fee or flight rate in any version")
    return schedule.currency


def charge(schedule: RateSchedule, month: Month, intervals: tuple[Interval, ...]) -> Charge | None:
    """Rate one detainee's dates inside `month`; None when no day is billable."""
    days = 0
    exact = Fraction(0)
    versions: dict[str, None] = {}
    month_started = False
    for start, end in intervals:
        for count, rate in schedule.pieces(start, end):
            if rate.annual is None:  # no fee, or a lump sum: custody under it adds nothing
                continue
            days += count
            versions.setdefault(rate.version)
            if rate.proration == "actual_365":
                exact += rate.annual * count / 365
            elif rate.proration == "monthly_prorated":
                exact += rate.annual * count / (12 * month.days)
            elif not month_started:  # whole_months_started: the rate of the first billable day
                exact += rate.annual / 12
                month_started = True
    return Charge(days, exact, tuple(versions)) if days else None


def _held_by_month(
    agreement_id: str, periods: Iterable[CustodyPeriod], months: list[Month]
) -> dict[Month, dict[str, list[Interval]]]:
    """For each month of the range, each named detainee's held dates inside it."""
    bounds = [(m, m.first_day, m.end) for m in months]  # computed once: periods outnumber months
    starts = [first for _, first, _ in bounds]
    held: dict[Month, dict[str, list[Interval]]] = {m: {} for m in months}
    for period in periods:
        if period.agreement != agreement_id:
            continue
        for month, first, end in bounds[max(bisect_right(starts, period.intake) - 1, 0) :]:
            piece = period.clip(first, end)
            if piece is None:
                break
            held[month].setdefault(period.person, []).append(piece)
    return held


def _custody_lines(
    schedule: RateSchedule,
    month: Month,
    held: dict[str, list[Interval]],
    currency: str,
    cache: dict[tuple[Interval, ...], Line | None],
) -> list[Line]:
    """One line per detainee; detainees held on the same dates share one computed line (its person set
    per detainee), which is what makes a large caseload cheap."""
    lines = []
    for person in sorted(held):
        intervals = merge(held[person])
        if intervals not in cache:
            cache[intervals] = _rated_line(schedule, month, intervals, currency)
        template = cache[intervals]
        if template is not None:
            lines.append(Line("custody", template.amount, template.rate_versions, person, template.days))
    return lines


def _rated_line(schedule: RateSchedule, month: Month, intervals: tuple[Interval, ...], currency: str) -> Line | None:
    found = charge(schedule, month, intervals)
    if found is None:
        return None
    return Line("custody", to_minor(found.exact, currency), found.versions, days=found.days)


def merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sorted, overlapping or touching intervals joined: a person is billed at most once a day even when
    two sources (or two records) both say they were held."""
    if len(intervals) == 1:
        return (intervals[0],)
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def _lump_sum_lines(schedule: RateSchedule, month: Month, currency: str) -> list[Line]:
    return [
        Line("lump_sum", to_minor(rate.lump_sum, currency), (rate.version,))
        for rate in schedule.lump_sums_in(month)
        if rate.lump_sum is not None
    ]


def _flights_by_month(flights: Iterable[FlightCost], months: list[Month]) -> dict[Month, list[FlightCost]]:
    wanted = set(months)
    out: dict[Month, list[FlightCost]] = defaultdict(list)
    for flight in sorted(flights, key=lambda f: (f.day, f.flight)):
        if Month.of(flight.day) in wanted:
            out[Month.of(flight.day)].append(flight)
    return out


def _flight_line(schedule: RateSchedule, flight: FlightCost, currency: str) -> Line:
    """Flight hours at the per-hour rate of the version rating the flight's date."""
    rate = schedule.rating(flight.day)
    if rate is None or rate.flight_hour_rate is None:
        version = rate.version if rate else "none (before its first version)"
        raise BillingError(
            f"flight {flight.flight} on {flight.day}: agreement {schedule.agreement.id} version {version} "
            "states no flight_hour_rate"
        )
    amount = to_minor(rate.flight_hour_rate * flight.hours, currency)  # exact hours: rounded once, here
    return Line(
        "flight",
        amount,
        (rate.version,),
        flight=flight.flight,
        day=flight.day,
        hours=flight.hours,
        unit_rate=rate.flight_hour_rate,
    )

"""Instants, dates and the rules that join them (docs/spec/rules.md §3). No clock is read here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from accord.domain.errors import InvalidInput
from accord.domain.limits import check_instant, check_moment


def _reject_naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("datetime has no UTC offset (write it as RFC 3339 with an offset)")
    if isinstance(value, str) and "T" in value:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("datetime has no UTC offset (write it as RFC 3339 with an offset)")
        return parsed
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_reject_naive), AfterValidator(check_instant)]
"""An aware datetime: a point on the time line, from 1900 to the end of 2100 (domain/limits.py)."""

Moment = Annotated[AwareDatetime | date, BeforeValidator(_reject_naive), AfterValidator(check_moment)]
"""An instant, or a date-only value meaning the start of that day in the zone of the record holding it."""


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def start_of_day(day: date, tz: str) -> datetime:
    """The first instant of a local date in a zone (midnight, or the first valid time after a DST gap)."""
    return wall_clock(datetime.combine(day, time(0, 0)), tz)


def wall_clock(naive: datetime, tz: str) -> datetime:
    """Attach a zone to a wall-clock time: a time in a DST gap moves forward by the gap, an ambiguous
    time takes its first occurrence (docs/spec/rules.md §3)."""
    z = zone(tz)
    first = naive.replace(tzinfo=z, fold=0)
    # A time in a gap does not survive a round trip through UTC; shift it by the gap's length.
    round_trip = first.astimezone(UTC).astimezone(z).replace(tzinfo=None)
    if round_trip != naive:
        gap = (first.replace(fold=1).utcoffset() or timedelta()) - (first.utcoffset() or timedelta())
        return (naive + abs(gap)).replace(tzinfo=z, fold=0)
    return first


def to_instant(value: datetime | date, tz: str) -> datetime:
    """Resolve a Moment: an instant is itself; a date is the start of that day in `tz`."""
    if isinstance(value, datetime):
        return value
    return start_of_day(value, tz)


def add_calendar_days(instant: datetime, days: int, tz: str) -> datetime:
    """The same wall-clock time `days` later in `tz` (calendar days, docs/spec/rules.md §3)."""
    local = instant.astimezone(zone(tz)).replace(tzinfo=None)
    return wall_clock(local + timedelta(days=days), tz)


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(zone(tz)).date()


def age_on(birth: date, day: date) -> int:
    """Whole years on a local date; someone born on 29 February turns older on 1 March in common years."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def to_utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def rfc3339(instant: datetime) -> str:
    """Render an aware instant as RFC 3339 with its own offset, seconds precision when exact."""
    text = instant.isoformat()
    return text.replace("+00:00", "Z") if instant.utcoffset() == timedelta(0) and instant.tzinfo is UTC else text


def check_plausible(instant: datetime, what: str) -> datetime:
    """`instant` itself when Accord accepts it (docs/limits.md: 1900-01-01 to 2100-12-31, UTC); otherwise
    InvalidInput naming `what`. Outside that range a value is a typo, or an attack on a custody chain."""
    try:
        return check_instant(instant)
    except ValueError as exc:
        raise InvalidInput(f"{what}: {exc}") from None

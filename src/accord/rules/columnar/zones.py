"""Time-zone arithmetic over arrays of instants (docs/spec/rules.md §3), exact to the scalar helpers in
`accord.domain.time`: instants are int64 microseconds since the Unix epoch (UTC).

A zone is compiled once into its table of offset transitions; converting an array of instants to wall
clock, or a wall-clock array back to instants (a time in a DST gap moves forward by the gap, an ambiguous
time takes its first occurrence), is then a binary search per value, with no Python per value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from accord.domain.time import zone

I64 = NDArray[np.int64]

MICROS_PER_SECOND = 1_000_000
MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND
# The years whose transitions are tabulated; instants outside keep the offset at the nearest end.
_FIRST_YEAR = 1900
_LAST_YEAR = 2100
_SAMPLE = timedelta(days=7)  # no zone changes its offset twice within a week


def micros(instant: datetime) -> int:
    """An aware instant as whole microseconds since the epoch (exact, no float)."""
    delta = instant - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds


def from_micros(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


@dataclass(frozen=True, slots=True)
class ZoneTable:
    """Offset transitions of one zone. Row 0 is a sentinel at the start of time carrying the earliest
    offset, so every instant falls after some row."""

    name: str
    at: I64  # UTC instant of each transition, ascending
    before: I64  # offset (µs) in force just before it
    after: I64  # offset (µs) from it on

    def to_local(self, utc: I64) -> I64:
        """Wall-clock microseconds (local time read as if it were UTC) of each instant."""
        row = np.searchsorted(self.at, utc, side="right") - 1
        return utc + self.after[row]

    def from_local(self, local: I64) -> I64:
        """Instants of wall-clock times: a time in a gap moves forward by the gap's length, an ambiguous
        time takes its first occurrence (the scalar `wall_clock`)."""
        starts = self.at + self.before  # the wall clock reading at which each transition happens
        row = np.searchsorted(starts, local, side="right") - 1
        gap = np.maximum(self.after - self.before, 0)[row]
        in_old_offset = local < starts[row] + gap  # inside a gap: read with the offset before it
        return local - np.where(in_old_offset, self.before[row], self.after[row])

    def add_days(self, utc: I64, days: int) -> I64:
        """The same wall-clock time `days` calendar days later (the scalar `add_calendar_days`)."""
        return self.from_local(self.to_local(utc) + days * MICROS_PER_DAY)

    def local_days(self, utc: I64) -> I64:
        """The local date of each instant, as days since 1970-01-01."""
        return np.floor_divide(self.to_local(utc), MICROS_PER_DAY)


def _offset(tz: str, instant: datetime) -> int:
    offset = instant.astimezone(zone(tz)).utcoffset() or timedelta()
    return micros(datetime(1970, 1, 1, tzinfo=UTC) + offset)


def _first_change(tz: str, low: datetime, high: datetime) -> datetime:
    """The first whole second in (low, high] whose offset differs from low's (bisection)."""
    base = _offset(tz, low)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _offset(tz, middle) == base:
            low = middle
        else:
            high = middle
    return high


@lru_cache(maxsize=64)
def zone_table(tz: str) -> ZoneTable:
    """Tabulate a zone's transitions by sampling its offset and bisecting each change to the second."""
    cursor = datetime(_FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(_LAST_YEAR, 1, 1, tzinfo=UTC)
    current = _offset(tz, cursor)
    at, before, after = [np.iinfo(np.int64).min], [current], [current]
    while cursor < end:
        step = cursor + _SAMPLE
        offset = _offset(tz, step)
        if offset != current:
            change = _first_change(tz, cursor, step)
            at.append(micros(change))
            before.append(current)
            after.append(offset)
            current = offset
        cursor = step
    return ZoneTable(tz, np.array(at, np.int64), np.array(before, np.int64), np.array(after, np.int64))

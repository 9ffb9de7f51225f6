"""The system's clock, passed in (docs/integrity.md, "Two clocks").

Only the faces (the CLI, later the API) make a `SystemClock`; tests pass a `TickingClock`. Nothing below
`services` reads a clock: what a clock says reaches the store only through `store.clock.stamp`, which
keeps `recorded_at` from ever going backwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class TickingClock:
    """A clock for tests: starts at `start` and moves `tick` forward at every reading; `set` moves it
    anywhere, backwards too (to test the clamp)."""

    start: datetime
    tick: timedelta = timedelta(seconds=1)
    _next: datetime | None = field(default=None, repr=False)

    def now(self) -> datetime:
        current = self._next or self.start
        self._next = current + self.tick
        return current.astimezone(UTC)

    def set(self, instant: datetime) -> None:
        self._next = instant

"""Steps for tests: what the CLI builds from `--at`, stamped by a test clock instead of the machine's.

The clock starts on 2026-01-01, after every instant the tests' worlds happen at, and ticks a second per
reading, so that `recorded_at` always follows `occurred_at` as it does in real use."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from accord.services.clock import TickingClock
from accord.services.steps import Step, begin_step

CLOCK_START = datetime(2026, 1, 1, tzinfo=UTC)


class Steps:
    """`steps(conn, at)`: a step that happened at `at`, recorded now by the test clock."""

    def __init__(self, start: datetime = CLOCK_START) -> None:
        self.clock = TickingClock(start)

    def __call__(self, conn: Connection, at: datetime, actor: str = "test", late_entry: str | None = None) -> Step:
        return begin_step(conn, self.clock, at, actor, late_entry=late_entry)

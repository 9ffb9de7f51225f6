"""A step: one attributed write, with its two clocks (docs/integrity.md).

`occurred_at` (a command's `--at`) is when the thing happened, as the operator says; `recorded_at` is the
system's own clock at the write, stamped in the write's transaction and never decreasing. A step whose
`occurred_at` is later than the recording clock (beyond a small skew) is refused, and so is any instant
outside the plausible range; a step that claims to come before what is already recorded is a late entry,
which must say why (`late_entry`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from accord.domain.errors import Refused
from accord.domain.time import check_plausible, rfc3339
from accord.movements.manifest import LifecycleEvent, LifecycleKind, PassengerEvent, PassengerKind, StrikeReason
from accord.services.clock import Clock
from accord.store.clock import stamp

DEFAULT_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Step:
    """When a step happened (`at`), when Accord records it (`recorded_at`, the system clock), who records
    it, and, for a late entry, why it comes after what it precedes."""

    at: datetime
    actor: str
    recorded_at: datetime
    late_entry: str | None = None

    @property
    def recorded(self) -> datetime:
        return self.recorded_at

    def life(self, kind: LifecycleKind, reason: str = "", leg: int | None = None) -> LifecycleEvent:
        return LifecycleEvent(
            kind=kind,
            leg=leg,
            occurred_at=self.at,
            recorded_at=self.recorded_at,
            actor=self.actor,
            reason=reason,
            late_entry=self.late_entry,
        )

    def change(
        self,
        kind: PassengerKind,
        person: str,
        reason: str = "",
        *,
        leg: int | None = None,
        strike: StrikeReason | None = None,
    ) -> PassengerEvent:
        return PassengerEvent(
            kind=kind,
            person=person,
            leg=leg,
            strike_reason=strike,
            occurred_at=self.at,
            recorded_at=self.recorded_at,
            actor=self.actor,
            reason=reason,
            late_entry=self.late_entry,
        )


def begin_step(
    conn: Connection,
    clock: Clock,
    at: datetime | None,
    actor: str,
    *,
    late_entry: str | None = None,
    skew: timedelta = DEFAULT_SKEW,
) -> Step:
    """Stamp a step in the caller's transaction. `at` None means "now" (the recording instant). Refused
    (nothing written) when `at` is implausible or later than the recording clock plus `skew`."""
    return step_at(stamp(conn, clock.now()), at, actor, late_entry=late_entry, skew=skew)


def step_at(
    recorded: datetime,
    at: datetime | None,
    actor: str,
    *,
    late_entry: str | None = None,
    skew: timedelta = DEFAULT_SKEW,
) -> Step:
    """A step recorded at `recorded` (a stamp already taken in this transaction: several steps of one
    command share it), checked as `begin_step` checks it."""
    occurred = recorded if at is None else at
    check_plausible(occurred, "--at")
    if occurred > recorded + skew:
        raise Refused(
            f"--at {rfc3339(occurred)} is later than the recording clock {rfc3339(recorded)} "
            f"(more than {_minutes(skew)} ahead): a step cannot be recorded before it happens"
        )
    if late_entry is not None and not late_entry.strip():
        raise Refused("--late-entry: say why this entry comes after the events it precedes")
    if not actor.strip():
        raise Refused("--actor: who records the step must be named")
    return Step(occurred, actor, recorded, late_entry.strip() if late_entry else None)


def _minutes(skew: timedelta) -> str:
    return f"{skew.total_seconds() / 60:g} min"

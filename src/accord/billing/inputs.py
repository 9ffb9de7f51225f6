"""The plain inputs of billing: custody periods and flights. Any source (the world file's custody records,
the custody ledger, a movements flight log, a CSV) is turned into these, so every source bills alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from accord.billing.errors import BillingError
from accord.domain.world import World


@dataclass(frozen=True, slots=True)
class CustodyPeriod:
    """One named person held under an agreement on the local dates `[intake, release)`; an open period
    (`release is None`) is still running."""

    person: str
    agreement: str
    intake: date
    release: date | None = None

    def __post_init__(self) -> None:
        if self.release is not None and self.release <= self.intake:
            raise BillingError(
                f"custody of {self.person} under {self.agreement}: release {self.release} is not after "
                f"intake {self.intake}"
            )

    def clip(self, start: date, end: date) -> tuple[date, date] | None:
        """The part of this period inside `[start, end)`, or None when they do not meet."""
        first = max(self.intake, start)
        stop = end if self.release is None else min(self.release, end)
        return (first, stop) if first < stop else None


@dataclass(frozen=True, slots=True)
class FlightCost:
    """A flight charged to the agreement's funder: `hours` flight hours (exact) on the local date `day`."""

    flight: str
    day: date
    hours: Fraction

    def __post_init__(self) -> None:
        if not self.hours > 0:
            raise BillingError(f"flight {self.flight}: hours must be positive, got {self.hours}")


def periods_from_world(world: World, agreement_id: str) -> list[CustodyPeriod]:
    """The named custody periods of the world file under one agreement. Anonymous blocks (`count`) are
    occupancy only: they carry no person to put on a line, so they are not billed (s24's totals agree)."""
    return [
        CustodyPeriod(record.person, record.agreement, record.intake, record.release)
        for record in world.custody
        if record.agreement == agreement_id and record.person is not None
    ]

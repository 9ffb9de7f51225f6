"""Flight lines from the legs Accord itself flew (the movements record), so that an invoice issued from
the database charges the flights without a CSV (docs/billing.md, "Flights").

A leg is charged under an agreement when it serves that agreement, the flight's funder is the
agreement's funder, it both departed and arrived (its block time is on record), and the version rating
its departure's local date states a `flight_hour_rate` (an agreement that does not charge for flights
gets no flight lines, rather than an invoice that cannot be issued). Its hours are block hours, arrival
minus departure as the movement events record them, exact (8 h 25 min is 101/12 hours: the line's amount
is rounded once, never its hours); its day is the departure's local date in the agreement's zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from accord.billing.errors import BillingError
from accord.billing.inputs import FlightCost
from accord.billing.schedule import RateSchedule
from accord.domain.time import local_date


@dataclass(frozen=True, slots=True)
class FlownLeg:
    """One leg of a stored flight with the instants its depart and arrive events record."""

    flight: str
    leg: int
    legs: int  # how many legs the flight has: a one-leg flight's line is named by the flight alone
    funder: str
    agreement: str | None  # the agreement the leg serves; None for a repatriation or positioning leg
    departed: datetime
    arrived: datetime

    @property
    def label(self) -> str:
        return self.flight if self.legs == 1 else f"{self.flight}/{self.leg}"

    @property
    def hours(self) -> Fraction:
        """Block hours, exact to the microsecond the events record."""
        return Fraction(_micros(self.arrived - self.departed), _micros(timedelta(hours=1)))


def _micros(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def charged_legs(legs: Iterable[FlownLeg], schedule: RateSchedule) -> tuple[FlightCost, ...]:
    """The flight lines of the legs chargeable under `schedule`'s agreement, to its payer."""
    agreement = schedule.agreement
    charged = []
    for leg in legs:
        if leg.agreement != agreement.id or leg.funder != agreement.payer or leg.hours <= 0:
            continue
        day = local_date(leg.departed, schedule.timezone)
        rate = schedule.rating(day)
        if rate is not None and rate.flight_hour_rate is not None:
            charged.append(FlightCost(leg.label, day, leg.hours))
    return tuple(charged)


def with_listed(flown: tuple[FlightCost, ...], listed: Iterable[FlightCost]) -> tuple[FlightCost, ...]:
    """Flown legs plus flights listed by hand (a CSV of flights Accord did not fly); a listed flight that
    is also on record would be charged twice, so it is refused, named."""
    on_record = {cost.flight.split("/")[0] for cost in flown}
    listed = tuple(listed)
    for cost in listed:
        if cost.flight.split("/")[0] in on_record:
            raise BillingError(
                f"flight {cost.flight} is listed in the flights file and is also on record in the movements; "
                "remove it from the file (recorded flights are charged from their depart and arrive events)"
            )
    return (*flown, *listed)

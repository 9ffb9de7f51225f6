"""Flight lines from the legs Accord flew: which legs are charged, their hours, day and name."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest

from accord.billing.errors import BillingError
from accord.billing.flown import FlownLeg, charged_legs, with_listed
from accord.billing.inputs import FlightCost
from accord.billing.preview import schedule_for

from .worlds import fee, version, world

RATE = {"amount": "8600.00", "currency": "USD"}
# Departs 23:30 in El Salvador on 15 March (05:30 UTC on the 16th): the line's day is the local date.
DEPARTED = datetime.fromisoformat("2025-03-15T23:30:00-06:00")


def leg(
    hours: timedelta = timedelta(hours=2, minutes=25),
    flight: str = "GXA-1",
    number: int = 1,
    legs: int = 1,
    funder: str = "USA",
    agreement: str | None = "A",
    departed: datetime = DEPARTED,
) -> FlownLeg:
    return FlownLeg(flight, number, legs, funder, agreement, departed, departed + hours)


def charged(*legs: FlownLeg, versions: list[dict[str, object]] | None = None) -> tuple[FlightCost, ...]:
    w = world(versions or [version("2025-01-01", fee(), flight_hour_rate=RATE)])
    return charged_legs(legs, schedule_for(w, "A"))


def test_a_flown_leg_is_charged_in_block_hours_on_its_local_departure_date() -> None:
    assert charged(leg()) == (FlightCost("GXA-1", date(2025, 3, 15), Fraction(29, 12)),)  # 2 h 25 min


@pytest.mark.parametrize(
    ("span", "hours"),
    [
        (timedelta(minutes=30), "1/2"),
        (timedelta(hours=8, minutes=25), "101/12"),  # not 8.42: the hours are never rounded
        (timedelta(seconds=18), "1/200"),
        (timedelta(seconds=1, microseconds=1), "1000001/3600000000"),
    ],
)
def test_block_hours_are_exact(span: timedelta, hours: str) -> None:
    assert leg(span).hours == Fraction(hours)


def test_a_leg_of_a_multi_leg_flight_is_named_by_the_flight_and_its_number() -> None:
    assert [c.flight for c in charged(leg(number=2, legs=2))] == ["GXA-1/2"]


@pytest.mark.parametrize(
    "other",
    [
        leg(agreement="B"),  # serves another agreement
        leg(agreement=None),  # a repatriation or positioning leg
        leg(funder="PAN"),  # someone other than the agreement's payer pays for the flight
        leg(hours=timedelta(0)),  # no block time
        leg(departed=datetime.fromisoformat("2024-12-31T10:00:00-06:00")),  # before the first version
    ],
)
def test_legs_outside_the_agreement_or_its_payer_or_its_versions_are_not_charged(other: FlownLeg) -> None:
    assert charged(other) == ()


def test_a_version_without_a_flight_hour_rate_charges_no_flights() -> None:
    versions = [version("2025-01-01", fee(), flight_hour_rate=RATE), version("2025-03-01", fee())]
    assert charged(leg(), versions=versions) == ()
    earlier = leg(departed=datetime.fromisoformat("2025-02-10T08:00:00-06:00"))
    assert [c.day for c in charged(earlier, versions=versions)] == [date(2025, 2, 10)]


def test_listed_flights_are_added_unless_they_are_on_record() -> None:
    flown = (FlightCost("GXA-1/1", date(2025, 3, 15), Fraction(29, 12)),)
    extra = FlightCost("PAN-7", date(2025, 3, 20), Fraction(3))
    assert with_listed(flown, [extra]) == (*flown, extra)
    with pytest.raises(BillingError, match="flight GXA-1 is listed in the flights file and is also on record"):
        with_listed(flown, [FlightCost("GXA-1", date(2025, 3, 15), Fraction(3))])

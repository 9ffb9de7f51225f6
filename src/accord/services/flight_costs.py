"""The flight lines of an agreement's invoices from the movements record: every stored flight with a leg
serving the agreement, timed by its depart and arrive events (the rule is in `accord.billing.flown`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from accord.billing.flown import FlownLeg, charged_legs, with_listed
from accord.billing.inputs import FlightCost
from accord.billing.preview import schedule_for
from accord.domain import World
from accord.services import movements_repository as repo


def billing_flights(
    conn: Connection, world: World, agreement_id: str, listed: Iterable[FlightCost] = ()
) -> tuple[FlightCost, ...]:
    """The legs flown under the agreement, plus `listed` flights Accord did not fly (refused when one of
    them is also on record: it would be charged twice)."""
    schedule = schedule_for(world, agreement_id)
    return with_listed(charged_legs(flown_legs(conn, agreement_id), schedule), listed)


def flown_legs(conn: Connection, agreement_id: str) -> list[FlownLeg]:
    """Every stored leg serving the agreement that has both departed and arrived."""
    flights = [
        flight
        for flight in repo.all_flights(conn)
        if any(leg.serves is not None and leg.serves.agreement == agreement_id for leg in flight.legs)
    ]
    times = repo.leg_times(conn, [flight.id for flight in flights])
    legs = []
    for flight in flights:
        for number, leg in enumerate(flight.legs, start=1):
            departed, arrived = times.get((flight.id, number, "depart")), times.get((flight.id, number, "arrive"))
            if departed is None or arrived is None:
                continue  # not flown (yet): no block time to charge
            serves = None if leg.serves is None else leg.serves.agreement
            legs.append(FlownLeg(flight.id, number, len(flight.legs), flight.funder, serves, departed, arrived))
    return legs

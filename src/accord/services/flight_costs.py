"""The flight lines of an agreement's invoices from the movements record: every stored flight with a leg
serving the agreement, timed by its depart and arrive events (the rule is in `accord.billing.flown`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select

from accord.billing.flown import FlownLeg, charged_legs, with_listed
from accord.billing.inputs import FlightCost
from accord.billing.preview import schedule_for
from accord.domain import World
from accord.movements.flights import Flight
from accord.movements.manifest import EventEnvelope, LifecycleEvent
from accord.store.tables_movements import movement_events, movement_flights


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
        for flight in map(Flight.model_validate_json, conn.execute(select(movement_flights.c.body)).scalars())
        if any(leg.serves is not None and leg.serves.agreement == agreement_id for leg in flight.legs)
    ]
    times = _leg_times(conn, [flight.id for flight in flights])
    legs = []
    for flight in flights:
        for number, leg in enumerate(flight.legs, start=1):
            departed, arrived = times.get((flight.id, number, "depart")), times.get((flight.id, number, "arrive"))
            if departed is None or arrived is None:
                continue  # not flown (yet): no block time to charge
            serves = None if leg.serves is None else leg.serves.agreement
            legs.append(FlownLeg(flight.id, number, len(flight.legs), flight.funder, serves, departed, arrived))
    return legs


def _leg_times(conn: Connection, flight_ids: list[str]) -> dict[tuple[str, int, str], datetime]:
    """(flight, leg, depart|arrive) -> when it happened, from the flights' lifecycle events."""
    if not flight_ids:
        return {}
    events = movement_events
    query = select(events.c.flight_id, events.c.body).where(
        events.c.flight_id.in_(flight_ids), events.c.kind.in_(("depart", "arrive"))
    )
    times: dict[tuple[str, int, str], datetime] = {}
    for flight_id, body in conn.execute(query):
        event = EventEnvelope.model_validate_json(body).event
        if isinstance(event, LifecycleEvent) and event.leg is not None:
            times[(flight_id, event.leg, event.kind)] = event.occurred_at
    return times

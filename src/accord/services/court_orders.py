"""A court order takes effect at once: recording it re-decides, in the same transaction, every person it
may cover who is on an open manifest, in flight, or in foreign custody.

Who "may be covered" is found with the rules' own scope predicate on each person's leg (a cheap filter:
an order whose scope cannot match is not re-decided). Each of them is then decided by the interpreter at
the instant of their next step, never earlier than now: the scheduled departure for people not yet in the
air, the scheduled arrival of their leg for people in flight, now for people already handed over."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from accord.domain import CourtOrder, World
from accord.ledger.service import Ledger
from accord.movements.flights import Flight
from accord.movements.handover import Decided
from accord.movements.manifest import MovementError, PassengerEvent, PassengerStatus, StrikeReason
from accord.rules.predicates import scope_matches
from accord.services import movements_repository as repo
from accord.services.movements import Context, Step, return_to_detention
from accord.store.records import COURT_ORDERS, flatten
from accord.store.writer import Writer

# What happens to a person the order now blocks, by where they are.
_NOT_YET_FLOWN = frozenset({"draft", "locked", "boarding"})


@dataclass(frozen=True)
class Affected:
    person: str
    flight: str
    action: str  # struck | held | return_required | already_held | no_action (bar_removal in foreign custody)
    detail: str


def record_court_order(
    conn: Connection, ledger: Ledger | None, order: CourtOrder, step: Step, source: str
) -> list[Affected]:
    """Store the order (recorded at `step.recorded`) and apply it to everyone it now blocks. The ledger
    is needed only to take people off a plane still boarding (escort back to detention)."""
    stored = order if order.recorded_at is not None else order.model_copy(update={"recorded_at": step.recorded})
    writer = Writer(conn, now=step.recorded, kind="court_order", source=source)
    writer.write(flatten(COURT_ORDERS, [stored]))
    ctx = Context.at(conn, step.recorded)
    rows = repo.passengers(
        conn, [PassengerStatus.PLANNED, PassengerStatus.BOARDED, PassengerStatus.HELD, PassengerStatus.HANDED_OVER]
    )
    flights = repo.load_flights(conn, {r.flight_id for r in rows})
    tz = ctx.pack.timezone
    groups: dict[datetime, list[repo.PassengerRow]] = defaultdict(list)
    for row in rows:
        if row.state.value == "cancelled" or not _may_cover(ctx.world, stored, row, flights[row.flight_id], tz):
            continue
        groups[_next_step(row, flights[row.flight_id], step.at)].append(row)
    affected: list[Affected] = []
    per_flight: dict[str, list[tuple[repo.PassengerRow, Decided]]] = defaultdict(list)
    for as_of, group in sorted(groups.items()):
        decided = ctx.decide([r.person_id for r in group], as_of, step.recorded, record=False)
        for row in group:
            if row.person_id in decided:
                per_flight[row.flight_id].append((row, decided[row.person_id]))
    for flight_id, people in sorted(per_flight.items()):
        affected += _apply(conn, ledger, flights[flight_id], people, stored, step)
    return affected


def _may_cover(world: World, order: CourtOrder, row: repo.PassengerRow, flight: Flight, tz: str) -> bool:
    person = world.person_by_id.get(row.person_id)
    serves = flight.leg(row.leg).serves
    if person is None or serves is None:
        return False
    destination = flight.leg(row.leg).to.country
    kinds = ("third_country", "agreement_repatriation") if serves.agreement else ("repatriation", "designated")
    return any(
        scope_matches(order.scope, person, kind, destination, order.binding_from, order.binding_from, tz)
        for kind in kinds
    )


def _next_step(row: repo.PassengerRow, flight: Flight, now: datetime) -> datetime:
    if row.status is PassengerStatus.HANDED_OVER:
        return now
    if row.state.value in _NOT_YET_FLOWN:
        return max(now, flight.scheduled_departure)
    return max(now, flight.leg(row.leg).scheduled_arrival)


def _apply(
    conn: Connection,
    ledger: Ledger | None,
    flight: Flight,
    people: list[tuple[repo.PassengerRow, Decided]],
    order: CourtOrder,
    step: Step,
) -> list[Affected]:
    manifest = repo.load_manifest(conn, flight)
    events: list[PassengerEvent] = []
    affected = []
    for row, decided in people:
        serves = flight.leg(row.leg).serves
        if serves is None:
            continue
        reasons = decided.reasons_against(serves)
        if not reasons:
            continue
        detail = ", ".join(f"{r.code} ({r.detail})" for r in reasons)
        court = any(r.code == "court_order" for r in reasons)
        action, event = _action(row, order, step, detail, court)
        if event is not None:
            events.append(event)
        if row.status is PassengerStatus.BOARDED and action == "struck":
            if ledger is None:
                raise MovementError(f"{row.person_id} must be taken off flight {flight.id}: the ledger is needed")
            return_to_detention(conn, ledger, flight, row.person_id, step, "struck:court_order")
        affected.append(Affected(row.person_id, flight.id, action, detail))
    if events:
        repo.append(conn, flight, manifest, events)
    return affected


def _action(
    row: repo.PassengerRow, order: CourtOrder, step: Step, detail: str, court: bool
) -> tuple[str, PassengerEvent | None]:
    why = f"court order {order.id}: {detail}"
    if row.status is PassengerStatus.HANDED_OVER:
        if order.effect == "require_return":
            return "return_required", step.change("mark_return_required", row.person_id, why)
        return "no_action", None
    if row.state.value in _NOT_YET_FLOWN:
        strike = StrikeReason.COURT_ORDER if court else StrikeReason.BLOCKED_BY_DECISION
        return "struck", step.change("strike", row.person_id, why, strike=strike)
    if row.status is PassengerStatus.HELD:
        return "already_held", None
    return "held", step.change("hold", row.person_id, why)

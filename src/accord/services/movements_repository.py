"""Reading and writing movements: flights, manifest events and their projection, capacity guards.

Every manifest change goes through `append`, which folds the events through the pure state machine first
(so a refused transition writes nothing), then appends them and brings the projection up to date in the
caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from accord.movements.flights import Flight
from accord.movements.manifest import (
    EventEnvelope,
    LifecycleEvent,
    Manifest,
    ManifestState,
    MovementError,
    PassengerEvent,
    PassengerStatus,
    apply,
    replay,
)
from accord.store.tables_movements import (
    movement_capacity_guards as guards,
)
from accord.store.tables_movements import (
    movement_events as events_table,
)
from accord.store.tables_movements import (
    movement_flights as flights_table,
)
from accord.store.tables_movements import (
    movement_manifests as manifests_table,
)
from accord.store.tables_movements import (
    movement_passengers as passengers_table,
)

Event = LifecycleEvent | PassengerEvent
_CHUNK = 500  # keys per statement, within every backend's parameter limit


class UnknownFlight(MovementError):
    pass


def save_flight(conn: Connection, flight: Flight, recorded_at: datetime) -> bool:
    """Store a flight; False when the same flight is already stored (idempotent), an error when a
    different flight has that id."""
    body = flight.model_dump_json(by_alias=True, exclude_none=True)
    existing = conn.execute(select(flights_table.c.body).where(flights_table.c.id == flight.id)).scalar_one_or_none()
    if existing is not None:
        if Flight.model_validate_json(existing) == flight:
            return False
        raise MovementError(f"flight {flight.id} is already stored with different details")
    conn.execute(
        insert(flights_table).values(
            id=flight.id, scheduled_departure=flight.scheduled_departure, recorded_at=recorded_at, body=body
        )
    )
    return True


def load_flight(conn: Connection, flight_id: str) -> Flight:
    body = conn.execute(select(flights_table.c.body).where(flights_table.c.id == flight_id)).scalar_one_or_none()
    if body is None:
        raise UnknownFlight(f"no flight {flight_id!r} (add it with `accord flight add FILE`)")
    return Flight.model_validate_json(body)


def load_flights(conn: Connection, flight_ids: Iterable[str]) -> dict[str, Flight]:
    return {flight_id: load_flight(conn, flight_id) for flight_id in flight_ids}


def flight_events(conn: Connection, flight_id: str) -> list[Event]:
    query = select(events_table.c.body).where(events_table.c.flight_id == flight_id).order_by(events_table.c.seq)
    return [EventEnvelope.model_validate_json(body).event for body in conn.execute(query).scalars()]


def load_manifest(conn: Connection, flight: Flight) -> Manifest:
    return replay(flight.id, len(flight.legs), flight_events(conn, flight.id))


def append(conn: Connection, flight: Flight, manifest: Manifest, events: Sequence[Event]) -> Manifest:
    """Apply `events` to `manifest` (all or nothing), store them and update the projection."""
    after = manifest
    for event in events:
        after = apply(after, event)
    if not events:
        return after
    first_seq = _event_count(conn, flight.id)
    conn.execute(insert(events_table), [_event_row(flight.id, first_seq + i, e) for i, e in enumerate(events)])
    _project_manifest(conn, flight.id, after, first_seq + len(events))
    changed = {e.person for e in events if isinstance(e, PassengerEvent)}
    _project_passengers(conn, flight, after, changed)
    return after


def _event_row(flight_id: str, seq: int, event: Event) -> dict[str, object]:
    return {
        "flight_id": flight_id,
        "seq": seq,
        "kind": event.kind,
        "person_id": event.person if isinstance(event, PassengerEvent) else None,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "actor": event.actor,
        "body": EventEnvelope(event=event).model_dump_json(),
    }


def _event_count(conn: Connection, flight_id: str) -> int:
    query = select(manifests_table.c.events).where(manifests_table.c.flight_id == flight_id)
    return int(conn.execute(query).scalar_one_or_none() or 0)


def _project_manifest(conn: Connection, flight_id: str, manifest: Manifest, events: int) -> None:
    if manifest.state is None:
        return
    values = {
        "state": manifest.state.value,
        "departed_legs": manifest.departed_legs,
        "arrived_legs": manifest.arrived_legs,
        "events": events,
    }
    updated = conn.execute(update(manifests_table).where(manifests_table.c.flight_id == flight_id).values(values))
    if updated.rowcount == 0:
        conn.execute(insert(manifests_table).values(flight_id=flight_id, **values))


def _project_passengers(conn: Connection, flight: Flight, manifest: Manifest, people: set[str]) -> None:
    ordered = sorted(people)
    for chunk in _chunks(ordered):
        conn.execute(
            delete(passengers_table).where(
                passengers_table.c.flight_id == flight.id, passengers_table.c.person_id.in_(chunk)
            )
        )
    rows = []
    for person in ordered:
        passenger = manifest.passengers[person]
        serves = flight.leg(passenger.leg).serves
        rows.append({
            "flight_id": flight.id,
            "person_id": person,
            "leg": passenger.leg,
            "agreement_id": serves.agreement if serves is not None else None,
            "status": passenger.status.value,
            "strike_reason": passenger.strike_reason.value if passenger.strike_reason else None,
        })
    if rows:
        conn.execute(insert(passengers_table), rows)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# ---- queries over the projection ----------------------------------------------------------------------


@dataclass(frozen=True)
class PassengerRow:
    flight_id: str
    person_id: str
    leg: int
    agreement_id: str | None
    status: PassengerStatus
    state: ManifestState


def passengers(
    conn: Connection,
    statuses: Iterable[PassengerStatus],
    states: Iterable[ManifestState] | None = None,
    person_id: str | None = None,
) -> list[PassengerRow]:
    p, m = passengers_table, manifests_table
    query = select(p.c.flight_id, p.c.person_id, p.c.leg, p.c.agreement_id, p.c.status, m.c.state).join(
        m, m.c.flight_id == p.c.flight_id
    ).where(p.c.status.in_([s.value for s in statuses]))
    if states is not None:
        query = query.where(m.c.state.in_([s.value for s in states]))
    if person_id is not None:
        query = query.where(p.c.person_id == person_id)
    return [
        PassengerRow(r.flight_id, r.person_id, r.leg, r.agreement_id, PassengerStatus(r.status), ManifestState(r.state))
        for r in conn.execute(query.order_by(p.c.flight_id, p.c.person_id))
    ]


def seated_under(
    conn: Connection, agreement_id: str, states: Iterable[ManifestState], exclude_flight: str | None = None
) -> int:
    """People holding a place of the agreement on manifests in `states` (other than `exclude_flight`)."""
    p, m = passengers_table, manifests_table
    condition = and_(
        p.c.agreement_id == agreement_id,
        p.c.status.in_([PassengerStatus.PLANNED.value, PassengerStatus.BOARDED.value, PassengerStatus.HELD.value]),
        m.c.state.in_([s.value for s in states]),
    )
    if exclude_flight is not None:
        condition = and_(condition, p.c.flight_id != exclude_flight)
    query = select(func.count()).select_from(p.join(m, m.c.flight_id == p.c.flight_id)).where(condition)
    return int(conn.execute(query).scalar_one())


def handed_over_under(conn: Connection, agreement_id: str) -> set[str]:
    p = passengers_table
    query = select(p.c.person_id).where(
        p.c.agreement_id == agreement_id, p.c.status == PassengerStatus.HANDED_OVER.value
    )
    return set(conn.execute(query).scalars())


def guard_agreements(conn: Connection, agreement_ids: Iterable[str]) -> None:
    """Take the capacity guard of each agreement, in a fixed order (so that two locks never deadlock),
    until the end of the transaction."""
    for agreement_id in sorted(set(agreement_ids)):
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            dialect_insert(guards).values(agreement_id=agreement_id, locks=0).on_conflict_do_nothing(
                index_elements=["agreement_id"]
            )
        )
        conn.execute(update(guards).where(guards.c.agreement_id == agreement_id).values(locks=guards.c.locks + 1))


def events_of(conn: Connection, person_id: str) -> list[tuple[str, Event]]:
    """Every manifest event about one person, oldest first, with its flight."""
    query = (
        select(events_table.c.flight_id, events_table.c.body)
        .where(events_table.c.person_id == person_id)
        .order_by(events_table.c.id)
    )
    return [(row.flight_id, EventEnvelope.model_validate_json(row.body).event) for row in conn.execute(query)]


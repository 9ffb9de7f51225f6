"""Reading and writing movements: flights, manifest events and their projection, capacity guards.

Every manifest change goes through `append`, which folds the events through the pure state machine first
(so a refused transition writes nothing), then appends them and brings the projection up to date in the
caller's transaction.

Concurrency (docs/movements.md, "Concurrent writers"): every writer loads its flight with `load_flight`
(or `load_flights`), which locks the flight's row for the rest of the transaction, in id order, before it
reads the manifest: writers of one flight's event stream queue there and each reads the events its
predecessor committed, so sequence numbers never collide. Plans that create manifests take the `planning`
lock first (`lock_planning`), so a plan sees the manifests of every plan before it; and a person holds a
seat on at most one manifest (checked here, and by a unique index)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Select, UpdateBase, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from accord.movements.flights import Flight
from accord.movements.manifest import (
    SEATED,
    EventEnvelope,
    LifecycleEvent,
    Manifest,
    ManifestState,
    MovementError,
    Passenger,
    PassengerEvent,
    PassengerStatus,
    StrikeReason,
    fold,
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
    movement_locks as locks_table,
)
from accord.store.tables_movements import (
    movement_manifests as manifests_table,
)
from accord.store.tables_movements import (
    movement_passengers as passengers_table,
)

Event = LifecycleEvent | PassengerEvent
_CHUNK = 500  # keys per statement, within every backend's parameter limit
NOT_CANCELLED = frozenset(ManifestState) - {ManifestState.CANCELLED}
# The members by their stored codes: a dictionary lookup per row instead of an enum call.
_STATUS = {status.value: status for status in PassengerStatus}
_STATE = {state.value: state for state in ManifestState}


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


# A no-op UPDATE is the one statement that locks the row on PostgreSQL and takes SQLite's single writer
# lock; RETURNING reads the flight in the same statement (as the ledger's head is locked).
_LOCK_FLIGHT = (
    update(flights_table)
    .where(flights_table.c.id == bindparam("flight"))
    .values(id=flights_table.c.id)
    .returning(flights_table.c.body)
)


def load_flight(conn: Connection, flight_id: str, *, lock: bool = True) -> Flight:
    """The stored flight. With `lock` (what every writer does) its row is locked until the transaction
    ends, so that writers of its manifest queue and each reads what the one before it committed; a reader
    that writes nothing passes `lock=False`."""
    return load_flights(conn, [flight_id], lock=lock)[flight_id]


def load_flights(conn: Connection, flight_ids: Iterable[str], *, lock: bool = True) -> dict[str, Flight]:
    """The flights asked for, in the order asked. With `lock`, each row is locked (see `load_flight`) in id
    order, so that two writers of overlapping sets of flights never deadlock; without, they are read in a
    few statements."""
    wanted = list(dict.fromkeys(flight_ids))
    bodies: dict[str, str] = {}
    if lock:
        for flight_id in sorted(wanted):
            body = conn.execute(_LOCK_FLIGHT, {"flight": flight_id}).scalar_one_or_none()
            if body is not None:
                bodies[flight_id] = body
    else:
        for chunk in _chunks(wanted):
            query = select(flights_table.c.id, flights_table.c.body).where(flights_table.c.id.in_(chunk))
            bodies.update((row.id, row.body) for row in conn.execute(query))
    missing = [f for f in wanted if f not in bodies]
    if missing:
        raise UnknownFlight(f"no flight {missing[0]!r} (add it with `accord flight add FILE`)")
    return {f: Flight.model_validate_json(bodies[f]) for f in wanted}


def all_flights(conn: Connection) -> list[Flight]:
    return [Flight.model_validate_json(body) for body in conn.execute(select(flights_table.c.body)).scalars()]


def leg_times(conn: Connection, flight_ids: Sequence[str]) -> dict[tuple[str, int, str], datetime]:
    """(flight, leg, "depart" | "arrive") -> when it happened, from the flights' lifecycle events."""
    times: dict[tuple[str, int, str], datetime] = {}
    for chunk in _chunks(list(flight_ids)):
        query = select(events_table.c.flight_id, events_table.c.body).where(
            events_table.c.flight_id.in_(chunk), events_table.c.kind.in_(("depart", "arrive"))
        )
        for flight_id, body in conn.execute(query):
            event = EventEnvelope.model_validate_json(body).event
            if isinstance(event, LifecycleEvent) and event.leg is not None:
                times[(flight_id, event.leg, event.kind)] = event.occurred_at
    return times


def flight_events(conn: Connection, flight_id: str) -> list[Event]:
    query = select(events_table.c.body).where(events_table.c.flight_id == flight_id).order_by(events_table.c.seq)
    return [EventEnvelope.model_validate_json(body).event for body in conn.execute(query).scalars()]


def load_manifest(conn: Connection, flight: Flight) -> Manifest:
    return replay(flight.id, len(flight.legs), flight_events(conn, flight.id))


def projected_manifests(conn: Connection, flights: Iterable[Flight]) -> dict[str, Manifest]:
    """The current manifests of `flights` read from the projection (a few statements, no replay)."""
    legs = {flight.id: len(flight.legs) for flight in flights}
    m, p = manifests_table, passengers_table
    heads: dict[str, Manifest] = {}
    people: dict[str, dict[str, Passenger]] = {f: {} for f in legs}
    for chunk in _chunks(list(legs)):
        for row in conn.execute(select(m).where(m.c.flight_id.in_(chunk))):
            state = ManifestState(row.state)
            heads[row.flight_id] = Manifest(
                row.flight_id, legs[row.flight_id], state, row.departed_legs, row.arrived_legs
            )
        query = select(p.c.flight_id, p.c.person_id, p.c.leg, p.c.status, p.c.strike_reason)
        for flight_id, person_id, leg, status, strike in conn.execute(query.where(p.c.flight_id.in_(chunk))):
            reason = StrikeReason(strike) if strike else None
            people[flight_id][person_id] = Passenger(person_id, leg, _STATUS[status], reason)
    return {f: replace(heads[f], passengers=people[f]) if f in heads else Manifest(f, n) for f, n in legs.items()}


def append(conn: Connection, flight: Flight, manifest: Manifest, events: Sequence[Event]) -> Manifest:
    """Apply `events` to `manifest` (all or nothing), store them and update the projection."""
    return append_many(conn, [(flight, manifest, events)])[0]


def append_many(conn: Connection, changes: Sequence[tuple[Flight, Manifest, Sequence[Event]]]) -> list[Manifest]:
    """`append` for several manifests at once: every manifest is folded first (a refused transition on
    any of them writes nothing), then each table is written with one statement."""
    afters = [fold(manifest, events) for _, manifest, events in changes]
    written = [(flight, after, events) for (flight, _, events), after in zip(changes, afters, strict=True) if events]
    if not written:
        return afters
    counts = _event_counts(conn, [flight.id for flight, _, _ in written])
    rows = [
        _event_row(flight.id, counts.get(flight.id, 0) + i, event)
        for flight, _, events in written
        for i, event in enumerate(events)
    ]
    _executemany(conn, insert(events_table), rows)
    _project_manifests(conn, [(f.id, after, counts.get(f.id, 0) + len(ev)) for f, after, ev in written], counts)
    _project_passengers(
        conn,
        [
            (flight, before, after, {e.person for e in events if isinstance(e, PassengerEvent)})
            for (flight, before, events), after in zip(changes, afters, strict=True)
            if events
        ],
    )
    return afters


def _event_row(flight_id: str, seq: int, event: Event) -> dict[str, object]:
    return {
        "flight_id": flight_id,
        "seq": seq,
        "kind": event.kind,
        "person_id": event.person if isinstance(event, PassengerEvent) else None,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "actor": event.actor,
        "late_entry": event.late_entry,
        "body": EventEnvelope.model_construct(event=event).model_dump_json(),  # the event is valid already
    }


def _executemany(conn: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run `statement` once per row (all rows with the same keys) through the driver's executemany: the
    statement is compiled once and each distinct value of a parameter the dialect converts (instants) is
    converted once, as `conn.execute` would convert it, where `conn.execute` processes every row in Python."""
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]), for_executemany=True)
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    converted = {
        name: {value: convert(value) for value in {row[name] for row in rows}}
        for name in names
        if (convert := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    values = [[converted[n][row[n]] if n in converted else row[n] for n in names] for row in rows]
    if compiled.positional:
        conn.exec_driver_sql(str(compiled), [tuple(v) for v in values])
    else:
        conn.exec_driver_sql(str(compiled), [dict(zip(names, v, strict=True)) for v in values])


def _event_counts(conn: Connection, flight_ids: list[str]) -> dict[str, int]:
    """Events applied so far per manifest (the next seq); a manifest not yet projected is absent."""
    counts: dict[str, int] = {}
    for chunk in _chunks(flight_ids):
        query = select(manifests_table.c.flight_id, manifests_table.c.events).where(
            manifests_table.c.flight_id.in_(chunk)
        )
        counts.update((row.flight_id, int(row.events)) for row in conn.execute(query))
    return counts


def _project_manifests(conn: Connection, manifests: list[tuple[str, Manifest, int]], known: dict[str, int]) -> None:
    """Update the projected manifests already stored, insert the new ones."""
    rows = [
        {
            "flight_id": flight_id,
            "state": manifest.state.value,
            "departed_legs": manifest.departed_legs,
            "arrived_legs": manifest.arrived_legs,
            "events": events,
        }
        for flight_id, manifest, events in manifests
        if manifest.state is not None
    ]
    stored = [{**r, "key": r["flight_id"]} for r in rows if r["flight_id"] in known]
    if stored:
        m = manifests_table
        values: dict[str, Any] = {n: bindparam(n) for n in ("state", "departed_legs", "arrived_legs", "events")}
        conn.execute(update(m).where(m.c.flight_id == bindparam("key")).values(values), stored)
    new = [r for r in rows if r["flight_id"] not in known]
    if new:
        conn.execute(insert(manifests_table), new)


def _project_passengers(conn: Connection, changes: list[tuple[Flight, Manifest, Manifest, set[str]]]) -> None:
    """Bring the projected rows of the people whose entries changed up to date: an update for people
    already on the manifest before, an insert for people added."""
    p = passengers_table
    moved = [(flight, before, after, person) for flight, before, after, people in changes for person in sorted(people)]
    updates = [
        {
            "f": flight.id,
            "p": person,
            "s": after.passengers[person].status.value,
            "r": _strike(after.passengers[person]),
        }
        for flight, before, after, person in moved
        if person in before.passengers
    ]
    if updates:
        key = and_(p.c.flight_id == bindparam("f"), p.c.person_id == bindparam("p"))
        _executemany(conn, update(p).where(key).values(status=bindparam("s"), strike_reason=bindparam("r")), updates)
    added = [
        _passenger_row(flight, after.passengers[person])
        for flight, before, after, person in moved
        if person not in before.passengers
    ]
    if added:
        _refuse_second_seats(conn, added)
        try:
            _executemany(conn, insert(p), added)
        except IntegrityError as exc:  # the unique index: a concurrent writer seated one of them first
            raise MovementError(
                "a person would hold a seat on two manifests (another manifest took them concurrently); plan again"
            ) from exc


def _refuse_second_seats(conn: Connection, added: list[dict[str, object]]) -> None:
    """A person holds a seat (planned, boarded or held) on at most one manifest."""
    p = passengers_table
    wanted = [str(row["person_id"]) for row in added]
    for chunk in _chunks(wanted):
        query = select(p.c.person_id, p.c.flight_id).where(
            p.c.person_id.in_(chunk), p.c.status.in_([s.value for s in SEATED])
        )
        for person_id, flight_id in conn.execute(query.order_by(p.c.person_id)):
            raise MovementError(f"{person_id} already holds a seat on flight {flight_id}")


def _strike(passenger: Passenger) -> str | None:
    return passenger.strike_reason.value if passenger.strike_reason else None


def _passenger_row(flight: Flight, passenger: Passenger) -> dict[str, object]:
    serves = flight.leg(passenger.leg).serves
    return {
        "flight_id": flight.id,
        "person_id": passenger.person,
        "leg": passenger.leg,
        "agreement_id": serves.agreement if serves is not None else None,
        "status": passenger.status.value,
        "strike_reason": _strike(passenger),
    }


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
    query = (
        select(p.c.flight_id, p.c.person_id, p.c.leg, p.c.agreement_id, p.c.status, m.c.state)
        .join(m, m.c.flight_id == p.c.flight_id)
        .where(p.c.status.in_([s.value for s in statuses]))
    )
    if states is not None:
        query = query.where(m.c.state.in_([s.value for s in states]))
    if person_id is not None:
        query = query.where(p.c.person_id == person_id)
    return [
        PassengerRow(flight_id, person_id, leg, agreement_id, _STATUS[status], _STATE[state])
        for flight_id, person_id, leg, agreement_id, status, state in conn.execute(
            query.order_by(p.c.flight_id, p.c.person_id)
        )
    ]


def person_ids(statuses: Iterable[PassengerStatus], states: Iterable[ManifestState]) -> Select[tuple[str]]:
    """A subquery: the people with one of `statuses` on a manifest in one of `states`."""
    p, m = passengers_table, manifests_table
    return (
        select(p.c.person_id)
        .join(m, m.c.flight_id == p.c.flight_id)
        .where(p.c.status.in_([s.value for s in statuses]), m.c.state.in_([s.value for s in states]))
    )


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


def held_abroad_under(conn: Connection, agreement_id: str) -> set[str]:
    """People handed over under the agreement by movements who are still held abroad: handed over, or
    marked return_required after their handover (they hold their place until actually returned). People
    whose handover was refused never left the escort and hold no place."""
    p, e = passengers_table, events_table
    handed = (
        select(e.c.id)
        .where(e.c.flight_id == p.c.flight_id, e.c.person_id == p.c.person_id, e.c.kind == "hand_over")
        .exists()
    )
    query = select(p.c.person_id).where(
        p.c.agreement_id == agreement_id,
        (p.c.status == PassengerStatus.HANDED_OVER.value)
        | and_(p.c.status == PassengerStatus.RETURN_REQUIRED.value, handed),
    )
    return set(conn.execute(query).scalars())


def guard_agreements(conn: Connection, agreement_ids: Iterable[str]) -> None:
    """Take the capacity guard of each agreement, in a fixed order (so that two locks never deadlock),
    until the end of the transaction."""
    for agreement_id in sorted(set(agreement_ids)):
        _take_row(conn, guards.c.agreement_id, agreement_id, guards.c.locks)


PLANNING = "planning"


def lock_planning(conn: Connection) -> None:
    """Take the planning lock until the end of the transaction: a plan that will create manifests takes
    it before it reads who is free, so it sees every plan committed before it, and two plans never seat
    one person twice nor count the same places twice."""
    _take_row(conn, locks_table.c.name, PLANNING, locks_table.c.taken)


def _take_row(conn: Connection, key: Column[str], value: str, counter: Column[int]) -> None:
    """Create the row `key = value` if it is missing, then update it: the write is what locks it (a row
    lock on PostgreSQL, the writer lock on SQLite)."""
    table = key.table
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    missing = dialect_insert(table).values({key.name: value, counter.name: 0})
    conn.execute(missing.on_conflict_do_nothing(index_elements=[key.name]))
    conn.execute(update(table).where(key == value).values({counter.name: counter + 1}))


def events_of(conn: Connection, person_id: str) -> list[tuple[str, Event]]:
    """Every manifest event about one person, oldest first, with its flight."""
    query = (
        select(events_table.c.flight_id, events_table.c.body)
        .where(events_table.c.person_id == person_id)
        .order_by(events_table.c.id)
    )
    return [(row.flight_id, EventEnvelope.model_validate_json(row.body).event) for row in conn.execute(query)]


@dataclass(frozen=True)
class LatestEvent:
    """The event that happened last among a flight's and some people's events, as recorded."""

    flight_id: str
    kind: str
    person_id: str | None
    occurred_at: datetime
    recorded_at: datetime

    def describe(self) -> str:
        about = f" of {self.person_id}" if self.person_id else ""
        return (
            f"the {self.kind}{about} on flight {self.flight_id} that happened at {self.occurred_at.isoformat()} "
            f"(recorded {self.recorded_at.isoformat()})"
        )


def latest_event(conn: Connection, flight_id: str, person_ids: Iterable[str]) -> LatestEvent | None:
    """The latest-occurring event recorded for the flight or for any of the people (any flight)."""
    e = events_table
    people = sorted(set(person_ids))
    found: list[LatestEvent] = []
    conditions = [e.c.flight_id == flight_id, *(e.c.person_id.in_(chunk) for chunk in _chunks(people))]
    for condition in conditions:
        query = (
            select(e.c.flight_id, e.c.kind, e.c.person_id, e.c.occurred_at, e.c.recorded_at)
            .where(condition)
            .order_by(e.c.occurred_at.desc(), e.c.id.desc())
            .limit(1)
        )
        row = conn.execute(query).one_or_none()
        if row is not None:
            found.append(LatestEvent(row.flight_id, row.kind, row.person_id, row.occurred_at, row.recorded_at))
    return max(found, key=lambda event: event.occurred_at, default=None)


def last_reasons(conn: Connection, flight_id: str, person_ids: Iterable[str], kind: str) -> dict[str, str]:
    """The reason of each person's last event of `kind` on the flight."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    query = (
        select(events_table.c.person_id, events_table.c.body)
        .where(events_table.c.flight_id == flight_id, events_table.c.kind == kind)
        .order_by(events_table.c.seq)
    )
    reasons: dict[str, str] = {}
    for person_id, body in conn.execute(query):
        if person_id in wanted:
            reasons[person_id] = EventEnvelope.model_validate_json(body).event.reason
    return reasons


@dataclass(frozen=True)
class LateEntry:
    flight_id: str
    seq: int
    kind: str
    person_id: str | None
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reason: str  # why it came late
    detail: str  # what the event says it did


def late_entries(conn: Connection, person_id: str | None = None) -> list[LateEntry]:
    """Every manifest event recorded as a late entry (about one person, when given), in recorded order."""
    e = events_table
    query = select(e).where(e.c.late_entry.is_not(None)).order_by(e.c.recorded_at, e.c.id)
    if person_id is not None:
        query = query.where(e.c.person_id == person_id)
    return [
        LateEntry(
            row.flight_id,
            row.seq,
            row.kind,
            row.person_id,
            row.occurred_at,
            row.recorded_at,
            row.actor,
            row.late_entry,
            EventEnvelope.model_validate_json(row.body).event.reason,
        )
        for row in conn.execute(query)
    ]

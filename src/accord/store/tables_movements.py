"""Tables of movements (docs/movements.md, "Storage").

`movement_events` is the truth: every manifest event, appended, never changed. `movement_manifests` and
`movement_passengers` are its projection, updated in the same transaction as each event, so that capacity
counts and court-order propagation read a few indexed rows instead of replaying every manifest.
`movement_capacity_guards` holds one row per agreement that every lock updates first: the row lock
serialises the locks that compete for the same agreement's places (PostgreSQL), and the write takes the
database lock at once (SQLite), so the count that follows cannot be stale. `movement_locks` holds named
locks taken the same way: `planning` serialises plans that create manifests, so a plan sees every plan
committed before it. A person holds a seat on at most one manifest: a partial unique index on
`movement_passengers(person_id)` over the seated statuses makes the opposite unrepresentable.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from accord.movements.manifest import SEATED
from accord.store.schema import metadata
from accord.store.types import Id, UtcDateTime

movement_flights = Table(
    "movement_flights",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("scheduled_departure", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),  # the flight as written in its accord.flight/1 file (JSON)
)

movement_events = Table(
    "movement_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("flight_id", String(200), nullable=False),
    Column("seq", Integer, nullable=False),  # the event's position in its manifest
    Column("kind", String(32), nullable=False),
    Column("person_id", String(200)),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("late_entry", Text),  # why an event that happened before events already recorded came late
    Column("body", Text, nullable=False),  # the event as JSON (EventEnvelope)
    UniqueConstraint("flight_id", "seq"),
    Index("ix_movement_events_person", "person_id", "id"),
)

movement_manifests = Table(
    "movement_manifests",
    metadata,
    Column("flight_id", String(200), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("departed_legs", Integer, nullable=False),
    Column("arrived_legs", Integer, nullable=False),
    Column("events", Integer, nullable=False),  # events applied so far (the next seq)
)

movement_passengers = Table(
    "movement_passengers",
    metadata,
    Column("flight_id", String(200), primary_key=True),
    Column("person_id", String(200), primary_key=True),
    Column("leg", Integer, nullable=False),
    Column("agreement_id", String(200)),  # the agreement of the leg they disembark from; null: repatriation
    Column("status", String(16), nullable=False),
    Column("strike_reason", String(32)),
    Index("ix_movement_passengers_person", "person_id"),
    Index("ix_movement_passengers_agreement", "agreement_id", "status"),
)
_seated = movement_passengers.c.status.in_(sorted(status.value for status in SEATED))
Index(
    "uq_movement_passengers_seated_person",
    movement_passengers.c.person_id,
    unique=True,
    sqlite_where=_seated,
    postgresql_where=_seated,
)

movement_capacity_guards = Table(
    "movement_capacity_guards",
    metadata,
    Column("agreement_id", String(200), primary_key=True),
    Column("locks", Integer, nullable=False),
)

movement_locks = Table(
    "movement_locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("taken", Integer, nullable=False),  # how many times; the write is what takes the lock
)

movement_incidents = Table(
    "movement_incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("flight_id", String(200), nullable=False),
    Column("person_id", String(200), nullable=False),
    Column("kind", String(32), nullable=False),  # identity_mismatch
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("detail", Text, nullable=False),
)

movement_return_proposals = Table(
    "movement_return_proposals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("flight_id", String(200), nullable=False),
    Column("leg", Integer, nullable=False),
    Column("person_id", String(200), nullable=False),
    Column("from_airport", String(3), nullable=False),
    Column("to_airport", String(3), nullable=False),
    Column("proposed_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=False),
)

"""What reports read from the database, as plain rows: the people's attributes as known at K, stored
decisions, manifest events, handovers of the custody ledger and the world's custody records, each
bounded by "happened by T" and "recorded by K" in SQL. The service (`accord.services.reports`) turns
them into the report core's fact tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, select

from accord.ledger.repository import to_micros
from accord.ledger.statements import HandoverStatement, decode_entry
from accord.store import tables_world as world
from accord.store.reader import known_by
from accord.store.tables_decisions import decisions
from accord.store.tables_ledger import ledger_entry
from accord.store.tables_movements import movement_events


@dataclass(frozen=True)
class PersonRow:
    id: str
    nationality: str  # every nationality, sorted, joined with "/" (a dual national is one category)
    sex: str | None
    birth_date: date | None


@dataclass(frozen=True)
class DecisionRow:
    id: int
    decision_id: str
    person: str
    as_of: datetime
    recorded_at: datetime
    body: dict[str, object]  # the person's decision JSON (docs/spec/world-format.md)


@dataclass(frozen=True)
class EventRow:
    flight: str
    seq: int
    kind: str
    person: str
    occurred_at: datetime
    recorded_at: datetime
    body: dict[str, object]  # the event's JSON (leg, strike_reason, reason)


@dataclass(frozen=True)
class HandoverRow:
    index: int
    person: str  # the ledger's commitment, not an id
    sender: str
    receiver: str
    occurred_at: datetime
    recorded_at: datetime
    legal_basis: str


@dataclass(frozen=True)
class CustodyRow:
    agreement: str
    person: str | None  # None: an anonymous block of `headcount`
    headcount: int
    intake: date
    release: date | None
    recorded_at: datetime | None  # None: known from the start, as its file says


def people(conn: Connection, known_at: datetime | None) -> dict[str, PersonRow]:
    p = world.persons
    query = select(p.c.id, p.c.nationalities, p.c.sex, p.c.birth_date).where(known_by(p, known_at))
    return {
        row.id: PersonRow(
            row.id, "/".join(sorted(filter(None, row.nationalities.split(";")))) or "none", row.sex, row.birth_date
        )
        for row in conn.execute(query)
    }


def stored_decisions(conn: Connection, as_of: datetime, known_at: datetime) -> Iterator[DecisionRow]:
    d = decisions
    query = (
        select(d.c.id, d.c.decision_id, d.c.person, d.c.as_of, d.c.recorded_at, d.c.body)
        .where(d.c.as_of <= as_of, d.c.recorded_at <= known_at)
        .order_by(d.c.id)
    )
    for row in conn.execute(query):
        yield DecisionRow(row.id, row.decision_id, row.person, row.as_of, row.recorded_at, json.loads(row.body))


def passenger_events(conn: Connection, as_of: datetime, known_at: datetime) -> Iterator[EventRow]:
    """Every manifest event about a person, by flight and position."""
    e = movement_events
    query = (
        select(e.c.flight_id, e.c.seq, e.c.kind, e.c.person_id, e.c.occurred_at, e.c.recorded_at, e.c.body)
        .where(e.c.person_id.is_not(None), e.c.occurred_at <= as_of, e.c.recorded_at <= known_at)
        .order_by(e.c.flight_id, e.c.seq)
    )
    for row in conn.execute(query):
        event = json.loads(row.body)["event"]
        yield EventRow(row.flight_id, row.seq, row.kind, row.person_id, row.occurred_at, row.recorded_at, event)


def handovers(conn: Connection, ledger: str, as_of: datetime, known_at: datetime) -> Iterator[HandoverRow]:
    """The ledger's handovers that occurred by `as_of`, in log order; those recorded after `known_at`
    are left out (their statements say when they were recorded)."""
    entries = ledger_entry
    query = (
        select(entries.c.idx, entries.c.data)
        .where(entries.c.ledger == ledger, entries.c.kind == "handover", entries.c.occurred_us <= to_micros(as_of))
        .order_by(entries.c.idx)
    )
    for row in conn.execute(query):
        statement = decode_entry(bytes(row.data)).statement
        if not isinstance(statement, HandoverStatement) or statement.recorded_at > known_at:
            continue
        yield HandoverRow(
            row.idx,
            statement.person,
            statement.sender.custodian,
            statement.receiver.custodian,
            statement.occurred_at,
            statement.recorded_at,
            statement.legal_basis,
        )


def custody_records(conn: Connection, known_at: datetime | None) -> list[CustodyRow]:
    """The world's custody records current as known at `known_at`."""
    c = world.custody
    query = select(c.c.agreement_id, c.c.body, c.c.recorded_at).where(known_by(c, known_at)).order_by(c.c.seq)
    rows = []
    for agreement, body, recorded_at in conn.execute(query):
        record = json.loads(body)
        release = record.get("release")
        rows.append(
            CustodyRow(
                agreement,
                record.get("person"),
                int(record.get("count") or 1),
                date.fromisoformat(record["intake"]),
                None if release is None else date.fromisoformat(release),
                recorded_at,
            )
        )
    return rows

"""Reading the stored world back: current, or as known at an instant K; and the summary for the demo."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from accord.domain import World
from accord.domain.knowledge import as_known_at
from accord.store import tables_world as t
from accord.store.records import StoredRow, all_kinds, assemble
from accord.world.document import WorldDocument


def visible(table: Table, known_at: datetime | None) -> ColumnElement[bool]:
    """The rows of a fact table that were current as known at `known_at` (now, when None): not yet
    superseded by then, and recorded by then, or a record's first version. A first version keeps its
    file's meaning: it is read with the `recorded_at` its body claims and pruned by `as_known_at` as the
    file would be (`load_world`), so that a database answers exactly like its file; a later version
    exists only from the instant it was stored."""
    if known_at is None:
        return table.c.superseded_at.is_(None)
    return and_(
        or_(table.c.supersedes.is_(None), table.c.recorded_at.is_(None), table.c.recorded_at <= known_at),
        or_(table.c.superseded_at.is_(None), table.c.superseded_at > known_at),
    )


def known_by(table: Table, known_at: datetime | None) -> ColumnElement[bool]:
    """The rows of a fact table that existed as known at `known_at` (current ones when None), by their
    `recorded_at` alone: for a query over rows that does not read records (a count, a report). A row
    without `recorded_at` is known from the start, as its file says."""
    if known_at is None:
        return table.c.superseded_at.is_(None)
    return and_(
        or_(table.c.recorded_at.is_(None), table.c.recorded_at <= known_at),
        or_(table.c.superseded_at.is_(None), table.c.superseded_at > known_at),
    )


def load_document(connection: Connection, known_at: datetime | None = None) -> WorldDocument:
    """The stored world with the title and source of the file it came from (no checks)."""
    rows: dict[Table, list[StoredRow]] = {}
    for kind in all_kinds():
        table = kind.table
        keys = [table.c[name] for name in kind.key_columns]
        query = select(*keys, table.c.body).where(visible(table, known_at)).order_by(table.c.seq)
        rows[table] = [StoredRow(tuple(r[: len(keys)]), json.loads(r.body)) for r in connection.execute(query)]
    if not rows[t.world_settings] and known_at is not None:
        # The sending state and rule pack frame the world rather than being facts learnt at an instant:
        # asked about a time before the first import, read them from the first version stored.
        first = select(t.world_settings.c.name, t.world_settings.c.body).order_by(t.world_settings.c.row_id)
        rows[t.world_settings] = [StoredRow((r.name,), json.loads(r.body)) for r in connection.execute(first.limit(1))]
    return assemble(rows)


def load_world(connection: Connection, known_at: datetime | None = None) -> World:
    """The world as known at `known_at`: of each record the version current at that instant, and
    nothing learnt after it (`as_known_at`). None reads the current versions.

    Raises `NothingStored` when no world has been imported."""
    world = load_document(connection, known_at).world
    return world if known_at is None else as_known_at(world, known_at)


@dataclass(frozen=True)
class AgreementLine:
    id: str
    sending: str
    receiving: str
    facility: str | None
    versions: int
    latest_status: str


@dataclass(frozen=True)
class FacilityLine:
    id: str
    country: str
    kind: str
    capacity: int | None


@dataclass(frozen=True)
class CourtOrderLine:
    id: str
    effect: str
    binding_from: datetime
    until: datetime | None


@dataclass(frozen=True)
class Summary:
    """What the store holds now. `people` counts persons per (nationality, legal status); a person with
    two nationalities counts under both, one with none under nationality ""."""

    agreements: tuple[AgreementLine, ...]
    facilities: tuple[FacilityLine, ...]
    persons: int
    people: dict[tuple[str, str], int]
    court_orders: tuple[CourtOrderLine, ...]
    custody_records: int


def summary(connection: Connection) -> Summary:
    return Summary(
        agreements=_agreements(connection),
        facilities=tuple(
            FacilityLine(r.id, r.country, r.kind, r.capacity)
            for r in connection.execute(
                select(t.facilities).where(visible(t.facilities, None)).order_by(t.facilities.c.seq)
            )
        ),
        persons=_count(connection, t.persons),
        people=_people(connection),
        court_orders=tuple(
            CourtOrderLine(r.id, r.effect, r.valid_from, r.valid_until)
            for r in connection.execute(
                select(t.court_orders).where(visible(t.court_orders, None)).order_by(t.court_orders.c.seq)
            )
        ),
        custody_records=_count(connection, t.custody),
    )


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table).where(visible(table, None))).scalar_one())


def _agreements(connection: Connection) -> tuple[AgreementLine, ...]:
    a, v = t.agreements, t.agreement_versions
    versions: dict[str, list[str]] = {}
    query = select(v.c.agreement_id, v.c.status).where(visible(v, None)).order_by(v.c.agreement_id, v.c.ordinal)
    for row in connection.execute(query):
        versions.setdefault(row.agreement_id, []).append(row.status)
    return tuple(
        AgreementLine(
            r.id, r.sending, r.receiving, r.facility, len(versions.get(r.id, [])), (versions.get(r.id) or ["none"])[-1]
        )
        for r in connection.execute(select(a).where(visible(a, None)).order_by(a.c.seq))
    )


def _people(connection: Connection) -> dict[tuple[str, str], int]:
    # Grouped in SQL by the stored nationality list, then split: a handful of groups, not every person.
    p = t.persons
    query = (
        select(p.c.nationalities, p.c.status, func.count())
        .where(visible(p, None))
        .group_by(p.c.nationalities, p.c.status)
    )
    counts: Counter[tuple[str, str]] = Counter()
    for nationalities, status, count in connection.execute(query):
        for code in nationalities.split(";") if nationalities else [""]:
            counts[(code, status)] += count
    return dict(sorted(counts.items()))


def stored_sending_state(connection: Connection) -> str | None:
    """The sending state of the stored world, or None when no world has been imported."""
    query = select(t.world_settings.c.sending_state).where(visible(t.world_settings, None))
    return connection.execute(query).scalar_one_or_none()


def person_known(connection: Connection, person_id: str) -> bool:
    """True when the stored world has ever held a person with this id (any version)."""
    query = select(t.persons.c.row_id).where(t.persons.c.id == person_id).limit(1)
    return connection.execute(query).first() is not None

"""Reading just enough of the stored world for court-order propagation.

Recording a court order must answer, for thousands of people on open manifests, one question: does an
order in effect now cover the pathway of their leg? `load_frame` reads the world without its people and
custody (settings, countries, facilities, agreements, court orders: a few rows); `load_coverage` reads,
for the people picked by a subquery, only the facts the court-order predicates read (`candidates`,
`scope_matches`, `carved_out`): the person's nationalities and district, and their removal orders,
designations and pending claims. People whose such facts are equal get the same answer, so they are
grouped (`Coverage.key`) and one representative of each group is built as a domain record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, select

from accord.domain import Person, World
from accord.rules.knowledge import as_known_at
from accord.store import tables_world as t
from accord.store.reader import visible
from accord.store.records import CUSTODY, PERSONS, StoredRow, all_kinds, assemble

# The person's lists the court-order predicates read; every other list is left empty in the records
# built here, which are never used for a whole decision.
COVERAGE_LISTS: dict[str, Table] = {
    "orders": t.person_orders,
    "designations": t.person_designations,
    "pending": t.person_pending,
}
_CHUNK = 500  # ids per statement, within every backend's parameter limit
_PEOPLE_TABLES = {PERSONS.table, CUSTODY.table, *(child.table for _, child in PERSONS.children)}


def load_frame(conn: Connection, known_at: datetime) -> World:
    """The stored world as known at `known_at`, without persons and custody records."""
    rows: dict[Table, list[StoredRow]] = {}
    for kind in all_kinds():
        table = kind.table
        if table in _PEOPLE_TABLES:
            rows[table] = []
            continue
        keys = [table.c[name] for name in kind.key_columns]
        query = select(*keys, table.c.body).where(visible(table, known_at)).order_by(table.c.seq)
        rows[table] = [StoredRow(tuple(r[: len(keys)]), json.loads(r.body)) for r in conn.execute(query)]
    return as_known_at(assemble(rows).world, known_at)


@dataclass
class Coverage:
    """For each person asked for, the group of people with the same court-order facts, and one domain
    record per group (built with the id of its first member)."""

    group_of: dict[str, tuple[object, ...]] = field(default_factory=dict)
    representative: dict[tuple[object, ...], Person] = field(default_factory=dict)

    def person(self, person_id: str) -> Person | None:
        key = self.group_of.get(person_id)
        return self.representative.get(key) if key is not None else None


def load_coverage(conn: Connection, known_at: datetime, people: Select[tuple[str]], by_id: bool) -> Coverage:
    """The court-order facts of the people `people` selects, as known at `known_at`. With `by_id` (an
    order in effect names persons) every person is their own group."""
    heads = {
        person_id: (nationalities, district)
        for person_id, nationalities, district in conn.execute(
            select(t.persons.c.id, t.persons.c.nationalities, t.persons.c.district).where(
                visible(t.persons, known_at), t.persons.c.id.in_(people)
            )
        )
    }
    lists = {name: _list_bodies(conn, table, known_at, people) for name, table in COVERAGE_LISTS.items()}
    coverage = Coverage()
    members: dict[tuple[object, ...], str] = {}
    for person_id, (nationalities, district) in heads.items():
        facts = tuple(tuple(lists[name].get(person_id, ())) for name in COVERAGE_LISTS)
        key: tuple[object, ...] = (person_id if by_id else None, nationalities, district, facts)
        coverage.group_of[person_id] = key
        members.setdefault(key, person_id)
    bodies = _bodies(conn, known_at, list(members.values()))
    for key, person_id in members.items():
        coverage.representative[key] = _person(bodies[person_id], {n: lists[n].get(person_id, []) for n in lists})
    return coverage


def _bodies(conn: Connection, known_at: datetime, person_ids: list[str]) -> dict[str, str]:
    """The stored bodies of the representatives only: a class order groups thousands into a few."""
    found: dict[str, str] = {}
    for start in range(0, len(person_ids), _CHUNK):
        query = select(t.persons.c.id, t.persons.c.body).where(
            visible(t.persons, known_at), t.persons.c.id.in_(person_ids[start : start + _CHUNK])
        )
        found.update((r.id, r.body) for r in conn.execute(query))
    return found


def _list_bodies(
    conn: Connection, table: Table, known_at: datetime, people: Select[tuple[str]]
) -> dict[str, list[str]]:
    """The stored bodies (canonical JSON) of one list of each person, in list order."""
    found: dict[str, list[str]] = defaultdict(list)
    query = (
        select(table.c.person_id, table.c.body)
        .where(visible(table, known_at), table.c.person_id.in_(people))
        .order_by(table.c.person_id, table.c.ordinal)
    )
    for person_id, body in conn.execute(query):
        found[person_id].append(body)
    return found


def _person(body: str, lists: dict[str, Iterable[str]]) -> Person:
    raw: dict[str, Any] = json.loads(body)
    raw.update({name: [json.loads(item) for item in items] for name, items in lists.items()})
    return Person.model_validate(raw)

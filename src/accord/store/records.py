"""The table-driven mapping between a world document and fact rows, in both directions.

`KINDS` says, for each kind of record, which table holds it, which model it is, which of its fields are
lists kept in child tables, and which indexed columns it fills. Flattening turns a document into `Part`s
(the rows of one table and the keys whose current rows they replace); assembling turns stored bodies back
into a document. Everything else about a record lives in its canonical JSON body, so nothing is lost.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table

from accord.domain import (
    AcceptanceRecord,
    Agreement,
    AgreementVersion,
    AssuranceRecord,
    Conviction,
    Country,
    CourtOrder,
    CustodyRecord,
    Designation,
    Facility,
    FearClaim,
    Notice,
    PendingClaim,
    Person,
    Protection,
    RemovalOrder,
    Stay,
)
from accord.domain.base import Record
from accord.store import tables_world as t
from accord.world.document import FORMAT, WorldDocument

Key = tuple[Any, ...]


class WorldSettings(Record):
    """The world-wide values of a document, stored as one versioned record named `world`."""

    sending_state: str
    rule_pack: str | None = None
    title: str | None = None
    source: str | None = None


def _instant(value: date | datetime | None) -> datetime | None:
    """Index a bound as an instant: instants as they are, a date at 00:00 UTC (the body keeps the date)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=UTC)


def _interval(start: date | datetime | None, end: date | datetime | None = None) -> dict[str, Any]:
    return {"valid_from": _instant(start), "valid_until": _instant(end)}


@dataclass(frozen=True)
class Kind:
    table: Table
    model: type[BaseModel]
    columns: Callable[[Any], dict[str, Any]]  # the indexed columns of one record (not its key)
    ident: Callable[[Any], str] | None = None  # a top-level record's id; children are keyed by position
    children: tuple[tuple[str, Kind], ...] = ()  # model field -> the kind of the records listed in it

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(self.table.info["key"])

    @property
    def child_fields(self) -> set[str]:
        return {name for name, _ in self.children}


def _child(table: Table, model: type[BaseModel], columns: Callable[[Any], dict[str, Any]]) -> Kind:
    return Kind(table, model, columns)


SETTINGS = Kind(
    t.world_settings,
    WorldSettings,
    lambda s: {"sending_state": s.sending_state, "rule_pack": s.rule_pack},
    lambda s: "world",
)
COUNTRIES = Kind(
    t.countries,
    Country,
    lambda c: {},
    lambda c: c.code,
    children=(
        (
            "acceptance",
            _child(t.country_acceptance, AcceptanceRecord, lambda r: {"status": r.status, **_interval(r.from_)}),
        ),
        ("credible_assurances", _child(t.country_assurances, AssuranceRecord, lambda r: _interval(r.from_, r.until))),
    ),
)
FACILITIES = Kind(
    t.facilities,
    Facility,
    lambda f: {"country": f.country, "kind": f.kind, "capacity": f.capacity},
    lambda f: f.id,
)
AGREEMENTS = Kind(
    t.agreements,
    Agreement,
    lambda a: {"sending": a.sending, "receiving": a.receiving, "funder": a.funder, "facility": a.facility},
    lambda a: a.id,
    children=(
        (
            "versions",
            _child(
                t.agreement_versions,
                AgreementVersion,
                lambda v: {
                    "status": v.status,
                    "capacity": v.capacity,
                    "fee_currency": v.fee.currency if v.fee else None,
                    **_interval(v.from_),
                },
            ),
        ),
    ),
)
# Custody records name their agreement rather than sit inside it; they are stored as its children, so
# importing an agreement replaces its custody list, and written back in the order they were first read.
CUSTODY = _child(
    t.custody,
    CustodyRecord,
    lambda c: {"person_id": c.person, "headcount": c.headcount, **_interval(c.intake, c.release)},
)
PERSONS = Kind(
    t.persons,
    Person,
    lambda p: {
        "status": p.status,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "district": p.district,
        "nationalities": ";".join(p.nationalities),
    },
    lambda p: p.id,
    children=(
        ("orders", _child(t.person_orders, RemovalOrder, lambda r: {"basis": r.basis, **_interval(r.issued)})),
        (
            "protections",
            _child(
                t.person_protections,
                Protection,
                lambda r: {"kind": r.kind, "country": r.country, **_interval(r.granted, r.terminated)},
            ),
        ),
        ("stays", _child(t.person_stays, Stay, lambda r: {"kind": r.kind, **_interval(r.from_, r.until)})),
        (
            "pending",
            _child(t.person_pending, PendingClaim, lambda r: {"kind": r.kind, **_interval(r.filed, r.decided)}),
        ),
        (
            "convictions",
            _child(
                t.person_convictions,
                Conviction,
                lambda r: {"aggravated_felony": r.aggravated_felony, **_interval(r.date)},
            ),
        ),
        (
            "designations",
            _child(t.person_designations, Designation, lambda r: {"kind": r.kind, **_interval(r.from_, r.until)}),
        ),
        (
            "notices",
            _child(t.person_notices, Notice, lambda r: {"kind": r.kind, "country": r.country, **_interval(r.served)}),
        ),
        (
            "fear_claims",
            _child(
                t.person_fear_claims,
                FearClaim,
                lambda r: {"country": r.country, "outcome": r.outcome, **_interval(r.stated, r.decided)},
            ),
        ),
    ),
)
COURT_ORDERS = Kind(
    t.court_orders,
    CourtOrder,
    lambda o: {"effect": o.effect, **_interval(o.binding_from, o.until)},
    lambda o: o.id,
)

TOP_KINDS: tuple[Kind, ...] = (SETTINGS, COUNTRIES, FACILITIES, AGREEMENTS, PERSONS, COURT_ORDERS)
WORLD_FIELDS = {
    COUNTRIES: "countries",
    FACILITIES: "facilities",
    AGREEMENTS: "agreements",
    PERSONS: "persons",
    COURT_ORDERS: "court_orders",
}


def all_kinds() -> list[Kind]:
    """Every kind, parents before their children, custody last."""
    kinds: list[Kind] = []
    for kind in TOP_KINDS:
        kinds.append(kind)
        kinds.extend(child for _, child in kind.children)
    return [*kinds, CUSTODY]


@dataclass(frozen=True)
class NewRow:
    key: Key
    values: dict[str, Any]  # key and indexed columns
    body: str
    digest: str
    recorded_at: datetime | None  # the record's own, if it gives one
    order: int  # position in the file, for the order records are written back in


@dataclass
class Part:
    """The rows of one table read from one file, and the scope they describe completely: every current
    row of the table whose first key column is in `scope` and whose key is not among `rows` is retracted."""

    kind: Kind
    scope: set[Any] = field(default_factory=set)
    rows: list[NewRow] = field(default_factory=list)


def canonical(record: BaseModel, exclude: set[str]) -> str:
    """The record as written in a world file (aliases, defaults left out) as compact JSON, keys in the
    model's field order: deterministic, so equal records have equal digests."""
    return record.model_dump_json(by_alias=True, exclude_defaults=True, exclude=exclude)


def _row(
    kind: Kind, record: BaseModel, key_values: dict[str, Any], order: int, learnt_with: datetime | None = None
) -> NewRow:
    """One row; a fact without its own `recorded_at` was learnt with the record that holds it (in a
    world file a person's order is known exactly when the person is), else it has none: known for
    every `known_at`, as in the file."""
    body = canonical(record, kind.child_fields)
    return NewRow(
        key=tuple(key_values.values()),
        values={**key_values, **kind.columns(record)},
        body=body,
        digest=hashlib.sha256(body.encode()).hexdigest(),
        recorded_at=getattr(record, "recorded_at", None) or learnt_with,
        order=order,
    )


def flatten(kind: Kind, records: Sequence[BaseModel]) -> list[Part]:
    """The parts for top-level records of one kind and every list held in them."""
    own = Part(kind)
    children = {name: Part(child) for name, child in kind.children}
    parent_column = kind.key_columns[0]
    if kind.ident is None:
        raise TypeError(f"{kind.table.name} holds child records; flatten its parent instead")
    for i, record in enumerate(records):
        ident = kind.ident(record)
        own.scope.add(ident)
        own.rows.append(_row(kind, record, {parent_column: ident}, i))
        for name, child in kind.children:
            part = children[name]
            part.scope.add(ident)
            learnt_with = getattr(record, "recorded_at", None)
            for j, item in enumerate(getattr(record, name)):
                part.rows.append(_row(child, item, {child.key_columns[0]: ident, "ordinal": j}, j, learnt_with))
    return [own, *children.values()]


def flatten_custody(agreement_ids: Iterable[str], records: Sequence[CustodyRecord]) -> Part:
    part = Part(CUSTODY, scope=set(agreement_ids))
    per_agreement: dict[str, int] = defaultdict(int)
    for i, record in enumerate(records):
        ordinal = per_agreement[record.agreement]
        per_agreement[record.agreement] += 1
        part.rows.append(_row(CUSTODY, record, {"agreement_id": record.agreement, "ordinal": ordinal}, i))
    return part


def flatten_document(document: WorldDocument) -> list[Part]:
    world = document.world
    settings = WorldSettings(
        sending_state=world.sending_state, rule_pack=world.rule_pack, title=document.title, source=document.source
    )
    parts = flatten(SETTINGS, [settings])
    for kind, name in WORLD_FIELDS.items():
        parts.extend(flatten(kind, getattr(world, name)))
    parts.append(flatten_custody((a.id for a in world.agreements), world.custody))
    return parts


@dataclass(frozen=True)
class StoredRow:
    key: Key
    body: dict[str, Any]


class NothingStored(LookupError):
    """The database holds no world (no `accord import` has run against it)."""


def assemble(rows: dict[Table, list[StoredRow]]) -> WorldDocument:
    """Rebuild a document from the visible rows of every table, each list in `seq` order."""
    settings = rows[SETTINGS.table]
    if not settings:
        raise NothingStored("no world has been imported into this database")
    world: dict[str, Any] = {k: v for k, v in settings[0].body.items() if k in ("sending_state", "rule_pack")}
    for kind, name in WORLD_FIELDS.items():
        world[name] = _with_children(kind, rows)
    world["custody"] = [row.body for row in rows[CUSTODY.table]]
    header = {k: v for k, v in settings[0].body.items() if k in ("title", "source")}
    return WorldDocument.model_validate({"format": FORMAT, **header, "world": world})


def _with_children(kind: Kind, rows: dict[Table, list[StoredRow]]) -> list[dict[str, Any]]:
    records = {row.key[0]: dict(row.body) for row in rows[kind.table]}
    for name, child in kind.children:
        for row in sorted(rows[child.table], key=lambda r: r.key[1]):  # by position in the list
            parent = records.get(row.key[0])
            if parent is not None:  # a fact known before its person is not shown without them
                parent.setdefault(name, []).append(row.body)
    return list(records.values())

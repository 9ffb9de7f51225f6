"""The world's tables: one table per kind of record, every row one version of one record.

Every fact table has the same bookkeeping columns (see docs/adr/store-fact-rows.md): the natural key,
a few indexed columns taken from the record for queries, the record's canonical JSON (`body`, the truth
that export rebuilds from), its digest, `seq` (the order to write records back in), `recorded_at`,
`superseded_at` (set once, when a newer version or a retraction arrives), `supersedes` (the row this one
replaces) and the import that brought it. A partial unique index keeps one current row per key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from accord.domain.people import DESIGNATION_KIND_LENGTH
from accord.store.schema import metadata
from accord.store.types import Id, UtcDateTime

imports = Table(
    "imports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # world | persons_csv
    Column("source", Text, nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
)


def _code(name: str, nullable: bool = True) -> Column[str]:
    return Column(name, String(3), nullable=nullable)


def _ident(name: str) -> Column[str]:
    return Column(name, String(200), nullable=False)


def fact_table(name: str, key: list[Column[Any]], *columns: Column[Any], interval: bool = False) -> Table:
    """A versioned fact table: `key` names one record across its versions; `interval` adds its valid time
    (`valid_from`, `valid_until`, UTC; a date-only bound is indexed at 00:00 UTC, the body keeps the date)."""
    times: list[Column[Any]] = []
    if interval:
        times = [Column("valid_from", UtcDateTime()), Column("valid_until", UtcDateTime())]
    table = Table(
        name,
        metadata,
        Column("row_id", Id, primary_key=True, autoincrement=True),
        *key,
        *columns,
        *times,
        Column("body", Text, nullable=False),
        Column("digest", String(64), nullable=False),
        Column("seq", Integer, nullable=False),
        # When the system learnt this version; NULL: the file gave none, known for every known_at.
        Column("recorded_at", UtcDateTime()),
        Column("superseded_at", UtcDateTime()),
        Column("supersedes", Id, ForeignKey(f"{name}.row_id")),
        Column("import_id", Id, ForeignKey("imports.id"), nullable=False),
        info={"key": tuple(c.name for c in key)},
    )
    current = table.c.superseded_at.is_(None)
    Index(
        f"uq_{name}_current",
        *(table.c[c.name] for c in key),
        unique=True,
        sqlite_where=current,
        postgresql_where=current,
    )
    return table


def child_table(name: str, parent: str, *columns: Column[Any], interval: bool = False) -> Table:
    """Facts listed under a parent record, keyed by the parent's id and their position in its list."""
    return fact_table(name, [_ident(parent), Column("ordinal", Integer, nullable=False)], *columns, interval=interval)


world_settings = fact_table(
    "world_settings",
    [Column("name", String(16), nullable=False)],
    _code("sending_state", False),
    Column("rule_pack", String(64)),
)
countries = fact_table("countries", [_code("code", False)])
country_acceptance = child_table(
    "country_acceptance", "country_code", Column("status", String(16), nullable=False), interval=True
)
country_assurances = child_table("country_assurances", "country_code", interval=True)
facilities = fact_table(
    "facilities",
    [_ident("id")],
    _code("country", False),
    Column("kind", String(32), nullable=False),
    Column("capacity", Integer),
)
agreements = fact_table(
    "agreements",
    [_ident("id")],
    _code("sending", False),
    _code("receiving", False),
    _code("funder"),
    Column("facility", String(200)),
)
agreement_versions = child_table(
    "agreement_versions",
    "agreement_id",
    Column("status", String(16), nullable=False),
    Column("capacity", Integer),
    Column("fee_currency", String(3)),
    interval=True,
)
custody = child_table(
    "custody",
    "agreement_id",
    Column("person_id", String(200)),
    Column("headcount", Integer, nullable=False),
    interval=True,
)
persons = fact_table(
    "persons",
    [_ident("id")],
    Column("status", String(16), nullable=False),
    Column("sex", String(1)),
    Column("birth_date", Date),
    Column("district", String(64)),
    Column("nationalities", Text, nullable=False),
)
person_orders = child_table("person_orders", "person_id", Column("basis", String(16), nullable=False), interval=True)
person_protections = child_table(
    "person_protections",
    "person_id",
    Column("kind", String(32), nullable=False),
    _code("country", False),
    interval=True,
)
person_stays = child_table("person_stays", "person_id", Column("kind", String(16), nullable=False), interval=True)
person_pending = child_table("person_pending", "person_id", Column("kind", String(32), nullable=False), interval=True)
person_convictions = child_table(
    "person_convictions", "person_id", Column("aggravated_felony", Boolean, nullable=False), interval=True
)
person_designations = child_table(
    "person_designations",
    "person_id",
    Column("kind", String(DESIGNATION_KIND_LENGTH), nullable=False),  # an open vocabulary of ids
    interval=True,
)
person_notices = child_table(
    "person_notices",
    "person_id",
    Column("kind", String(16), nullable=False),
    _code("country", False),
    interval=True,
)
person_fear_claims = child_table(
    "person_fear_claims",
    "person_id",
    _code("country", False),
    Column("outcome", String(16), nullable=False),
    interval=True,
)
court_orders = fact_table("court_orders", [_ident("id")], Column("effect", String(32), nullable=False), interval=True)

WORLD_TABLES: tuple[Table, ...] = (
    imports,
    world_settings,
    countries,
    country_acceptance,
    country_assurances,
    facilities,
    agreements,
    agreement_versions,
    custody,
    persons,
    person_orders,
    person_protections,
    person_stays,
    person_pending,
    person_convictions,
    person_designations,
    person_notices,
    person_fear_claims,
    court_orders,
)

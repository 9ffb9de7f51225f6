"""The column layout of a caseload, shared by the bulk Parquet files and the engine's arrays.

People are one table (one row per person). Each kind of fact (orders, protections, ...) is its own
table, one row per fact, keyed by `person` (the person's row) and sorted by it, so the facts of person i
are one contiguous run. The layout is declared once here; the writer, the reader and the engine follow it.

Instants are stored as UTC timestamps. A date-only value (docs/spec/rules.md §3) is written resolved to the start of
its day in the rule pack's timezone, the only zone that resolves a person's dates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import get_args

import numpy as np
import pycountry

from accord.domain.people import (
    FearOutcome,
    LegalStatus,
    OrderBasis,
    PendingKind,
    ProtectionKind,
    Sex,
    StayKind,
)

NEVER = int(np.iinfo(np.int64).max)  # the end of an open interval; an empty `final`
ALWAYS = int(np.iinfo(np.int64).min)  # the `recorded_at` of a record with none: known at every instant
UNKNOWN_BIRTH = int(np.iinfo(np.int32).max)  # an unknown birth date: younger than every age threshold


class Kind(Enum):
    INSTANT = "instant"  # timestamp[us, UTC]; int64 µs in the engine
    ENUM = "enum"  # dictionary string; int8 index into the column's values (-1 when null)
    ID = "id"  # dictionary string of an open vocabulary of ids; int32 index into the table's own values
    COUNTRY = "country"  # dictionary string (ISO 3166-1 alpha-3); int16 index into COUNTRIES
    LANGUAGE = "language"  # dictionary string (ISO 639-3); int16 index into LANGUAGES
    BOOL = "bool"
    TEXT = "text"  # string; never read by the engine
    COUNTRIES = "countries"  # list<string> of countries; a nested run of int16 codes per row


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # as in the world format
    kind: Kind
    values: tuple[str, ...] = ()  # the vocabulary of an ENUM
    missing: int = 0  # the engine's value for a null INSTANT
    nullable: bool = False

    @property
    def attr(self) -> str:
        """The attribute of the domain record (`from` is a Python keyword)."""
        return "from_" if self.name == "from" else self.name


def _literal(kind: object) -> tuple[str, ...]:
    return tuple(str(v) for v in get_args(kind))


COUNTRIES: tuple[str, ...] = tuple(sorted(c.alpha_3 for c in pycountry.countries))
LANGUAGES: tuple[str, ...] = tuple(sorted(lang.alpha_3 for lang in pycountry.languages))
COUNTRY_CODE = {code: i for i, code in enumerate(COUNTRIES)}
LANGUAGE_CODE = {code: i for i, code in enumerate(LANGUAGES)}

SEXES = _literal(Sex)
STATUSES = _literal(LegalStatus)
ORDER_BASES = _literal(OrderBasis)
PROTECTION_KINDS = _literal(ProtectionKind)
STAY_KINDS = _literal(StayKind)
PENDING_KINDS = _literal(PendingKind)
FEAR_OUTCOMES = _literal(FearOutcome)

RECORDED_AT = Column("recorded_at", Kind.INSTANT, missing=ALWAYS, nullable=True)


def _instant(name: str, open_end: bool = False) -> Column:
    return Column(name, Kind.INSTANT, missing=NEVER, nullable=open_end)


PERSON_COLUMNS: tuple[Column, ...] = (
    Column("id", Kind.TEXT),
    Column("sex", Kind.ENUM, SEXES, nullable=True),
    Column("status", Kind.ENUM, STATUSES),
    Column("accompanied", Kind.BOOL),
    Column("district", Kind.TEXT, nullable=True),
    RECORDED_AT,
)
"""The fixed person columns. Besides these: `birth_date` (date32, null = unknown), `identity_verified`
(bool, null = no identity on file), `identity_reference` (string), `identity_recorded_at` (timestamp,
null = known with the person), `nationalities` and `languages` (list<string>)."""

FACT_COLUMNS: dict[str, tuple[Column, ...]] = {
    "orders": (
        Column("basis", Kind.ENUM, ORDER_BASES),
        _instant("issued"),
        _instant("final", open_end=True),
        Column("designated", Kind.COUNTRIES),
        RECORDED_AT,
    ),
    "protections": (
        Column("kind", Kind.ENUM, PROTECTION_KINDS),
        Column("country", Kind.COUNTRY),
        _instant("granted"),
        _instant("terminated", open_end=True),
        RECORDED_AT,
    ),
    "stays": (
        Column("kind", Kind.ENUM, STAY_KINDS),
        _instant("from"),
        _instant("until", open_end=True),
        RECORDED_AT,
    ),
    "pending": (
        Column("kind", Kind.ENUM, PENDING_KINDS),
        _instant("filed"),
        _instant("decided", open_end=True),
        RECORDED_AT,
    ),
    "convictions": (
        _instant("date"),
        Column("offense", Kind.TEXT),
        Column("aggravated_felony", Kind.BOOL),
        RECORDED_AT,
    ),
    "designations": (
        Column("kind", Kind.ID),  # any designation kind (aea_tda, ms13, ...)
        _instant("from"),
        _instant("until", open_end=True),
        RECORDED_AT,
    ),
    "notices": (
        Column("kind", Kind.ENUM, ("third_country",)),
        Column("country", Kind.COUNTRY),
        _instant("served"),
        Column("language", Kind.LANGUAGE),
        Column("exigent", Kind.BOOL),
        Column("attorney_access", Kind.BOOL),
        RECORDED_AT,
    ),
    "fear_claims": (
        Column("country", Kind.COUNTRY),
        _instant("stated"),
        Column("outcome", Kind.ENUM, FEAR_OUTCOMES),
        _instant("decided", open_end=True),
        RECORDED_AT,
    ),
}
FACT_KINDS: tuple[str, ...] = tuple(FACT_COLUMNS)

UNREAD: dict[str, frozenset[str]] = {
    "persons": frozenset({"identity_reference"}),
    "orders": frozenset({"issued"}),
    "convictions": frozenset({"offense", "aggravated_felony"}),
}
"""Columns the engine never reads (no gate depends on them); the bulk reader skips them."""

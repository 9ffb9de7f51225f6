"""The `accord.world/1` document: a world and, for scenario suites, the checks attached to it."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag

from accord.domain.base import Record
from accord.domain.codes import CountryCode
from accord.domain.limits import FIRST_YEAR, LAST_YEAR, Identifier, Text
from accord.domain.orders import PathwayKind
from accord.domain.time import Instant
from accord.domain.world import World

FORMAT = "accord.world/1"

_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _year_month(value: str) -> str:
    if not _YEAR_MONTH.match(value):
        raise ValueError(f"{value!r} is not a month written YYYY-MM")
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        raise ValueError(f"{value!r} is outside the months Accord accepts ({FIRST_YEAR}-01 to {LAST_YEAR}-12)")
    return value


YearMonth = Annotated[str, AfterValidator(_year_month)]


class ExpectedPathway(Record):
    kind: PathwayKind
    destination: CountryCode | None = None
    agreement: Identifier | None = None
    status: Literal["allowed", "blocked"]
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    exact_reasons: bool = False


class DecisionCheck(Record):
    as_of: Instant
    known_at: Instant | None = None
    expect: dict[Identifier, tuple[ExpectedPathway, ...]]


class BillRequest(Record):
    agreement: Identifier
    from_: YearMonth = Field(alias="from")
    to: YearMonth


class BillExpectation(Record):
    totals: dict[YearMonth, str] = Field(default_factory=dict)
    total: str | None = None


class BillCheck(Record):
    bill: BillRequest
    expect: BillExpectation


def _check_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "bill" if "bill" in value else "decision"
    return "bill" if isinstance(value, BillCheck) else "decision"


Check = Annotated[
    Annotated[DecisionCheck, Tag("decision")] | Annotated[BillCheck, Tag("bill")], Discriminator(_check_kind)
]


class WorldDocument(Record):
    format: Literal["accord.world/1"]
    title: Text | None = None
    source: Text | None = None
    world: World
    checks: tuple[Check, ...] = ()

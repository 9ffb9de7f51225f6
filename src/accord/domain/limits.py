"""The documented limits of everything Accord reads (docs/limits.md), enforced where input is validated.

A value outside them is a validation error located like any other (`FILE:LINE: field: message`), never an
overflow, a hang or a database error later: so that a file that imports on SQLite imports on PostgreSQL,
and a number of a million digits is refused before anything computes with it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator

# ---- time ---------------------------------------------------------------------------------------------

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
END = datetime(2101, 1, 1, tzinfo=UTC)  # the first instant after the range
FIRST_YEAR, LAST_YEAR = FIRST_DAY.year, LAST_DAY.year
RANGE_TEXT = "1900-01-01 to 2100-12-31"


def check_instant(value: datetime) -> datetime:
    """An aware instant from 1900-01-01T00:00:00Z up to the end of 2100 (UTC)."""
    if not EARLIEST <= value < END:
        raise ValueError(f"{value.isoformat()} is outside the instants Accord accepts ({RANGE_TEXT}, UTC)")
    return value


def check_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"{value.isoformat()} is outside the dates Accord accepts ({RANGE_TEXT})")
    return value


def check_moment(value: datetime | date) -> datetime | date:
    return check_instant(value) if isinstance(value, datetime) else check_day(value)


Day = Annotated[date, AfterValidator(check_day)]
"""A calendar date from 1900-01-01 to 2100-12-31."""

# ---- text ---------------------------------------------------------------------------------------------

MAX_ID = 200  # ids are String(200) columns on PostgreSQL
MAX_SHORT_ID = 64  # districts and rule-pack names: String(64) columns
MAX_NAME = 200
MAX_TEXT = 4000
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet reads a cell starting so as a formula (OWASP)
# Bidirectional embeddings, overrides and isolates (and the marks) reorder how text is shown: an id that
# reads one way and sorts or matches another ("Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters (NUL included), lone surrogates, and the bidi characters above. Free text may hold
# line breaks and tabs; nothing else does.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(_BIDI)) + "]")
_NOT_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(_BIDI)) + "]")


def _refuse_characters(value: str, pattern: re.Pattern[str], what: str) -> None:
    found = pattern.search(value)
    if found is not None:
        char = found.group()
        name = unicodedata.name(char, "control character")
        raise ValueError(f"{what} may not contain U+{ord(char):04X} ({name.lower()})")


def _length(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters long; at most {limit}")


def check_identifier(value: str, limit: int = MAX_ID) -> str:
    """An id: 1 to 200 characters, no control or bidi character, no leading or trailing space, and not
    starting with = + - @ (so that no spreadsheet takes it for a formula)."""
    if not value:
        raise ValueError("an id may not be empty")
    _length(value, limit, "an id")
    _refuse_characters(value, _NOT_IN_NAME, "an id")
    if value[0] in FORMULA_STARTS:
        raise ValueError(f"an id may not start with {value[0]!r} (a spreadsheet would read it as a formula)")
    if value != value.strip():
        raise ValueError("an id may not start or end with a space")
    return value


def check_short_identifier(value: str) -> str:
    return check_identifier(value, MAX_SHORT_ID)


def check_name(value: str) -> str:
    """A name or a short reference: at most 200 characters on one line, no control or bidi character."""
    _length(value, MAX_NAME, "a name")
    _refuse_characters(value, _NOT_IN_NAME, "a name")
    return value


def check_text(value: str) -> str:
    """Free text: at most 4000 characters; line breaks and tabs, but no other control or bidi character."""
    _length(value, MAX_TEXT, "a text")
    _refuse_characters(value, _NOT_IN_TEXT, "a text")
    return value


Identifier = Annotated[str, AfterValidator(check_identifier)]
ShortIdentifier = Annotated[str, AfterValidator(check_short_identifier)]
Name = Annotated[str, AfterValidator(check_name)]
Text = Annotated[str, AfterValidator(check_text)]

# ---- numbers ------------------------------------------------------------------------------------------

MONEY_DIGITS = 12  # integer digits of an amount: up to 999,999,999,999.99
MAX_CAPACITY = 1_000_000  # places of an agreement or a facility (CECOT states 40,000)
MAX_HEADCOUNT = 1_000_000  # people in one anonymous custody block
MAX_SEATS = 1_000  # seats of one flight (the largest airliners seat about 850)
MAX_LEGS = 20
MAX_FLIGHT_HOURS = Decimal(100)  # hours of one flight; hundredths at most
HOURS_PLACES = 2


def check_amount_digits(value: Decimal) -> Decimal:
    """At most MONEY_DIGITS integer digits (the places are the currency's: see `check_places`)."""
    if value and value.adjusted() >= MONEY_DIGITS:
        raise ValueError(f"an amount has at most {MONEY_DIGITS} digits before the decimal point")
    return value


def places(value: Decimal) -> int:
    """Digits written after the decimal point ("20000.00" has 2, "2E+4" none)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_places(value: Decimal, allowed: int, what: str) -> None:
    if places(value) > allowed:
        raise ValueError(f"{what} {value} has {places(value)} decimal places; at most {allowed}")


def check_flight_hours(value: Decimal) -> Decimal:
    """Flight hours: more than 0, at most 100, in hundredths."""
    if not value.is_finite() or not 0 < value <= MAX_FLIGHT_HOURS:
        raise ValueError(f"flight hours must be more than 0 and at most {MAX_FLIGHT_HOURS}")
    check_places(value, HOURS_PLACES, "flight hours")
    return value

"""The documented limits (docs/limits.md): what they refuse, in the records that use them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from accord.domain import Agreement, CustodyRecord, Facility, Fee, Money, Person
from accord.domain.limits import (
    EARLIEST,
    END,
    check_day,
    check_flight_hours,
    check_identifier,
    check_instant,
    check_name,
    check_text,
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "may not be empty"),
        ("P" * 201, "is 201 characters long; at most 200"),
        ("P\x00", "U+0000 (control character)"),
        ("P\u202e1", "U+202E (right-to-left override)"),
        ("P\u2066", "U+2066 (left-to-right isolate)"),
        ("P\ud800", "U+D800"),
        ("=1+1", "may not start with '='"),
        ("+1", "may not start with '+'"),
        ("-1", "may not start with '-'"),
        ("@SUM(A1)", "may not start with '@'"),
        (" P1", "may not start or end with a space"),
        ("P1\t", "U+0009"),
    ],
)
def test_an_id_is_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_identifier(value)


def test_ids_names_and_text_accept_what_people_write() -> None:
    assert check_identifier("P-001/ß·名") == "P-001/ß·名"
    assert (
        check_name("Centro de Confinamiento del Terrorismo, Tecoluca")
        == "Centro de Confinamiento del Terrorismo, Tecoluca"
    )
    assert check_text("line one\n\tline two") == "line one\n\tline two"
    with pytest.raises(ValueError, match=re.escape("U+000A")):
        check_name("two\nlines")
    with pytest.raises(ValueError, match="at most 4000"):
        check_text("x" * 4001)


@given(st.text(max_size=30))
def test_an_accepted_id_has_no_control_bidi_or_formula_start(value: str) -> None:
    try:
        check_identifier(value)
    except ValueError:
        return
    assert value and value[0] not in "=+-@" and value == value.strip()
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in value)


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
        EARLIEST - timedelta(microseconds=1),
        END,
        datetime(1900, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=9))),  # 1899-12-31T15:00Z
    ],
)
def test_instants_outside_1900_2100_are_refused_not_overflowed(instant: datetime) -> None:
    with pytest.raises(ValueError, match="is outside the instants Accord accepts"):
        check_instant(instant)


def test_the_range_s_bounds() -> None:
    assert check_instant(EARLIEST) == EARLIEST
    assert check_instant(END - timedelta(microseconds=1)).year == 2100
    assert check_day(date(1900, 1, 1)) and check_day(date(2100, 12, 31))
    for day in (date(1, 1, 1), date(1899, 12, 31), date(2101, 1, 1), date(9999, 12, 31)):
        with pytest.raises(ValueError, match="is outside the dates"):
            check_day(day)


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("1e999999", "USD", "at most 12 digits before the decimal point"),
        ("1000000000000", "USD", "at most 12 digits"),
        ("20000.001", "USD", "has 3 decimal places; at most 2"),
        ("100.5", "JPY", "at most 0"),
        ("NaN", "USD", "finite"),
    ],
)
def test_money_is_refused_beyond_12_digits_and_the_currency_s_minor_unit(
    amount: str, currency: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Fee.model_validate({"amount": amount, "currency": currency, "per": "year", "proration": "actual_365"})
    with pytest.raises(ValidationError, match=message):
        Money.model_validate({"amount": amount, "currency": currency})


def test_money_within_the_limits() -> None:
    assert Money(amount=Decimal("999999999999.99"), currency="USD").amount == Decimal("999999999999.99")
    assert Money(amount=Decimal("1.234"), currency="KWD").amount == Decimal("1.234")
    assert Money(amount=Decimal("2E+4"), currency="JPY").amount == 20000


def test_flight_hours() -> None:
    assert check_flight_hours(Decimal("2.5")) == Decimal("2.5")
    for hours in ("0", "-1", "100.01", "1e30", "2.125"):
        with pytest.raises(ValueError, match="flight hours"):
            check_flight_hours(Decimal(hours))


def test_counts_have_plausible_bounds() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 1000000"):
        Facility(id="F", country="SLV", kind="prison", capacity=10**35, timezone="UTC")
    with pytest.raises(ValidationError, match="less than or equal to 1000000"):
        CustodyRecord.model_validate({"count": 10**7, "agreement": "A", "intake": "2025-03-16"})
    with pytest.raises(ValidationError, match="less than or equal to 1000000"):
        Agreement.model_validate(
            {
                "id": "A",
                "sending": "USA",
                "receiving": "SLV",
                "timezone": "UTC",
                "versions": [{"from": "2025-01-01", "status": "in_force", "capacity": 2**40}],
            }
        )


def test_a_person_s_dates_and_district() -> None:
    with pytest.raises(ValidationError, match="0001-01-01 is outside"):
        Person.model_validate({"id": "P", "status": "lpr", "birth_date": "0001-01-01"})
    with pytest.raises(ValidationError, match="at most 64"):
        Person.model_validate({"id": "P", "status": "lpr", "district": "D" * 65})
    with pytest.raises(ValidationError, match="outside the instants"):
        Person.model_validate({"id": "P", "status": "lpr", "recorded_at": datetime(2101, 1, 1, tzinfo=UTC)})

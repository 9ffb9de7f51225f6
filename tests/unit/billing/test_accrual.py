"""Accrual under each convention of docs/spec/rules.md §6, line by line, and the refusals of bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost
from accord.billing.preview import bill
from tests.unit.billing.worlds import fee, held, version, world

WORKED = [held("P1", "2025-03-16", "2025-07-18")]


def lines(result: dict, month: str) -> list[dict]:  # type: ignore[type-arg]
    return next(i["lines"] for i in result["invoices"] if i["month"] == month)


def totals(result: dict) -> list[str]:  # type: ignore[type-arg]
    return [i["total"] for i in result["invoices"]]


@pytest.mark.parametrize(
    ("proration", "expected", "total"),
    [
        ("actual_365", ["876.71", "1643.84", "1698.63", "1643.84", "931.51"], "6794.53"),
        ("monthly_prorated", ["860.22", "1666.67", "1666.67", "1666.67", "913.98"], "6774.21"),
        ("whole_months_started", ["1666.67"] * 5, "8333.35"),
    ],
)
def test_worked_example(proration: str, expected: list[str], total: str) -> None:
    w = world([version("2025-03-14", fee(proration=proration))], WORKED)
    result = bill(w, "A", "2025-03", "2025-07").to_json()
    assert totals(result) == expected
    assert result["total"] == total
    assert lines(result, "2025-03") == [
        {
            "kind": "custody",
            "person": "P1",
            "days": 16,
            "rate_version": "2025-03-14",
            "rate_versions": ["2025-03-14"],
            "amount": expected[0],
        }
    ]
    assert lines(result, "2025-07")[0]["days"] == 17  # the release day (18th) is not billed


def test_every_month_of_the_range_gets_an_invoice_even_empty() -> None:
    w = world([version("2025-01-01", fee())], WORKED)
    result = bill(w, "A", "2025-01", "2025-09").to_json()
    assert [i["month"] for i in result["invoices"]] == [f"2025-{m:02d}" for m in range(1, 10)]
    assert result["invoices"][0] == {"month": "2025-01", "lines": [], "total": "0.00"}
    assert result["invoices"][-1]["total"] == "0.00"


@pytest.mark.parametrize(("amount", "per"), [("20000.00", "year"), ("1666.67", "month")])
def test_per_month_is_twelve_a_year(amount: str, per: str) -> None:
    w = world([version("2025-01-01", fee(amount=amount, per=per, proration="monthly_prorated"))], WORKED)
    assert bill(w, "A", "2025-04", "2025-04").to_json()["total"] == "1666.67"


def test_per_day_is_365_a_year_and_actual_365_bills_the_day_rate() -> None:
    w = world([version("2025-01-01", fee(amount="10.00", per="day"))], WORKED)
    assert totals(bill(w, "A", "2025-03", "2025-07").to_json()) == ["160.00", "300.00", "310.00", "300.00", "170.00"]


def test_amendment_applies_from_its_effective_date_in_one_line_per_month() -> None:
    w = world(
        [version("2025-03-14", fee()), version("2025-04-14", fee(amount="25000.00"))],
        [held("P1", "2025-04-01", "2025-05-01")],
    )
    [line] = lines(bill(w, "A", "2025-04", "2025-04").to_json(), "2025-04")
    assert line["amount"] == "1876.71"  # (13 x 20000 + 17 x 25000) / 365, rounded once
    assert line["rate_versions"] == ["2025-03-14", "2025-04-14"]


def test_retroactive_amendment_rerates_every_earlier_day_latest_wins() -> None:
    versions = [
        version("2025-01-01", fee()),
        version("2025-03-01", fee(amount="30000.00"), retroactive=True),
        version("2025-05-01", fee(amount="36500.00"), retroactive=True),
        version("2025-06-01", fee(amount="73000.00")),
    ]
    w = world(versions, [held("P1", "2025-02-01", "2025-06-03")])
    result = bill(w, "A", "2025-02", "2025-06").to_json()
    assert totals(result) == ["2800.00", "3100.00", "3000.00", "3100.00", "400.00"]
    assert lines(result, "2025-02")[0]["rate_version"] == "2025-05-01"


def test_whole_months_started_charges_the_rate_of_the_first_billable_day() -> None:
    versions = [
        version("2025-01-01", fee(proration="whole_months_started")),
        version("2025-04-20", fee(amount="24000.00", proration="whole_months_started")),
    ]
    w = world(versions, [held("P1", "2025-04-10", "2025-05-02"), held("P2", "2025-04-25", "2025-05-02")])
    april = lines(bill(w, "A", "2025-04", "2025-04").to_json(), "2025-04")
    assert [(line["person"], line["amount"]) for line in april] == [("P1", "1666.67"), ("P2", "2000.00")]


def test_days_under_a_version_without_fee_are_not_billed() -> None:
    versions = [
        version("2025-01-01", fee(amount="36500.00")),
        {"from": "2025-03-10", "status": "suspended"},
        version("2025-03-20", fee(amount="36500.00")),
    ]
    w = world(versions, [held("P1", "2025-03-01", "2025-04-01"), held("P2", "2025-03-12", "2025-03-15")])
    march = lines(bill(w, "A", "2025-03", "2025-03").to_json(), "2025-03")
    assert [(line["person"], line["days"], line["amount"]) for line in march] == [("P1", 21, "2100.00")]


def test_lump_sum_is_one_line_in_the_month_its_version_starts() -> None:
    versions = [
        version("2025-03-14", fee(amount="6000000.00", per="version", proration="lump_sum")),
        {"from": "2026-03-14", "status": "expired"},
    ]
    w = world(versions, WORKED)
    result = bill(w, "A", "2025-03", "2025-05").to_json()
    assert totals(result) == ["6000000.00", "0.00", "0.00"]
    assert lines(result, "2025-03") == [
        {"kind": "lump_sum", "rate_version": "2025-03-14", "rate_versions": ["2025-03-14"], "amount": "6000000.00"}
    ]


def test_anonymous_blocks_are_occupancy_only() -> None:
    w = world([version("2025-01-01", fee())], [{"count": 237, "intake": "2025-03-16"}, *WORKED])
    assert bill(w, "A", "2025-03", "2025-03").to_json()["total"] == "876.71"


def test_invoice_is_addressed_to_the_funder() -> None:
    w = world([version("2025-01-01", fee())], WORKED, funder="USA", sending="PAN", receiving="COL")
    result = bill(w, "A", "2025-03", "2025-03").to_json()
    assert (result["payer"], result["payee"]) == ("USA", "COL")


def test_flight_hours_at_the_agreement_rate() -> None:
    rate = {"amount": "8600.00", "currency": "USD"}
    w = world([version("2025-01-01", fee(), flight_hour_rate=rate)], WORKED)
    flights = [FlightCost("GXA-1", date(2025, 3, 16), Fraction("2.5"))]
    result = bill(w, "A", "2025-03", "2025-03", flights).to_json()
    assert lines(result, "2025-03")[-1] == {
        "kind": "flight",
        "flight": "GXA-1",
        "date": "2025-03-16",
        "hours": "2.5",
        "unit_rate": "8600",
        "rate_version": "2025-01-01",
        "rate_versions": ["2025-01-01"],
        "amount": "21500.00",
    }
    assert result["total"] == "22376.71"


def test_a_flight_line_is_rounded_once_from_its_exact_block_time() -> None:
    """8 h 25 min at 8,600.00 an hour is 72,383.33 (8 + 25/60 hours); rounding the hours first to 8.42
    would charge 72,412.00."""
    rate = {"amount": "8600.00", "currency": "USD"}
    w = world([version("2025-01-01", fee(), flight_hour_rate=rate)], WORKED)
    flights = [FlightCost("GXA-2", date(2025, 3, 15), Fraction(8) + Fraction(25, 60))]
    [line] = [x for x in bill(w, "A", "2025-03", "2025-03", flights).invoices[0].lines if x.kind == "flight"]
    assert (line.amount, line.hours, line.unit_rate) == (7_238_333, Fraction(101, 12), Fraction(8600))
    assert line.to_json("USD")["hours"] == "101/12" and line.to_json("USD")["amount"] == "72383.33"


def test_minor_units_follow_the_currency() -> None:
    w = world([version("2025-01-01", fee(amount="3000000", currency="JPY"))], WORKED)
    assert bill(w, "A", "2025-03", "2025-03").to_json()["total"] == "131507"  # 16 x 3e6 / 365 = 131506.8


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda: world([version("2025-01-01", fee())]), ("B", "2025-01", "2025-02"), "no agreement with id 'B'"),
        (lambda: world([version("2025-03-14", fee())]), ("A", "2025-02", "2025-03"), "2025-02: no version"),
        (lambda: world([version("2025-01-01", fee())]), ("A", "2025-03", "2025-01"), "ends (2025-01) before"),
        (lambda: world([version("2025-01-01", fee())]), ("A", "2025-13", "2025-13"), "not a month"),
        (
            lambda: world([version("2025-01-01", fee()), version("2025-02-01", fee(currency="EUR"))]),
            ("A", "2025-01", "2025-01"),
            "currency mismatch",
        ),
        (lambda: world([version("2025-01-01")]), ("A", "2025-01", "2025-01"), "names no fee"),
    ],
)
def test_bad_requests_are_refused(make, args, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BillingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bill(make(), *args)


def test_a_release_before_intake_is_refused() -> None:
    with pytest.raises(BillingError, match="not after intake"):
        CustodyPeriod("P1", "A", date(2025, 3, 16), date(2025, 3, 1))


def test_flight_without_a_rate_is_refused() -> None:
    w = world([version("2025-01-01", fee())], WORKED)
    with pytest.raises(BillingError, match="states no flight_hour_rate"):
        bill(w, "A", "2025-03", "2025-03", [FlightCost("F", date(2025, 3, 2), Decimal(1))])

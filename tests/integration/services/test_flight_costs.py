"""Invoices issued from the database charge the flights Accord flew under the agreement, timed by their
depart and arrive events, without a flights CSV (issue: fees, "flight costs")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from accord.billing.errors import BillingError
from accord.billing.inputs import FlightCost
from accord.billing.issuing import Facts, issue
from accord.billing.months import Month
from accord.ledger.keys import Keyring
from accord.services.custody import billing_periods
from accord.services.evening import run_evening
from accord.services.flight_costs import billing_flights
from accord.store import load_world
from accord.store.engine import make_engine

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
ROSTER = {"GXA-1": ["V1", "V2", "V3", "S1"], "GXA-2": ["V4", "T1"], "GXA-3": ["V5", "T2"]}
AGREEMENT = "US-SLV-2025"
DAY = date(2025, 3, 15)  # every flight left Harlingen in the afternoon or evening of the 15th, local time
# Block hours, departure (Eastern) to arrival at 00:10 in El Salvador (UTC-6): 8 h 45, 8 h 25, 6 h 34.
FLOWN = (
    FlightCost("GXA-1", DAY, Fraction(35, 4)),
    FlightCost("GXA-2", DAY, Fraction(101, 12)),
    FlightCost("GXA-3", DAY, Fraction(197, 30)),
)


def _evening_with_a_flight_rate(database_url: str, tmp_path: Path) -> None:
    text = (EVENING / "evening.yaml").read_text(encoding="utf-8")
    fee = 'fee: {amount: "20000.00", currency: USD, per: year, proration: actual_365}'
    world = tmp_path / "evening.yaml"
    world.write_text(text.replace(fee, f"{fee}\n          flight_hour_rate: {{amount: '8600.00', currency: USD}}", 1))
    run_evening(database_url, world, EVENING / "flights.yaml", EVENING / "jgg-tro.yaml", ROSTER, Keyring())


def test_flown_legs_are_charged_on_the_issued_invoice(database_url: str, tmp_path: Path) -> None:
    _evening_with_a_flight_rate(database_url, tmp_path)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            world = load_world(conn)
            flights = billing_flights(conn, world, AGREEMENT)
            assert sorted(flights, key=lambda f: f.flight) == list(FLOWN)
            facts = Facts(world, periods=billing_periods(conn, world, AGREEMENT), flights=flights)
            issued = issue(conn, facts, AGREEMENT, Month.parse("2025-03"), datetime(2025, 4, 1, tzinfo=UTC))
    finally:
        engine.dispose()
    charged = {line.flight: line.amount for line in issued.document.lines if line.kind == "flight"}
    # Cents, exact block hours x 8,600.00, rounded once: 8 h 25 min is 72,383.33 (not 8.42 h = 72,412.00).
    assert charged == {"GXA-1": 7_525_000, "GXA-2": 7_238_333, "GXA-3": 5_647_333}
    assert {line.flight: line.unit_rate for line in issued.document.lines if line.kind == "flight"} == {
        flight: Fraction(8600) for flight in ("GXA-1", "GXA-2", "GXA-3")
    }


def test_a_listed_flight_that_is_on_record_is_refused(database_url: str, tmp_path: Path) -> None:
    _evening_with_a_flight_rate(database_url, tmp_path)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(BillingError, match="flight GXA-2 is listed"):
            billing_flights(conn, load_world(conn), AGREEMENT, [FlightCost("GXA-2", DAY, Fraction(8))])
    finally:
        engine.dispose()

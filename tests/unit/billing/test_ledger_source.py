"""The custody ledger and the world's custody records give the same invoices."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from accord.billing.inputs import periods_from_world
from accord.billing.ledger_source import periods_from_ledger
from accord.billing.preview import bill, bill_periods
from accord.ledger.service import CustodyPeriod as LedgerPeriod
from accord.world import load_world_file
from tests.conftest import SCENARIOS

SLV = ZoneInfo("America/El_Salvador")


def test_ledger_stays_bill_like_the_world_custody_records() -> None:
    document = load_world_file(SCENARIOS / "s23-fee-proration-conventions.yaml")
    stays = [
        LedgerPeriod("USA-ICE", datetime(2025, 3, 1, 9, tzinfo=SLV), datetime(2025, 3, 16, 1, tzinfo=SLV), 0, 1),
        # handed over late at night local time, which is already the next day in UTC
        LedgerPeriod(
            "SLV-CECOT", datetime(2025, 3, 16, 23, 30, tzinfo=SLV), datetime(2025, 7, 18, 6, tzinfo=SLV), 1, 2
        ),
        LedgerPeriod("VEN-SEBIN", datetime(2025, 7, 18, 6, tzinfo=SLV), None, 2, None),
    ]
    for agreement in ("US-SLV-2025-A365", "US-SLV-2025-MPR", "US-SLV-2025-WMS"):
        periods = periods_from_ledger("P1", stays, "SLV-CECOT", agreement, "America/El_Salvador")
        assert periods == periods_from_world(document.world, agreement)
        from_ledger = bill_periods(document.world, agreement, periods, "2025-03", "2025-08")
        assert from_ledger == bill(document.world, agreement, "2025-03", "2025-08")


def test_a_same_day_stay_has_no_billable_day() -> None:
    stay = LedgerPeriod("SLV-CECOT", datetime(2025, 3, 16, 8, tzinfo=SLV), datetime(2025, 3, 16, 20, tzinfo=SLV), 0, 1)
    assert periods_from_ledger("P1", [stay], "SLV-CECOT", "A", "America/El_Salvador") == []

"""Every `bill` check of the scenario suites (tests/scenarios/*.yaml) against `accord.billing.preview.bill`."""

from __future__ import annotations

import pytest

from accord.billing.preview import bill
from accord.world import BillCheck, load_world_file
from tests.conftest import SCENARIOS


def _bill_checks() -> list[tuple[str, int]]:
    found = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        document = load_world_file(path)
        found += [(path.name, i) for i, check in enumerate(document.checks) if isinstance(check, BillCheck)]
    return found


CASES = _bill_checks()


def test_the_fee_scenarios_are_found() -> None:
    assert {name for name, _ in CASES} >= {"s23-fee-proration-conventions.yaml", "s24-amendment-rate-capacity.yaml"}


@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}#{i}" for n, i in CASES])
def test_bill_check(name: str, index: int) -> None:
    document = load_world_file(SCENARIOS / name)
    check = document.checks[index]
    assert isinstance(check, BillCheck)
    result = bill(document.world, check.bill.agreement, check.bill.from_, check.bill.to).to_json()
    got = {invoice["month"]: invoice["total"] for invoice in result["invoices"]}
    for month, total in check.expect.totals.items():
        assert got[month] == total, f"{month}: billed {got[month]}, expected {total}"
    if check.expect.total is not None:
        assert result["total"] == check.expect.total

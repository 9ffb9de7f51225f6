from __future__ import annotations

from accord.ledger import export_ledger, make_receipt, trusted_keys, verify_export, verify_receipt, where
from tests.integration.ledger.conftest import World


def test_export_verifies(busy_world: World) -> None:
    w = busy_world
    with w.engine.begin() as conn:
        size = export_ledger(conn, w.ledger, w.directory / "export")
        keys = trusted_keys(conn, w.ledger)
        receipt = make_receipt(conn, w.ledger, "A-200")
        custody = where(conn, w.ledger, "A-200")
    report = verify_export(w.directory / "export", keys, workers=1)
    assert report.size == size == 11
    assert verify_receipt(receipt, keys).last_to == "cecot"
    assert custody is not None and custody.custodian == "cecot"

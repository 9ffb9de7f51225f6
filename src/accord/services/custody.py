"""Custody periods for billing: from the custody ledger when it holds the agreement's handovers, else
from the world's custody records (both feed the same accrual, so both give the same invoices).

The receiving custodian of an agreement is its facility: handovers at arrival name the facility id as
the receiving custodian (see examples/flights/), so a stay with that custodian is custody under the
agreement."""

from __future__ import annotations

from sqlalchemy import Connection

from accord.billing.inputs import CustodyPeriod
from accord.billing.ledger_source import periods_from_ledger
from accord.billing.preview import find_agreement
from accord.domain import World
from accord.ledger.keys import Keyring
from accord.ledger.repository import LedgerMissing, ledger_ids
from accord.ledger.service import Ledger, custody_periods, open_ledger


def agreement_custodian(world: World, agreement_id: str) -> str | None:
    """The custodian whose stays are custody under the agreement: its facility, if it names one."""
    return find_agreement(world, agreement_id).facility


def ledger_periods(conn: Connection, ledger: Ledger, world: World, agreement_id: str) -> list[CustodyPeriod]:
    """Every person's stays with the agreement's custodian, in the facility's local dates."""
    custodian = agreement_custodian(world, agreement_id)
    if custodian is None:
        return []
    timezone = world.agreement_timezone(find_agreement(world, agreement_id))
    periods: list[CustodyPeriod] = []
    for person in world.persons:
        stays = custody_periods(conn, ledger, person.id)
        periods.extend(periods_from_ledger(person.id, stays, custodian, agreement_id, timezone))
    return periods


def billing_periods(
    conn: Connection, world: World, agreement_id: str, keyring: Keyring | None = None
) -> tuple[CustodyPeriod, ...] | None:
    """The ledger's periods when this database keeps a ledger that holds any for the agreement; None
    means "bill from the world's custody records". The keyring (default: this node's, from the
    environment) holds the secret that turns person ids into the ledger's commitments."""
    if not ledger_ids(conn):
        return None
    try:
        ledger = open_ledger(conn, keyring)
    except LedgerMissing:
        return None
    periods = ledger_periods(conn, ledger, world, agreement_id)
    return tuple(periods) if periods else None

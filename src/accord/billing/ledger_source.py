"""Custody periods from the custody ledger (`accord.ledger.service.custody_periods`), as billing inputs.

The ledger records handovers at instants; billing counts local dates at the facility. A stay with the
agreement's custodian becomes `[local date of intake, local date of release)`: the intake day is billed and
the release day is not (billing stops the day foreign custody ends). A stay that begins and ends on the same
local date has no billable day and yields no period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from accord.billing.inputs import CustodyPeriod
from accord.domain.time import local_date


class LedgerStay(Protocol):
    """What billing reads of the ledger's `CustodyPeriod`."""

    @property
    def custodian(self) -> str: ...
    @property
    def intake(self) -> datetime: ...
    @property
    def release(self) -> datetime | None: ...


def periods_from_ledger(
    person: str, stays: Iterable[LedgerStay], custodian: str, agreement_id: str, timezone: str
) -> list[CustodyPeriod]:
    """The person's stays with `custodian` (the receiving facility under `agreement_id`), in local dates."""
    out = []
    for stay in stays:
        if stay.custodian != custodian:
            continue
        intake = local_date(stay.intake, timezone)
        release = None if stay.release is None else local_date(stay.release, timezone)
        if release is None or release > intake:
            out.append(CustodyPeriod(person, agreement_id, intake, release))
    return out

"""Reconciliation: the receiving party's roster against Accord's custody record for one month, listing every
difference with the money it moves, so the two finance offices settle on facts rather than on totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from accord.billing.inputs import CustodyPeriod
from accord.billing.invoice import InvoiceSet, format_minor
from accord.billing.months import Month
from accord.billing.preview import bill_periods
from accord.domain.world import World

DiscrepancyKind = Literal["only_accord", "only_roster", "intake_differs", "release_differs", "dates_differ"]
Dates = tuple[tuple[date, date | None], ...]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    person: str
    kind: DiscrepancyKind
    accord: Dates
    roster: Dates
    accord_amount: int
    roster_amount: int

    @property
    def at_stake(self) -> int:
        """What the roster's dates would add to (or, negative, take from) Accord's line, in minor units."""
        return self.roster_amount - self.accord_amount


@dataclass(frozen=True, slots=True)
class Reconciliation:
    agreement: str
    month: Month
    currency: str
    accord_total: int
    roster_total: int
    discrepancies: tuple[Discrepancy, ...]

    def to_json(self) -> dict[str, Any]:
        money = self.currency
        return {
            "agreement": self.agreement,
            "month": str(self.month),
            "currency": money,
            "accord_total": format_minor(self.accord_total, money),
            "roster_total": format_minor(self.roster_total, money),
            "difference": format_minor(self.roster_total - self.accord_total, money),
            "discrepancies": [
                {
                    "person": d.person,
                    "kind": d.kind,
                    "accord": _dates_json(d.accord),
                    "roster": _dates_json(d.roster),
                    "accord_amount": format_minor(d.accord_amount, money),
                    "roster_amount": format_minor(d.roster_amount, money),
                    "at_stake": format_minor(d.at_stake, money),
                }
                for d in self.discrepancies
            ],
        }


def reconcile(
    world: World,
    agreement_id: str,
    month: Month,
    accord: Iterable[CustodyPeriod],
    roster: Iterable[CustodyPeriod],
) -> Reconciliation:
    """Compare both sides' custody periods that touch `month`, person by person; each is billed under the
    same rules, so the money at stake is exactly what the disputed dates change on the invoice."""
    ours, theirs = _touching(accord, agreement_id, month), _touching(roster, agreement_id, month)
    billed_ours = bill_periods(world, agreement_id, _flatten(ours), str(month), str(month))
    billed_theirs = bill_periods(world, agreement_id, _flatten(theirs), str(month), str(month))
    amounts_ours, amounts_theirs = _by_person(billed_ours), _by_person(billed_theirs)
    found = []
    for person in sorted(set(ours) | set(theirs)):
        mine, yours = _dates(ours.get(person, [])), _dates(theirs.get(person, []))
        if mine != yours:
            kind = _kind(mine, yours)
            found.append(
                Discrepancy(person, kind, mine, yours, amounts_ours.get(person, 0), amounts_theirs.get(person, 0))
            )
    return Reconciliation(
        agreement_id,
        month,
        billed_ours.currency,
        billed_ours.total,
        billed_theirs.total,
        tuple(found),
    )


def _touching(periods: Iterable[CustodyPeriod], agreement_id: str, month: Month) -> dict[str, list[CustodyPeriod]]:
    out: dict[str, list[CustodyPeriod]] = defaultdict(list)
    for period in periods:
        if period.agreement == agreement_id and period.clip(month.first_day, month.end) is not None:
            out[period.person].append(period)
    return out


def _flatten(by_person: dict[str, list[CustodyPeriod]]) -> list[CustodyPeriod]:
    return [p for periods in by_person.values() for p in periods]


def _by_person(billed: InvoiceSet) -> dict[str, int]:
    return {line.person: line.amount for line in billed.invoices[0].lines if line.person is not None}


def _dates(periods: list[CustodyPeriod]) -> Dates:
    return tuple(sorted((p.intake, p.release) for p in periods))


def _kind(accord: Dates, roster: Dates) -> DiscrepancyKind:
    if not roster:
        return "only_accord"
    if not accord:
        return "only_roster"
    if len(accord) == len(roster) == 1:
        if accord[0][0] == roster[0][0]:
            return "release_differs"
        if accord[0][1] == roster[0][1]:
            return "intake_differs"
    return "dates_differ"


def _dates_json(dates: Dates) -> list[dict[str, str | None]]:
    return [{"intake": str(i), "release": None if r is None else str(r)} for i, r in dates]

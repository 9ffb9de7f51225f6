"""Stateless billing of a world: what `accord bill` prints and the scenario runner's bill checks call."""

from __future__ import annotations

from collections.abc import Iterable

from accord.billing.accrual import accrue, require_currency
from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost, periods_from_world
from accord.billing.invoice import Invoice, InvoiceSet
from accord.billing.months import Month, month_range
from accord.billing.schedule import RateSchedule
from accord.domain.agreements import Agreement
from accord.domain.world import World


def bill(world: World, agreement_id: str, first: str, last: str, flights: Iterable[FlightCost] = ()) -> InvoiceSet:
    """Invoices for every month from `first` to `last` (YYYY-MM, both included) under one agreement,
    from the world's custody records. `bill(...).to_json()` is the invoice JSON of docs/spec/world-format.md."""
    return bill_periods(world, agreement_id, periods_from_world(world, agreement_id), first, last, flights)


def bill_periods(
    world: World,
    agreement_id: str,
    periods: Iterable[CustodyPeriod],
    first: str,
    last: str,
    flights: Iterable[FlightCost] = (),
) -> InvoiceSet:
    """As `bill`, with custody periods from any source (the world file, the custody ledger)."""
    schedule = schedule_for(world, agreement_id)
    months = month_range(Month.parse(first), Month.parse(last))
    invoices = accrue(schedule, periods, months, flights)
    return invoice_set(schedule, invoices)


def schedule_for(world: World, agreement_id: str) -> RateSchedule:
    agreement = find_agreement(world, agreement_id)
    return RateSchedule(agreement, world.agreement_timezone(agreement))


def find_agreement(world: World, agreement_id: str) -> Agreement:
    agreement = world.agreement_by_id.get(agreement_id)
    if agreement is None:
        known = ", ".join(sorted(world.agreement_by_id)) or "none"
        raise BillingError(f"no agreement with id {agreement_id!r} (known: {known})")
    return agreement


def invoice_set(schedule: RateSchedule, invoices: Iterable[Invoice]) -> InvoiceSet:
    agreement = schedule.agreement
    return InvoiceSet(
        agreement=agreement.id,
        currency=require_currency(schedule),
        payer=agreement.payer,
        payee=agreement.receiving,
        invoices=tuple(invoices),
    )

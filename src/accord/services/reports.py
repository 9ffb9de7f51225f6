"""Reports and the cost model over the database: the use cases behind `accord report` and `accord cost`.

Each takes a connection and plain values and returns plain values; the report core (`accord.reports`)
does the counting, the suppression and the charts, the store's report repository the reading."""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from accord.billing.inputs import CustodyPeriod, periods_from_world
from accord.billing.invoice import InvoiceSet, Line
from accord.billing.months import Month, month_range
from accord.billing.preview import bill_periods, find_agreement, schedule_for
from accord.billing.repository import documents_for
from accord.domain import World
from accord.domain.codes import minor_units
from accord.ledger.keys import Keyring
from accord.reports import charts
from accord.reports.aggregate import Window, aggregate, months
from accord.reports.cost import CostInputs, CostModel, MonthCost
from accord.reports.rates import DEFAULT_RATE, RateFile
from accord.reports.spec import ReportSpec
from accord.reports.suppress import Published, suppress
from accord.services.custody import billing_periods
from accord.services.flight_costs import billing_flights
from accord.services.report_facts import capacity, database_facts
from accord.store.reader import load_world


@dataclass(frozen=True)
class ReportResult:
    published: Published
    suppressed: bool
    title: str  # what, where and when
    capacity: dict[tuple[str, str], int]  # (facility, month) -> places, for the population chart

    @property
    def spec(self) -> ReportSpec:
        return self.published.table.spec


def run_report(
    conn: Connection,
    spec: ReportSpec,
    as_of: datetime,
    known_at: datetime | None,
    first: Month,
    last: Month,
    suppressed: bool = True,
    keyring: Keyring | None = None,
) -> ReportResult:
    """The report of `spec` over the months first..last, counting what happened by `as_of` as known at
    `known_at` (default `as_of`). Suppressed unless `suppressed` is False and the spec is not public."""
    known = known_at or as_of
    world = load_world(conn, known_at=known)
    window = Window(as_of, known, first.first_day, last.end)
    table = aggregate(spec, database_facts(conn, world, as_of, known, keyring), window)
    apply = suppressed or spec.public
    published = suppress(table) if apply else Published(table, frozenset(), frozenset())
    return ReportResult(published, apply, title(spec, world, window), capacity(world, months(window.first, window.end)))


def title(spec: ReportSpec, world: World, window: Window) -> str:
    """What, where and when: the spec's title, the sending state, the months and the instants."""
    last = Month.of(window.end - timedelta(days=1))
    when = f"{Month.of(window.first)} to {last}, as of {window.as_of.isoformat(timespec='minutes')}"
    if window.known_at != window.as_of:
        when += f", as known at {window.known_at.isoformat(timespec='minutes')}"
    return f"{spec.title} — sent by {world.sending_state} — {when}"


def write_chart(result: ReportResult, path: Path) -> None:
    spec = result.spec
    if spec.chart.kind == "population":
        table = result.published.table
        lengths = {m: monthrange(int(m[:4]), int(m[5:]))[1] for (m,) in table.row_keys}
        charts.population_chart(result.published, lengths, result.capacity, result.title, path)
    else:
        charts.bar_chart(result.published, result.title, path, horizontal=spec.chart.horizontal)


# ---- the cost model -------------------------------------------------------------------------------------


def cost_of(
    conn: Connection, agreement_id: str, first: Month, last: Month, rates: RateFile, keyring: Keyring | None = None
) -> CostModel:
    """The agreement's cost over first..last: fees from issued invoices (with their notes) where a month
    was issued, else billed from the custody record; flights from the block hours flown; bed-days from
    the custody record; against the domestic rate of `rates`."""
    world = load_world(conn)
    agreement = find_agreement(world, agreement_id)
    periods = billing_periods(conn, world, agreement_id, keyring) or tuple(periods_from_world(world, agreement_id))
    computed = bill_periods(
        world, agreement_id, periods, str(first), str(last), billing_flights(conn, world, agreement_id)
    )
    schedule = schedule_for(world, agreement_id)
    rating = schedule.rating(max(first.first_day, schedule.first_day))  # the fee once the agreement starts
    annual = (
        None
        if rating is None or rating.annual is None
        else Decimal(rating.annual.numerator) / rating.annual.denominator
    )
    spans = month_range(first, last)
    inputs = CostInputs(
        agreement=agreement.id,
        currency=computed.currency,
        payer=agreement.payer,
        months=tuple(_month_cost(conn, computed, month, periods) for month in spans),
        places=max((v.capacity or 0 for v in agreement.versions if v.status == "in_force"), default=0) or None,
        annual_fee=annual,
        days=sum(m.days for m in spans),
    )
    return CostModel(inputs, rates.rate(DEFAULT_RATE))


def _month_cost(conn: Connection, computed: InvoiceSet, month: Month, periods: tuple[CustodyPeriod, ...]) -> MonthCost:
    issued = documents_for(conn, computed.agreement, month)
    lines: list[Line] = [line for document in issued for line in document.lines]
    source = " + ".join(d.number for d in issued) if issued else "custody record"
    if not issued:
        lines = list(computed.invoice(month).lines)
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line.kind] += line.amount
    unit = Decimal(10) ** -minor_units(computed.currency)
    bed_days = sum((c[1] - c[0]).days for p in periods if (c := p.clip(month.first_day, month.end)) is not None)
    return MonthCost(
        month=str(month),
        fees=(sums["custody"] + sums["lump_sum"]) * unit,
        fixed_fees=sums["lump_sum"] * unit,
        flights=sums["flight"] * unit,
        bed_days=bed_days,
        source=source,
    )

"""The cost model: what an agreement cost against holding the same people in domestic detention.

Inputs are plain values (the service reads them from issued invoices, the custody record and the flights
flown). The agreement's cost is its fee lines plus its flight lines. The alternative is the same custody
days (bed-days) at the domestic rate. Break-even occupancy is the share of the agreement's places that
must be filled over the period for an occupied bed-day abroad to cost what a domestic one does:

    cost per occupied bed-day at occupancy o = fixed / (o x places x days) + fee per bed-day
    break-even o* = fixed / ((domestic rate - fee per bed-day) x places x days)

where `fixed` is what does not grow with occupancy (flights and lump sums) and the fee per bed-day is the
annual fee / 365. When the fee per bed-day alone reaches the domestic rate there is no break-even."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accord.reports.rates import Rate

DAYS_PER_YEAR = Decimal(365)
OCCUPANCIES = tuple(Decimal(n) / 100 for n in range(5, 101, 5))  # the sensitivity grid's columns
FEE_FACTORS = tuple(Decimal(n) / 4 for n in range(1, 13))  # 0.25x .. 3x the agreement's fee: its rows


@dataclass(frozen=True)
class MonthCost:
    """One month of the agreement: fees and flights in currency units, where they come from, bed-days."""

    month: str
    fees: Decimal
    fixed_fees: Decimal  # the part of `fees` that does not depend on occupancy (lump sums)
    flights: Decimal
    bed_days: int
    source: str  # "INV-... (+ notes)" when issued, "custody record" when computed


@dataclass(frozen=True)
class CostInputs:
    agreement: str
    currency: str
    payer: str
    months: tuple[MonthCost, ...]
    places: int | None  # the agreement's capacity (largest in force over the period)
    annual_fee: Decimal | None  # per detainee-year, of the version in force at the start (None: no per-head fee)
    days: int  # calendar days of the period


@dataclass(frozen=True)
class CostModel:
    inputs: CostInputs
    rate: Rate

    @property
    def fees(self) -> Decimal:
        return sum((m.fees for m in self.inputs.months), Decimal(0))

    @property
    def flights(self) -> Decimal:
        return sum((m.flights for m in self.inputs.months), Decimal(0))

    @property
    def fixed(self) -> Decimal:
        return self.flights + sum((m.fixed_fees for m in self.inputs.months), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.fees + self.flights

    @property
    def bed_days(self) -> int:
        return sum(m.bed_days for m in self.inputs.months)

    @property
    def alternative(self) -> Decimal:
        """The same bed-days in domestic detention."""
        return self.rate.amount * self.bed_days

    @property
    def per_bed_day(self) -> Decimal | None:
        return None if self.bed_days == 0 else self.total / self.bed_days

    @property
    def fee_per_bed_day(self) -> Decimal:
        return (self.inputs.annual_fee or Decimal(0)) / DAYS_PER_YEAR

    @property
    def capacity_days(self) -> int | None:
        return None if not self.inputs.places else self.inputs.places * self.inputs.days

    @property
    def occupancy(self) -> Decimal | None:
        """The share of the agreement's place-days that was used."""
        capacity = self.capacity_days
        return None if capacity is None else Decimal(self.bed_days) / capacity

    @property
    def break_even(self) -> Decimal | None:
        """Break-even occupancy (may exceed 1: not reachable within the places); None when never."""
        return break_even(self.fixed, self.fee_per_bed_day, self.rate.amount, self.capacity_days)

    def sensitivity(self) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...], tuple[tuple[Decimal | None, ...], ...]]:
        """(annual fees, occupancies, ratio of the cost per occupied bed-day to the domestic rate)."""
        base = self.inputs.annual_fee or self.rate.amount * DAYS_PER_YEAR
        fees = tuple(base * f for f in FEE_FACTORS)
        grid = tuple(
            tuple(per_occupied_day(self.fixed, fee / DAYS_PER_YEAR, o, self.capacity_days) for o in OCCUPANCIES)
            for fee in fees
        )
        ratios = tuple(tuple(None if v is None else v / self.rate.amount for v in row) for row in grid)
        return fees, OCCUPANCIES, ratios


def per_occupied_day(
    fixed: Decimal, fee_per_day: Decimal, occupancy: Decimal, capacity_days: int | None
) -> Decimal | None:
    """Cost of one occupied bed-day at `occupancy` of the place-days; None without places."""
    if not capacity_days or occupancy <= 0:
        return None
    return fixed / (occupancy * capacity_days) + fee_per_day


def break_even(fixed: Decimal, fee_per_day: Decimal, rate: Decimal, capacity_days: int | None) -> Decimal | None:
    if not capacity_days or fee_per_day >= rate:
        return None
    return fixed / ((rate - fee_per_day) * capacity_days)

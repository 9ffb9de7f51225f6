"""Properties of accrual over random agreements and custody: the interval accrual equals the per-day
reading of docs/spec/rules.md §6, lines sum to totals, months bill independently, and notes correct exactly."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.billing.inputs import CustodyPeriod
from accord.billing.invoice import InvoiceSet, parse_minor
from accord.billing.months import Month, month_range
from accord.billing.notes import billed_so_far, note_lines
from accord.billing.preview import bill_periods, schedule_for
from accord.billing.reference import daily_totals
from accord.domain.world import World
from tests.hypothesis_budget import examples
from tests.unit.billing.worlds import fee, version, world

START = date(2024, 11, 1)
PERSONS = [f"P{i}" for i in range(6)]

fees = st.one_of(
    st.none(),
    st.builds(
        lambda cents, per, proration: fee(f"{cents // 100}.{cents % 100:02d}", per, proration),
        st.integers(0, 5_000_000),
        st.sampled_from(["year", "month", "day"]),
        st.sampled_from(["actual_365", "monthly_prorated", "whole_months_started"]),
    ),
    st.just(fee("1000.00", "version", "lump_sum")),
)


@st.composite
def agreements(draw: st.DrawFn) -> World:
    offsets = sorted(draw(st.sets(st.integers(0, 500), min_size=1, max_size=4)))
    versions: list[dict[str, Any]] = []
    for offset in offsets:
        terms = draw(fees)
        retroactive = draw(st.booleans()) if terms is not None else False
        versions.append(version(str(START + timedelta(days=offset)), terms, retroactive=retroactive))
    if all("fee" not in v for v in versions):
        versions[0]["fee"] = fee()
    return world(versions)


@st.composite
def periods(draw: st.DrawFn) -> list[CustodyPeriod]:
    out = []
    for person in draw(st.lists(st.sampled_from(PERSONS), max_size=8)):
        intake = START + timedelta(days=draw(st.integers(-60, 600)))
        length = draw(st.one_of(st.none(), st.integers(1, 400)))
        release = None if length is None else intake + timedelta(days=length)
        out.append(CustodyPeriod(person, "A", intake, release))
    return out


def billing_range(w: World, months: int) -> tuple[str, str]:
    first = Month.of(schedule_for(w, "A").first_day)
    last = first
    for _ in range(months - 1):
        last = last.next()
    return str(first), str(last)


def custody_totals(result: InvoiceSet) -> dict[Month, int]:
    return {i.month: sum(line.amount for line in i.lines if line.kind == "custody") for i in result.invoices}


@settings(max_examples=examples(150), deadline=None)
@given(agreements(), periods(), st.integers(1, 20))
def test_interval_accrual_equals_the_per_day_reading(w: World, held: list[CustodyPeriod], span: int) -> None:
    first, last = billing_range(w, span)
    result = bill_periods(w, "A", held, first, last)
    months = month_range(Month.parse(first), Month.parse(last))
    assert custody_totals(result) == daily_totals(schedule_for(w, "A"), held, months)


@settings(max_examples=examples(100), deadline=None)
@given(agreements(), periods(), st.integers(1, 20))
def test_lines_sum_to_totals_in_the_json(w: World, held: list[CustodyPeriod], span: int) -> None:
    result = bill_periods(w, "A", held, *billing_range(w, span)).to_json()
    invoice_totals = []
    for invoice in result["invoices"]:
        line_sum = sum(parse_minor(line["amount"], "USD") for line in invoice["lines"])
        assert line_sum == parse_minor(invoice["total"], "USD")
        assert len({line["person"] for line in invoice["lines"] if "person" in line}) == sum(
            1 for line in invoice["lines"] if line["kind"] == "custody"
        )  # one line per detainee per month
        invoice_totals.append(line_sum)
    assert sum(invoice_totals) == parse_minor(result["total"], "USD")


@settings(max_examples=examples(100), deadline=None)
@given(agreements(), periods(), st.integers(1, 20))
def test_billing_month_by_month_gives_the_whole(w: World, held: list[CustodyPeriod], span: int) -> None:
    first, last = billing_range(w, span)
    whole = bill_periods(w, "A", held, first, last)
    months = month_range(Month.parse(first), Month.parse(last))
    one_by_one = [bill_periods(w, "A", held, str(m), str(m)) for m in months]
    assert [s.invoices[0] for s in one_by_one] == list(whole.invoices)
    assert sum(s.total for s in one_by_one) == whole.total


@settings(max_examples=examples(150), deadline=None)
@given(agreements(), periods(), periods(), periods(), st.integers(0, 19))
def test_original_plus_notes_equals_a_fresh_invoice(
    w: World, before: list[CustodyPeriod], middle: list[CustodyPeriod], after: list[CustodyPeriod], offset: int
) -> None:
    first, _ = billing_range(w, 1)
    month = str(month_range(Month.parse(first), Month.parse(billing_range(w, offset + 1)[1]))[-1])

    def lines_on(facts: list[CustodyPeriod]) -> tuple[Any, ...]:
        return bill_periods(w, "A", facts, month, month).invoices[0].lines

    original = lines_on(before)
    first_note = note_lines(billed_so_far([original]), lines_on(middle))
    second_note = note_lines(billed_so_far([original, first_note]), lines_on(after))
    net: Counter[tuple[str, str]] = Counter()
    for line in (*original, *first_note, *second_note):
        net[line.key] += line.amount
    fresh = lines_on(after)
    assert {k: v for k, v in net.items() if v} == {line.key: line.amount for line in fresh if line.amount}
    assert sum(net.values()) == sum(line.amount for line in fresh)
    assert note_lines(billed_so_far([original, first_note, second_note]), fresh) == ()

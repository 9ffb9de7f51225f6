"""The cost model's arithmetic, and charts rendered for real: PNG and SVG of a useful size, not blank."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import matplotlib.image
import pytest

from accord.reports.aggregate import Window, aggregate
from accord.reports.charts import bar_chart, population_chart, sensitivity_chart
from accord.reports.cost import CostInputs, CostModel, MonthCost, break_even
from accord.reports.facts import Facts, fact_table
from accord.reports.rates import load_rates
from accord.reports.spec import ReportSpec, ReportSpecInvalid, load_spec, shipped
from accord.reports.suppress import suppress

RATE = load_rates().rate("domestic_detention")
T = datetime(2025, 7, 31, 23, 0, tzinfo=UTC)


def model(flights: str = "147662.00", bed_days: int = 9660, annual: str = "20000") -> CostModel:
    months = (MonthCost("2025-03", Decimal("529315.50"), Decimal(0), Decimal(flights), bed_days, "custody record"),)
    return CostModel(CostInputs("US-SLV-2025", "USD", "USA", months, 300, Decimal(annual), 153), RATE)


def test_the_shipped_rate_is_the_published_fy2023_ice_average_with_its_source() -> None:
    assert RATE.amount == Decimal("187.48") and "FY2023" in RATE.source


def test_break_even_occupancy_is_where_an_occupied_bed_day_costs_the_domestic_rate() -> None:
    m = model()
    fee_per_day = Decimal(20000) / 365
    expected = Decimal("147662.00") / ((Decimal("187.48") - fee_per_day) * 300 * 153)
    assert m.break_even == expected
    at_break_even = Decimal("147662.00") / (expected * 300 * 153) + fee_per_day
    assert abs(at_break_even - Decimal("187.48")) < Decimal("1e-20")
    assert m.alternative == Decimal("187.48") * 9660 and m.total == Decimal("676977.50")


def test_no_break_even_when_the_fee_alone_costs_more_than_a_domestic_bed() -> None:
    assert break_even(Decimal(100), Decimal("187.48"), Decimal("187.48"), 1000) is None
    assert model(annual="80000").break_even is None


def _shipped_table(name: str) -> object:
    d = date(2025, 3, 16)
    rows = [
        {"person": f"P{i}", "at": T, "recorded_at": T, "day": d, "nationality": "VEN", "sex": "M", "birth_date": None,
         "facility": "SLV-CECOT", "agreement": "US-SLV-2025", "destination": "SLV", "intake": d, "release": None}
        for i in range(70)
    ]  # fmt: skip
    facts = Facts({"custody_days": fact_table("custody_days", rows)})
    return suppress(aggregate(load_spec(name), facts, Window(T, T, date(2025, 3, 1), date(2025, 8, 1))))


def _assert_picture(path: Path) -> None:
    assert path.stat().st_size > 10_000
    if path.suffix == ".png":
        pixels = matplotlib.image.imread(path)
        assert pixels.std() > 0.05  # not one colour
        assert (pixels[..., :3] < 0.5).mean() > 0.001  # some dark ink (text, lines)
    else:
        text = path.read_text(encoding="utf-8")
        assert ("<svg" in text and "Custody population" in text) or "Cost per occupied" in text


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_charts_are_drawn(tmp_path: Path, suffix: str) -> None:
    published = _shipped_table("custody-population")
    months = {"2025-03": 31, "2025-04": 30, "2025-05": 31, "2025-06": 30, "2025-07": 31}
    places = {("SLV-CECOT", m): 300 for m in months}
    population_chart(published, months, places, "Custody population — USA — 2025", tmp_path / f"p{suffix}")  # type: ignore[arg-type]
    sensitivity_chart(model(), "Cost per occupied bed-day — USA — 2025", tmp_path / f"s{suffix}")
    bar_chart(published, "Custody population — bars", tmp_path / f"b{suffix}")  # type: ignore[arg-type]
    for name in ("p", "s", "b"):
        _assert_picture(tmp_path / f"{name}{suffix}")


def test_the_same_chart_gives_the_same_svg(tmp_path: Path) -> None:
    for name in ("a", "b"):
        sensitivity_chart(model(), "Cost", tmp_path / f"{name}.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_every_shipped_definition_loads() -> None:
    assert {"monthly-removals", "blocked-by-reason", "custody-population", "court-order-effects"} <= set(shipped())
    assert all(load_spec(name).public for name in shipped())


def test_a_definition_with_a_dimension_its_measure_lacks_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "format: accord.report/1\nid: bad\ntitle: Bad\nmeasure: handovers\nrows: [reason]\n", encoding="utf-8"
    )
    with pytest.raises(ReportSpecInvalid) as error:
        load_spec(path)
    assert str(error.value).startswith(f"{path}:1:") and "has no dimension reason" in str(error.value)


def test_filters_and_age_bands_follow_the_specification() -> None:
    birthdays = [date(2011, 3, 16), date(2011, 3, 17), date(2008, 2, 29), None]  # 14, 13, 17 on 2025-03-16; unknown
    rows = [
        {"person": f"P{i}", "at": T, "recorded_at": T, "day": date(2025, 3, 16), "nationality": "VEN", "sex": "M",
         "birth_date": b, "pathway_kind": "third_country", "destination": "SLV", "agreement": None, "funder": "USA"}
        for i, b in enumerate(birthdays)
    ]  # fmt: skip
    spec = ReportSpec(id="ages", title="Ages", measure="handovers", rows=("age_band",), public=False)
    table = aggregate(
        spec, Facts({"handovers": fact_table("handovers", rows)}), Window(T, T, date(2025, 3, 1), date(2025, 4, 1))
    )
    counts = {key[0]: table.cell(i, 0).value for i, key in enumerate(table.row_keys)}
    assert counts == {"0-13": 1, "14-17": 2, "unknown": 1}
    later = ReportSpec(id="ages", title="Ages", measure="handovers", rows=("age_band",), filters={"sex": ("F",)})
    assert (
        aggregate(
            later, Facts({"handovers": fact_table("handovers", rows)}), Window(T, T, date(2025, 3, 1), date(2025, 4, 1))
        ).total.value
        == 0
    )

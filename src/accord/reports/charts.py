"""Charts of published tables and of the cost model: matplotlib with the Agg backend (no display), the
Okabe-Ito palette (distinguishable with every common colour-vision deficiency) and cividis for the
sensitivity map; titles that say what, where and when. PNG or SVG by the file's suffix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from accord.reports.cost import CostModel
from accord.reports.suppress import Published

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
SUFFIXES = (".png", ".svg")
plt.rcParams.update({"svg.hashsalt": "accord", "font.size": 9})


def save(figure: Figure, path: Path) -> None:
    """Write PNG or SVG; the SVG carries no date, so the same chart gives the same bytes."""
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"{path}: a chart is written as .png or .svg")
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if path.suffix.lower() == ".svg" else {}
    figure.savefig(path, dpi=150, metadata=metadata, bbox_inches="tight")
    plt.close(figure)


def bar_chart(published: Published, title: str, path: Path, horizontal: bool = False) -> None:
    """Stacked bars: one bar per row, one colour per column; a suppressed cell leaves a gap and is
    counted in the caption."""
    table = published.table
    labels = [" / ".join(key) for key in table.row_keys]
    figure, axes = plt.subplots(figsize=(8, max(3.5, 0.35 * len(labels) + 1.5) if horizontal else 4.5))
    bottoms = [0] * len(labels)
    for column, name in enumerate(table.column_keys):
        heights = [published.value(row, column) or 0 for row in range(len(labels))]
        colour = OKABE_ITO[column % len(OKABE_ITO)]
        if horizontal:
            axes.barh(labels, heights, left=bottoms, color=colour, label=name)
        else:
            axes.bar(labels, heights, bottom=bottoms, color=colour, label=name)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if horizontal:
        axes.invert_yaxis()
        axes.set_xlabel(_unit(published))
    else:
        axes.set_ylabel(_unit(published))
        axes.tick_params(axis="x", labelrotation=45)
    if table.has_columns:
        axes.legend(title=table.spec.columns, fontsize=8, frameon=False)
    _finish(figure, axes, title, _caption(published))
    save(figure, path)


def population_chart(
    published: Published,
    days_in_month: Mapping[str, int],
    capacity: Mapping[tuple[str, str], int],
    title: str,
    path: Path,
) -> None:
    """Average daily population per month (custody days / days in the month) of each facility, against
    the places its agreements give (dashed, same colour)."""
    table = published.table
    months = [key[0] for key in table.row_keys]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for column, facility in enumerate(table.column_keys):
        colour = OKABE_ITO[column % len(OKABE_ITO)]
        population = [_per_day(published.value(row, column), days_in_month[m]) for row, m in enumerate(months)]
        axes.plot(months, population, marker="o", color=colour, label=f"{facility}: average daily population")
        places = [float(capacity.get((facility, m), "nan")) for m in months]
        if any(p == p for p in places):
            axes.plot(months, places, linestyle="--", color=colour, label=f"{facility}: places agreed")
    axes.set_ylabel("people")
    axes.set_ylim(bottom=0)
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(fontsize=8, frameon=False)
    _finish(figure, axes, title, _caption(published))
    save(figure, path)


def sensitivity_chart(model: CostModel, title: str, path: Path) -> None:
    """Cost of an occupied bed-day abroad as a multiple of the domestic rate, over the annual fee and the
    occupancy; the contour at 1 is break-even, the cross is where the agreement stood."""
    fees, occupancies, ratios = model.sensitivity()
    figure, axes = plt.subplots(figsize=(7, 4.8))
    values = [[float(v) if v is not None else float("nan") for v in row] for row in ratios]
    x = [float(o) * 100 for o in occupancies]
    y = [float(f) for f in fees]
    mesh = axes.pcolormesh(x, y, values, cmap="cividis", shading="nearest", vmin=0, vmax=3)
    figure.colorbar(mesh, ax=axes, label="cost per occupied bed-day / domestic rate")
    if all(all(v == v for v in row) for row in values):
        axes.contour(x, y, values, levels=[1.0], colors="#D55E00", linewidths=2)
    if model.occupancy is not None and model.inputs.annual_fee is not None:
        axes.plot([float(model.occupancy) * 100], [float(model.inputs.annual_fee)], "wX", markersize=10)
    axes.set_xlabel("occupancy of the agreed places (%)")
    axes.set_ylabel(f"annual fee per detainee ({model.inputs.currency})")
    caption = (
        f"Orange line: break-even (= {model.rate.amount} {model.rate.currency} per bed-day). "
        f"Fixed costs (flights, lump sums): {model.fixed:,.2f}. Rate source: {model.rate.source}"
    )
    _finish(figure, axes, title, caption)
    save(figure, path)


def _per_day(days: int | None, length: int) -> float:
    return float("nan") if days is None else days / length


def _unit(published: Published) -> str:
    return "custody days" if published.table.spec.measure == "custody_days" else "count"


def _caption(published: Published) -> str:
    spec = published.table.spec
    hidden = len(published.hidden)
    suppression = (
        f"{hidden} cells suppressed (fewer than {spec.k} people, and complements)" if hidden else "no cell suppressed"
    )
    return f"Source: Accord records. {suppression}."


def _finish(figure: Figure, axes: object, title: str, caption: str) -> None:
    figure.suptitle(title, fontsize=10, fontweight="bold", wrap=True)
    figure.text(0.01, -0.02, caption, fontsize=7, wrap=True, ha="left", va="top")
    figure.tight_layout()

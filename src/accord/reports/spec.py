"""Report definitions: what is counted, grouped by what, for whom; YAML data validated by pydantic.

A definition names a measure (what one fact row is), the dimensions of its rows and at most one
dimension of its columns, optional filters on dimension values, and the suppression threshold `k`.
Shipped definitions live in `definitions/` (package data) and are named by their file stem."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from accord.domain.base import Record
from accord.world.loader import WorldInvalid, load_located, read_text, validated
from accord.world.yamlsource import LocatedError

REPORT_FORMAT = "accord.report/1"

Measure = Literal["decisions", "movements", "handovers", "custody_days"]
Dimension = Literal[
    "nationality",
    "sex",
    "age_band",
    "pathway_kind",
    "destination",
    "reason",
    "agreement",
    "month",
    "status",
    "outcome",
    "facility",
    "funder",
]
ChartKind = Literal["bars", "population"]

# Which dimensions each measure's facts carry (facts.py holds the columns).
DIMENSIONS: Mapping[Measure, frozenset[Dimension]] = {
    "decisions": frozenset(
        {"nationality", "sex", "age_band", "pathway_kind", "destination", "reason", "agreement", "month", "status"}
    ),
    "movements": frozenset(
        (
            "nationality",
            "sex",
            "age_band",
            "pathway_kind",
            "destination",
            "reason",
            "agreement",
            "month",
            "outcome",
            "funder",
        )
    ),
    "handovers": frozenset(
        {"nationality", "sex", "age_band", "pathway_kind", "destination", "agreement", "month", "funder"}
    ),
    "custody_days": frozenset({"nationality", "sex", "age_band", "destination", "agreement", "month", "facility"}),
}

# What one counted unit is, in the words a table's reader needs.
UNITS: Mapping[Measure, str] = {
    "decisions": "pathways (latest decision per person and month; one per reason when grouped by reason)",
    "movements": "manifest outcomes (one per person and event)",
    "handovers": "people handed into the custody of the destination (custody ledger)",
    "custody_days": "custody days (local days held; average daily population = days / days in month)",
}

DEFAULT_AGE_BANDS = (14, 18, 25, 35, 45, 55)  # lower bounds after 0; 14 is the AEA proclamation's floor


class Chart(Record):
    kind: ChartKind = "bars"
    horizontal: bool = False


class ReportSpec(Record):
    """One report definition (`format: accord.report/1`)."""

    format: Literal["accord.report/1"] = "accord.report/1"
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)  # what is counted; the chart adds where and when
    measure: Measure
    rows: tuple[Dimension, ...] = Field(min_length=1, max_length=3)
    columns: Dimension | None = None
    filters: dict[Dimension, tuple[str, ...]] = Field(default_factory=dict)
    k: int = Field(default=5, ge=2, le=1000)  # cells of fewer than k people are suppressed
    public: bool = True  # suppressed for every audience when true
    age_bands: tuple[int, ...] = DEFAULT_AGE_BANDS
    chart: Chart = Chart()
    notes: str = ""

    @model_validator(mode="after")
    def _dimensions_of_the_measure(self) -> ReportSpec:
        available = DIMENSIONS[self.measure]
        used = [*self.rows, *([self.columns] if self.columns else []), *self.filters]
        unknown = sorted({d for d in used if d not in available})
        if unknown:
            raise ValueError(
                f"measure {self.measure} has no dimension {', '.join(unknown)} (it has {', '.join(sorted(available))})"
            )
        grouped = [*self.rows, *([self.columns] if self.columns else [])]
        if len(set(grouped)) != len(grouped):
            raise ValueError("a dimension may appear only once among rows and columns")
        if list(self.age_bands) != sorted(set(self.age_bands)) or (self.age_bands and self.age_bands[0] <= 0):
            raise ValueError("age_bands are increasing lower bounds above 0")
        if self.chart.kind == "population" and self.measure != "custody_days":
            raise ValueError("a population chart shows custody_days")
        return self

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        return (*self.rows, *((self.columns,) if self.columns else ()))


class ReportSpecInvalid(WorldInvalid):
    """A report definition that does not validate; every error located as FILE:LINE: field: message."""


def shipped() -> dict[str, Path]:
    """The shipped definitions by id (their file stem)."""
    folder = resources.files("accord.reports") / "definitions"
    return {Path(str(entry)).stem: Path(str(entry)) for entry in folder.iterdir() if str(entry).endswith(".yaml")}


def load_spec(name_or_path: str | Path) -> ReportSpec:
    """A shipped definition by id, or a definition file; raises ReportSpecInvalid (located) otherwise."""
    known = shipped()
    path = known.get(str(name_or_path), Path(name_or_path))
    if str(name_or_path) not in known and not path.exists():
        raise ReportSpecInvalid(
            [
                LocatedError(
                    str(name_or_path), 1, "(file)", f"no such file, nor a shipped report ({', '.join(sorted(known))})"
                )
            ]
        )
    try:
        text = read_text(path)
    except WorldInvalid as exc:
        raise ReportSpecInvalid(exc.errors) from exc
    return load_located(text, str(path), validated(ReportSpec), ReportSpecInvalid)

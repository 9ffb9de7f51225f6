"""Grouped counts over the fact tables, as of T and as known at K, with DuckDB (docs/adr/reports-engine.md).

`aggregate(spec, facts, window)` returns every cell of the report's grid with its value (a count, or
custody days) and the number of distinct people behind it, plus the row and column totals. The value of
a total is the sum of its cells (tables are additive, which suppression relies on). The people behind
a total are counted exactly only where suppression needs them: a total with a cell of at least k people
has at least k people too, so its count is then only that lower bound."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import duckdb

from accord.reports.facts import Facts, Source
from accord.reports.spec import Dimension, ReportSpec

NONE = "none"  # the label of a missing value (no agreement, no reason, allowed pathways)


@dataclass(frozen=True)
class Window:
    """What a report looks at: facts that happened by `as_of`, recorded by `known_at`, on local dates in
    [first, end) (whole months)."""

    as_of: datetime
    known_at: datetime
    first: date
    end: date


@dataclass(frozen=True)
class Cell:
    value: int
    people: int

    @property
    def empty(self) -> bool:
        return self.value == 0


ZERO = Cell(0, 0)


@dataclass(frozen=True)
class CountTable:
    """The report's grid before suppression. Without a column dimension there is one column, "count",
    and the row totals are not published (each would repeat its row's only cell)."""

    spec: ReportSpec
    window: Window
    row_keys: tuple[tuple[str, ...], ...]
    column_keys: tuple[str, ...]
    cells: Mapping[tuple[int, int], Cell]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell

    def cell(self, row: int, column: int) -> Cell:
        return self.cells.get((row, column), ZERO)

    @property
    def has_columns(self) -> bool:
        return self.spec.columns is not None


def aggregate(spec: ReportSpec, facts: Facts, window: Window) -> CountTable:
    """Count the spec's measure over `facts` within `window`, grouped by its rows and columns."""
    with duckdb.connect() as con:
        _register(con, spec.measure, facts.source(spec.measure))
        base = _base_query(spec, window)
        dims = [_quote(d) for d in spec.dimensions]
        query = (
            f"SELECT {', '.join(dims)}, sum(weight) AS value, count(DISTINCT person) AS people "
            f"FROM ({base}) GROUP BY ALL"
        )
        grouped = {
            tuple(_label(d, v) for d, v in zip(spec.dimensions, row, strict=False)): Cell(int(row[-2]), int(row[-1]))
            for row in con.execute(query).fetchall()
        }
        return _table(con, spec, window, base, grouped)


def _register(con: duckdb.DuckDBPyConnection, name: str, source: Source) -> None:
    relation = con.read_parquet(str(source)) if isinstance(source, Path) else con.from_arrow(source)
    relation.create_view("facts")


def _label(dimension: Dimension, value: object) -> str:
    if dimension == "month":
        number = int(value)  # type: ignore[call-overload]
        return f"{number // 100:04d}-{number % 100:02d}"
    return str(value)


def _value(dimension: Dimension, value: str) -> str:
    """A filter's or a key's value as SQL: months are compared as their YYYYMM integers."""
    return str(int(value.replace("-", ""))) if dimension == "month" else _literal(value)


def _quote(name: str) -> str:
    return f'"{name}"'


def _literal(value: str | date | datetime) -> str:
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + value.replace("'", "''") + "'"


def _age_band(spec: ReportSpec, on: str) -> str:
    """The age band at local date `on`: whole years, a 29 February birthday counted on 1 March."""
    before_birthday = f"CASE WHEN strftime({on}, '%m%d') < strftime(birth_date, '%m%d') THEN 1 ELSE 0 END"
    age = f"(year({on}) - year(birth_date) - {before_birthday})"
    bounds = (0, *spec.age_bands)
    arms = [f"WHEN {age} < {upper} THEN '{lower}-{upper - 1}'" for lower, upper in pairwise(bounds)]
    return f"CASE WHEN birth_date IS NULL THEN 'unknown' {' '.join(arms)} ELSE '{bounds[-1]}+' END"


def _expressions(spec: ReportSpec, on: str) -> dict[Dimension, str]:
    """Each dimension as a SQL expression over one fact row (dimensions a measure lacks are never asked)."""
    plain = {d: f"coalesce({d}, '{NONE}')" for d in ("nationality", "sex", "pathway_kind", "destination")}
    plain |= {d: f"coalesce({d}, '{NONE}')" for d in ("agreement", "status", "outcome", "facility", "funder")}
    reason = (
        f"unnest(CASE WHEN len(reasons) = 0 THEN ['{NONE}'] ELSE reasons END)"
        if spec.measure == "decisions"
        else f"coalesce(reason, '{NONE}')"
    )
    return {
        **plain,  # type: ignore[dict-item]
        "month": f"(year({on}) * 100 + month({on}))",  # an integer YYYYMM (formatting strings is slow)
        "age_band": _age_band(spec, on),
        "reason": reason,
    }


def _base_query(spec: ReportSpec, window: Window) -> str:
    """One row per counted unit: the spec's dimensions, `person` and `weight` (1, or custody days)."""
    known = f'"at" <= {_literal(window.as_of)} AND recorded_at <= {_literal(window.known_at)}'
    if spec.measure == "custody_days":
        return _custody_query(spec, window, known)
    in_window = f"day >= {_literal(window.first)} AND day < {_literal(window.end)}"
    source = f"SELECT * FROM facts WHERE {known} AND {in_window}"
    if spec.measure == "decisions":
        # The latest decision of each person in each month (by as_of, then by when it was stored).
        latest = (
            f"SELECT arg_max(decision, {{'at': \"at\", 'decision': decision}}) FROM ({source}) "
            f"GROUP BY person, year(day), month(day)"
        )
        source = f"SELECT * FROM ({source}) WHERE decision IN ({latest})"
    expressions = _expressions(spec, "day")
    columns = ", ".join(f"{expressions[d]} AS {_quote(d)}" for d in spec.dimensions)
    filters = _filters(spec, expressions)
    extra = _filter_columns(spec, expressions)
    return f"SELECT * FROM (SELECT person, 1 AS weight, {columns} {extra} FROM ({source})) {filters}"


def _filter_columns(spec: ReportSpec, expressions: Mapping[Dimension, str]) -> str:
    extra = [d for d in spec.filters if d not in spec.dimensions]
    return "".join(f", {expressions[d]} AS {_quote(d)}" for d in extra)


def _filters(spec: ReportSpec, expressions: Mapping[Dimension, str]) -> str:
    if not spec.filters:
        return ""
    tests = [f"{_quote(d)} IN ({', '.join(_value(d, v) for v in values)})" for d, values in spec.filters.items()]
    return "WHERE " + " AND ".join(tests)


def _custody_query(spec: ReportSpec, window: Window, known: str) -> str:
    """Custody periods cut into the months of the window and at the day after `as_of` (local date of the
    facility is what periods hold; the cut uses the UTC date of as_of, a day's difference at most)."""
    cut = _literal(min(window.end, window.as_of.date().fromordinal(window.as_of.date().toordinal() + 1)))
    months = (
        f"SELECT m::DATE AS mstart, (m + INTERVAL 1 MONTH)::DATE AS mend FROM "
        f"range({_literal(window.first)}::TIMESTAMP, {_literal(window.end)}::TIMESTAMP, INTERVAL 1 MONTH) r(m)"
    )
    start = "greatest(intake, mstart)"
    stop = f"least(coalesce(release, mend), mend, {cut})"
    expressions = _expressions(spec, start)
    columns = ", ".join(f"{expressions[d]} AS {_quote(d)}" for d in spec.dimensions)
    periods = (
        f"SELECT *, date_diff('day', {start}, {stop}) AS days FROM facts, ({months}) "
        f"WHERE {known} AND intake < mend AND coalesce(release, mend) > mstart AND {start} < {stop}"
    )
    filters = _filters(spec, expressions)
    return (
        f"SELECT * FROM (SELECT person, days AS weight, {columns} {_filter_columns(spec, expressions)} "
        f"FROM ({periods})) {filters}"
    )


# ---- the grid ------------------------------------------------------------------------------------------


def _table(
    con: duckdb.DuckDBPyConnection,
    spec: ReportSpec,
    window: Window,
    base: str,
    grouped: Mapping[tuple[str, ...], Cell],
) -> CountTable:
    width = len(spec.rows)
    row_keys = _ordered({key[:width] for key in grouped}, spec.rows, spec, window)
    column_keys = (
        tuple(_ordered({key[width:] for key in grouped}, spec.dimensions[width:], spec, window))
        if spec.columns
        else ((),)
    )
    rows = {key: i for i, key in enumerate(row_keys)}
    columns = {key: i for i, key in enumerate(column_keys)}
    cells = {(rows[key[:width]], columns[key[width:]]): cell for key, cell in grouped.items()}
    people = _TotalPeople(con, spec, base, spec.k)
    row_totals = tuple(
        people.line(_sum(c for (r, _), c in cells.items() if r == i), spec.rows, key) for key, i in rows.items()
    )
    column_totals = tuple(
        people.line(_sum(c for (_, k), c in cells.items() if k == i), spec.dimensions[width:], key)
        for key, i in columns.items()
    )
    total = people.line(_sum(cells.values()), (), ())
    return CountTable(
        spec,
        window,
        tuple(row_keys),
        tuple("/".join(key) or "count" for key in column_keys),
        cells,
        row_totals,
        column_totals,
        total,
    )


def _sum(cells: Iterable[Cell]) -> tuple[int, int]:
    """(value, largest number of people in one cell) of some cells."""
    listed = list(cells)
    return sum(c.value for c in listed), max((c.people for c in listed), default=0)


class _TotalPeople:
    """The people behind a total: exact (one more query) only when no cell of it reaches k."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: ReportSpec,
        base: str,
        k: int,
    ) -> None:
        self.con, self.spec, self.base, self.k = con, spec, base, k

    def line(self, summed: tuple[int, int], dimensions: Sequence[Dimension], key: tuple[str, ...]) -> Cell:
        value, largest = summed
        if value == 0 or largest >= self.k:
            return Cell(value, largest)
        where = " AND ".join(f"{_quote(d)} = {_value(d, v)}" for d, v in zip(dimensions, key, strict=True)) or "TRUE"
        query = f"SELECT count(DISTINCT person) FROM ({self.base}) WHERE {where}"
        row = self.con.execute(query).fetchone()
        return Cell(value, int(row[0]) if row else 0)


def _ordered(
    keys: set[tuple[str, ...]], dimensions: Sequence[Dimension], spec: ReportSpec, window: Window
) -> list[tuple[str, ...]]:
    """Months in calendar order (every month of the window when the rows are months alone), age bands by
    age, everything else alphabetically with `none` and `unknown` last."""
    if tuple(dimensions) == ("month",):
        keys = keys | {(m,) for m in months(window.first, window.end)}
    return sorted(keys, key=lambda key: tuple(_rank(d, v, spec) for d, v in zip(dimensions, key, strict=True)))


def _rank(dimension: Dimension, value: str, spec: ReportSpec) -> tuple[int, int, str]:
    if value in (NONE, "unknown"):
        return (1, 0, value)
    if dimension == "age_band":
        return (0, int(value.rstrip("+").split("-")[0]), value)
    return (0, 0, value)


def months(first: date, end: date) -> list[str]:
    """The months YYYY-MM in [first, end)."""
    labels, year, month = [], first.year, first.month
    while date(year, month, 1) < end:
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels

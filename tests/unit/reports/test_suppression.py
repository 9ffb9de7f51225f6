"""Small-cell suppression: an attacker who sees every published cell and total solves, for each suppressed
cell, the smallest and largest value consistent with them (a linear programme over the table's line
equations, every cell at least 0). The property: no cell of fewer than k people is ever pinned down."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from accord.reports.aggregate import Cell, CountTable, Window
from accord.reports.spec import ReportSpec
from accord.reports.suppress import Published, extended, suppress

WINDOW = Window(datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC), date(2025, 3, 1), date(2025, 7, 1))
K = 5


def table(values: list[list[int]], columns: bool = True) -> CountTable:
    """A count table whose cells are counts of distinct people (value = people)."""
    spec = ReportSpec(
        id="t", title="t", measure="decisions", rows=("reason",), columns="pathway_kind" if columns else None
    )
    rows, width = len(values), len(values[0])
    cells = {(r, c): Cell(v, v) for r, row in enumerate(values) for c, v in enumerate(row) if v}
    row_totals = tuple(Cell(sum(row), sum(row)) for row in values)
    column_totals = tuple(Cell(s, s) for s in (sum(values[r][c] for r in range(rows)) for c in range(width)))
    total = sum(map(sum, values))
    return CountTable(
        spec,
        WINDOW,
        tuple((f"r{r}",) for r in range(rows)),
        tuple(f"c{c}" for c in range(width)) if columns else ("count",),
        cells,
        row_totals,
        column_totals,
        Cell(total, total),
    )


def bounds(published: Published) -> dict[tuple[int, int], tuple[float, float]]:
    """The attacker: for each suppressed position, min and max over every table that publishes the same."""
    t = published.table
    rows, columns = published.rows, published.columns
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = {(r, c): solver.NumVar(0, 1e6, f"x{r}_{c}") for r in range(rows + 1) for c in range(columns + 1)}
    for r in range(rows + 1):
        solver.Add(sum(x[(r, c)] for c in range(columns)) == x[(r, columns)])
    for c in range(columns + 1):
        solver.Add(sum(x[(r, c)] for r in range(rows)) == x[(rows, c)])
    if not t.has_columns:  # one line: a row's total is its only cell, published or not alike
        for r in range(rows + 1):
            solver.Add(x[(r, 1)] == x[(r, 0)])
    for (r, c), var in x.items():
        if (r, c) not in published.hidden and (t.has_columns or c == 0):
            solver.Add(var == extended(t, r, c).value)
    found = {}
    for position in published.hidden:
        ends = []
        for sense in (solver.Minimize, solver.Maximize):
            sense(x[position])
            assert solver.Solve() == pywraplp.Solver.OPTIMAL
            ends.append(x[position].solution_value())
        found[position] = (ends[0], ends[1])
    return found


grids = st.integers(1, 5).flatmap(
    lambda rows: st.integers(1, 5).flatmap(
        lambda columns: st.lists(
            st.lists(st.one_of(st.integers(0, 6), st.integers(0, 60)), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(grids, st.booleans())
def test_no_small_cell_can_be_recovered_from_the_published_totals(values: list[list[int]], columns: bool) -> None:
    if not columns:
        values = [[row[0]] for row in values]
    published = suppress(table(values, columns))
    attack = bounds(published)
    for position in published.primary:
        low, high = attack[position]
        true = extended(published.table, *position).value
        assert low <= true + 1e-6 and true - 1e-6 <= high
        assert high - low >= 1 - 1e-6, f"{position} = {true} recovered from the totals: [{low}, {high}]"


@settings(max_examples=100, deadline=None)
@given(grids)
def test_every_cell_below_k_is_hidden_and_every_published_number_is_true(values: list[list[int]]) -> None:
    published = suppress(table(values))
    for r in range(published.rows + 1):
        for c in range(published.columns + 1):
            cell = extended(published.table, r, c)
            shown = published.value(r, c)
            assert shown is None or shown == cell.value
            if 0 < cell.people < K:
                assert shown is None


def test_a_lone_small_cell_is_protected_with_its_row_and_column_totals() -> None:
    published = suppress(table([[3, 0], [0, 40]]))
    assert published.value(0, 0) is None
    assert published.value(0, 2) is None and published.value(2, 0) is None  # otherwise it equals either total
    assert published.value(1, 1) == 40


def test_nothing_is_hidden_when_no_cell_is_small() -> None:
    assert suppress(table([[10, 0], [7, 40]])).hidden == frozenset()


def test_a_single_line_pairs_a_small_cell_with_the_smallest_other_cell() -> None:
    published = suppress(table([[3], [9], [50]], columns=False))
    assert published.value(0, 0) is None and published.value(1, 0) is None
    assert published.value(2, 0) == 50 and published.value(3, 0) == 62

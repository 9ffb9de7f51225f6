"""Small-cell suppression with complementary suppression (the method is in docs/reports.md).

The table is read with its totals as one extended grid: rows 0..R-1 and the total row R, columns
0..C-1 and the total column C. Every row and every column of that grid is a line whose last cell is the
sum of the others. A cell is *primary* when between 1 and k-1 people are behind it (a total too). Each
primary is then protected by a *rectangle*: four suppressed cells (r, c), (r, c'), (r', c), (r', c') of
the extended grid, all with a positive value. Adding d to two opposite corners and taking d from the two
others (a total counts with the opposite sign, since it is the sum) changes no published number and
keeps every value at least 0 for d = ±1, so anyone who sees the published cells and totals can bound a
suppressed cell but never recover it. The rectangle chosen is the one that hides the least (the
smallest sum of values not yet suppressed). A table without a column dimension is one line: a primary is
paired with the smallest other positive cell of the line, or with the total."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from accord.reports.aggregate import Cell, CountTable

Position = tuple[int, int]


@dataclass(frozen=True)
class Published:
    """The table as it may be published: `hidden` positions of the extended grid are suppressed."""

    table: CountTable
    hidden: frozenset[Position]
    primary: frozenset[Position]

    @property
    def rows(self) -> int:
        return len(self.table.row_keys)

    @property
    def columns(self) -> int:
        return len(self.table.column_keys)

    def value(self, row: int, column: int) -> int | None:
        """A cell or a total of the extended grid (row R / column C are the totals); None when suppressed."""
        if (row, column) in self.hidden:
            return None
        return extended(self.table, row, column).value


def extended(table: CountTable, row: int, column: int) -> Cell:
    """The cell at (row, column) of the extended grid."""
    rows, columns = len(table.row_keys), len(table.column_keys)
    if row == rows and column == columns:
        return table.total
    if row == rows:
        return table.column_totals[column]
    if column == columns:
        return table.row_totals[row]
    return table.cell(row, column)


def suppress(table: CountTable, k: int | None = None) -> Published:
    """Suppress the cells and totals of fewer than k people, then protect each as the module says."""
    threshold = table.spec.k if k is None else k
    grid = _Grid(table)
    primary = frozenset(p for p in grid.positions() if 0 < extended(table, *p).people < threshold)
    hidden = set(primary)
    for position in sorted(primary):
        if table.has_columns:
            hidden |= grid.rectangle(position, hidden)
        else:
            hidden |= grid.pair(position, hidden)
    return Published(table, frozenset(hidden), primary)


class _Grid:
    def __init__(self, table: CountTable) -> None:
        self.table = table
        self.rows, self.columns = len(table.row_keys), len(table.column_keys)
        self.values = {p: extended(table, *p).value for p in self.positions()}

    def positions(self) -> Iterator[Position]:
        """Every cell and total that is published: without columns, the rows' only cells and the total."""
        last_column = self.columns if self.table.has_columns else 0
        for row in range(self.rows + 1):
            for column in range(last_column + 1):
                if self.table.has_columns or column == 0:
                    yield row, column

    def _cost(self, corners: tuple[Position, ...], hidden: set[Position]) -> tuple[int, int] | None:
        if any(self.values[c] <= 0 for c in corners):
            return None
        new = [c for c in corners if c not in hidden]
        return sum(self.values[c] for c in new), len(new)

    def rectangle(self, position: Position, hidden: set[Position]) -> set[Position]:
        """The cheapest all-positive rectangle through `position` (nothing new if one is hidden already)."""
        row, column = position
        best: tuple[tuple[int, int], tuple[Position, ...]] | None = None
        for other_row in range(self.rows + 1):
            for other_column in range(self.columns + 1):
                if other_row == row or other_column == column:
                    continue
                corners = (position, (row, other_column), (other_row, column), (other_row, other_column))
                cost = self._cost(corners, hidden)
                if cost is not None and (best is None or cost < best[0]):
                    best = (cost, corners)
                    if cost == (0, 0):
                        return set()
        if best is None:  # cannot happen for a positive cell: its totals are positive too
            raise AssertionError(f"no rectangle protects {position}")
        return set(best[1])

    def pair(self, position: Position, hidden: set[Position]) -> set[Position]:
        """The cheapest other positive cell of the single line (the total at row R included)."""
        best: tuple[tuple[int, int], tuple[Position, ...]] | None = None
        for other in range(self.rows + 1):
            if other == position[0]:
                continue
            corners = (position, (other, 0))
            cost = self._cost(corners, hidden)
            if cost is not None and (best is None or cost < best[0]):
                best = (cost, corners)
                if cost == (0, 0):
                    return set()
        if best is None:
            raise AssertionError(f"no cell protects {position}")
        return set(best[1])

"""CSV inputs: the receiving party's roster and a flight log. Every bad cell is reported as
`FILE:LINE: column: message` (the world loader's format), and nothing is read from a file with errors.
Ids, dates and hours are held to the limits of domain/limits.py, as in a world file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

from accord.billing.errors import BillingError
from accord.billing.inputs import CustodyPeriod, FlightCost
from accord.domain.limits import check_day, check_flight_hours, check_identifier
from accord.world.yamlsource import LocatedError

T = TypeVar("T")


class CsvInvalid(Exception):
    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def read_roster(path: str | Path, agreement_id: str) -> list[CustodyPeriod]:
    """Columns `person,intake,release` (release empty: still held); dates are the facility's local dates."""

    def row(cells: dict[str, str]) -> CustodyPeriod:
        intake = _date(cells, "intake")
        release = _date(cells, "release") if (cells.get("release") or "").strip() else None
        return CustodyPeriod(_identifier(cells, "person"), agreement_id, intake, release)

    return _read(path, ("person", "intake", "release"), row)


def read_flights(path: str | Path) -> list[FlightCost]:
    """Columns `flight,date,hours`: one flight a row, its local date and its flight hours."""

    def row(cells: dict[str, str]) -> FlightCost:
        return FlightCost(_identifier(cells, "flight"), _date(cells, "date"), Fraction(_hours(cells, "hours")))

    return _read(path, ("flight", "date", "hours"), row)


class _CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _read(path: str | Path, columns: tuple[str, ...], parse: Callable[[dict[str, str]], T]) -> list[T]:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvInvalid([LocatedError(name, 1, "(file)", f"cannot read: {exc}")]) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvInvalid([LocatedError(name, 1, "(header)", f"missing column(s): {', '.join(missing)}")])
    rows: list[T] = []
    errors: list[LocatedError] = []
    cells_of = iter(reader)
    while True:
        try:
            cells = next(cells_of)
        except StopIteration:
            break
        except csv.Error as exc:  # a field beyond the csv module's limit: the rest is unreadable
            errors.append(LocatedError(name, reader.line_num + 1, "(row)", f"unreadable: {exc}"))
            break
        line = reader.line_num
        try:
            rows.append(parse(cells))
        except _CellError as exc:
            errors.append(LocatedError(name, line, exc.column, str(exc)))
        except BillingError as exc:
            errors.append(LocatedError(name, line, "(row)", str(exc)))
    if errors:
        raise CsvInvalid(errors)
    return rows


def _text(cells: dict[str, str], column: str) -> str:
    value = (cells.get(column) or "").strip()
    if not value:
        raise _CellError(column, "is empty")
    return value


def _identifier(cells: dict[str, str], column: str) -> str:
    try:
        return check_identifier(_text(cells, column))
    except ValueError as exc:
        raise _CellError(column, str(exc)) from None


def _date(cells: dict[str, str], column: str) -> date:
    value = _text(cells, column)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _CellError(column, f"{value!r} is not a date written YYYY-MM-DD") from None
    try:
        return check_day(day)
    except ValueError as exc:
        raise _CellError(column, str(exc)) from None


def _hours(cells: dict[str, str], column: str) -> Decimal:
    value = _text(cells, column)
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _CellError(column, f"{value!r} is not a decimal number")
    try:
        return check_flight_hours(number)
    except ValueError as exc:
        raise _CellError(column, f"{value!r}: {exc}") from None

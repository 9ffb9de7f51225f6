"""`accord import-persons`: a flat CSV of people, one row per person (columns in docs/storage.md).

Multi-valued columns hold `;`-separated entries. A fact column's entry is a `|`-separated tuple of the
fact's fields in a fixed order (empty = absent), and a list inside an entry is `+`-separated, e.g.
`orders` = `title8|2019-10-10|2019-11-09|SLV+HND`. Each row is validated by the domain model; valid rows
are stored, invalid ones are written to a quarantine CSV with their line number and the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from accord.domain import Person, World, problems
from accord.domain.base import recorded_claims
from accord.files import open_new, safe_cell
from accord.store.reader import stored_sending_state
from accord.store.records import PERSONS, flatten
from accord.store.writer import ImportReport, Writer
from accord.world.loader import pydantic_errors
from accord.world.yamlsource import LocatedError, SourceMap, dotted

PERSON_COLUMNS = (
    "id",
    "status",
    "birth_date",
    "sex",
    "nationalities",
    "languages",
    "accompanied",
    "district",
    "identity_verified",
    "identity_reference",
    "identity_recorded_at",
    "recorded_at",
)
LIST_COLUMNS = frozenset({"nationalities", "languages"})
# Each entry's fields in order; the last, `recorded_at` (when the system learnt the fact, for decisions
# "as known at"), is optional like every trailing field.
FACT_COLUMNS: dict[str, tuple[str, ...]] = {
    column: (*fields, "recorded_at")
    for column, fields in {
        "orders": ("basis", "issued", "final", "designated"),
        "protections": ("kind", "country", "granted", "terminated"),
        "stays": ("kind", "from", "until"),
        "pending": ("kind", "filed", "decided"),
        "convictions": ("date", "offense", "aggravated_felony"),
        "designations": ("kind", "from", "until"),
        "notices": ("kind", "country", "served", "language", "exigent", "attorney_access"),
        "fear_claims": ("country", "stated", "outcome", "decided"),
    }.items()
}
ENTRY_LISTS = frozenset({"designated"})
# A quarantine file carries these two in front; importing a corrected quarantine file ignores them.
QUARANTINE_COLUMNS = ("quarantine_line", "quarantine_reason")
REQUIRED_COLUMNS = ("id", "status")
KNOWN_COLUMNS = (*PERSON_COLUMNS, *FACT_COLUMNS)


class CsvInvalid(Exception):
    """The file as a whole cannot be read (no header, unknown columns, ...); nothing is stored."""

    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class RowInvalid(ValueError):
    """One row that does not make a valid person; the message names the column and the field."""


@dataclass
class CsvImportReport:
    stored: int = 0
    quarantined: int = 0
    quarantine_path: Path | None = None
    writes: ImportReport = field(default_factory=ImportReport)
    rejections: list[LocatedError] = field(default_factory=list)  # each quarantined row, located


def default_quarantine(path: Path) -> Path:
    return path.with_name(f"{path.stem}.quarantine.csv")


def import_persons_csv(
    connection: Connection,
    path: Path,
    *,
    now: datetime,
    quarantine: Path | None = None,
    chunk: int = 5000,
    all_or_nothing: bool = False,
    overwrite_quarantine: bool = False,
    claims_until: datetime | None = None,
) -> CsvImportReport:
    """Store every valid row of the CSV at `path` in the caller's transaction; write the others to the
    quarantine file (only when there are any). Raises `CsvInvalid` when the header is unusable, and, with
    `all_or_nothing`, when any row is invalid (every invalid row located, no quarantine file written);
    the caller's transaction must then be rolled back, as a `with engine.begin()` block does. An existing
    quarantine file is replaced only with `overwrite_quarantine` (else OutputRefused, and the caller must
    roll back too). A row whose `recorded_at` (any of its entries') is later than `claims_until` is
    invalid."""
    quarantine = quarantine or default_quarantine(path)
    if quarantine.resolve() == path.resolve():
        raise CsvInvalid([LocatedError(str(path), 1, "(file)", "the quarantine file cannot be the input")])
    sending_state = stored_sending_state(connection)
    writer = Writer(connection, now=now, kind="persons_csv", source=str(path))
    report = CsvImportReport(writes=writer.report)
    rejected: list[list[str]] = []
    batch: list[Person] = []
    first_line: dict[str, int] = {}
    header, rows = _read(path)
    for line, values in rows:
        try:
            person = parse_person(_as_dict(header, values), str(path), sending_state)
            _check_claims(person, claims_until)
            if person.id in first_line:
                raise RowInvalid(f"id: duplicate id {person.id!r} (first on line {first_line[person.id]})")
        except RowInvalid as exc:
            rejected.append([str(line), str(exc), *_data_values(header, values)])
            report.rejections.append(_located(path, line, str(exc)))
            continue
        first_line[person.id] = line
        if all_or_nothing and rejected:  # nothing will be stored: only validate the remaining rows
            batch.clear()
            continue
        batch.append(person)
        if len(batch) >= chunk:
            writer.write(flatten(PERSONS, batch))
            report.stored += len(batch)
            batch = []
    if all_or_nothing and rejected:
        raise CsvInvalid(report.rejections)
    writer.write(flatten(PERSONS, batch))
    report.stored += len(batch)
    if rejected:
        header_row = [*QUARANTINE_COLUMNS, *_data_values(header, header)]
        _write_quarantine(quarantine, header_row, rejected, overwrite_quarantine)
        report.quarantined, report.quarantine_path = len(rejected), quarantine
    return report


def _located(path: Path, line: int, reason: str) -> LocatedError:
    """A row's reason (`field.path: message`) as a `FILE:LINE: field.path: message` error."""
    field_path, _, message = reason.partition(": ")
    return LocatedError(str(path), line, field_path, message)


def _read(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CsvInvalid([LocatedError(str(path), 1, "(file)", f"cannot read: {exc.strerror}")]) from exc
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise CsvInvalid([LocatedError(str(path), 1, "(header)", f"unreadable: {exc}")]) from exc
    if header is None:
        handle.close()
        raise CsvInvalid([LocatedError(str(path), 1, "(header)", "the file is empty; line 1 names the columns")])
    header = [name.strip() for name in header]
    errors = _header_errors(str(path), header)
    if errors:
        handle.close()
        raise CsvInvalid(errors)
    return header, _rows(path, handle, reader)


def _rows(path: Path, handle: Any, reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted field may span lines)."""
    with handle:
        start = reader.line_num + 1
        try:
            for values in reader:
                if any(v.strip() for v in values):
                    yield start, values
                start = reader.line_num + 1
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CsvInvalid([LocatedError(str(path), start, "(file)", f"unreadable: {exc}")]) from exc


def _header_errors(file: str, header: list[str]) -> list[LocatedError]:
    errors = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(LocatedError(file, 1, name, "duplicate column"))
        elif name not in KNOWN_COLUMNS and name not in QUARANTINE_COLUMNS:
            errors.append(LocatedError(file, 1, name, f"unknown column (known: {', '.join(KNOWN_COLUMNS)})"))
        seen.add(name)
    errors += [
        LocatedError(file, 1, name, "required column is missing") for name in REQUIRED_COLUMNS if name not in seen
    ]
    return errors


def _as_dict(header: list[str], values: list[str]) -> dict[str, str]:
    if len(values) > len(header):
        raise RowInvalid(f"(row): {len(values)} values but the header names {len(header)} columns")
    return dict(zip(header, values, strict=False))


def _data_values(header: list[str], values: list[str]) -> list[str]:
    """The values of a row without the quarantine columns of an earlier run (extra values kept)."""
    return [v for i, v in enumerate(values) if i >= len(header) or header[i] not in QUARANTINE_COLUMNS]


def person_data(row: dict[str, str]) -> dict[str, Any]:
    """One row in the world format's shape, values still text (the model parses them)."""
    data: dict[str, Any] = {}
    for column in PERSON_COLUMNS:
        value = (row.get(column) or "").strip()
        if not value:
            continue
        if column in LIST_COLUMNS:
            data[column] = _split(value, ";")
        elif column.startswith("identity_"):
            data.setdefault("identity", {})[column.removeprefix("identity_")] = value
        else:
            data[column] = value
    for column, fields in FACT_COLUMNS.items():
        value = (row.get(column) or "").strip()
        if value:
            data[column] = [_entry(column, n, text, fields) for n, text in enumerate(_split(value, ";"))]
    return data


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


def _entry(column: str, n: int, text: str, fields: tuple[str, ...]) -> dict[str, Any]:
    parts = [part.strip() for part in text.split("|")]
    if len(parts) > len(fields):
        raise RowInvalid(
            f"{column}[{n}]: {len(parts)} fields, but an entry has at most {len(fields)}: {'|'.join(fields)}"
        )
    return {
        name: _split(part, "+") if name in ENTRY_LISTS else part
        for name, part in zip(fields, parts, strict=False)
        if part
    }


def parse_person(row: dict[str, str], file: str, sending_state: str | None) -> Person:
    """The person one row describes; `RowInvalid` names every column and field that is wrong."""
    data = person_data(row)
    try:
        person = Person.model_validate(data)
    except ValidationError as exc:
        errors = pydantic_errors(exc, data, SourceMap(file))
        raise RowInvalid("; ".join(_reason(e.path, e.message) for e in errors)) from None
    if sending_state is not None:
        # The cross-record rules that concern one person (e.g. no order designates the sending state).
        found = problems(World.model_construct(sending_state=sending_state, persons=(person,)))
        reasons = [_reason(dotted(path[3:]), message) for path, message in found]
        if reasons:
            raise RowInvalid("; ".join(reasons))
    return person


def _check_claims(person: Person, limit: datetime | None) -> None:
    if limit is None:
        return
    late = [path for path, at in recorded_claims(person) if at > limit]
    if late:
        raise RowInvalid(f"{late[0]}: later than the recording clock {limit.isoformat()} allows")


def _reason(path: str, message: str) -> str:
    # `identity` is one nested record in the model but three columns in the CSV.
    return f"{path.replace('identity.', 'identity_', 1)}: {message}"


def person_row(person: Person) -> dict[str, str]:
    """The CSV row of a person: the inverse of `parse_person`. Raises ValueError for what the flat
    format cannot carry (a separator inside a value)."""
    data = person.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"identity"})
    if person.identity is not None:  # `identity_verified` is written even when false: it says identity is on file
        identity = person.identity.model_dump(mode="json", exclude_none=True)
        data.update({f"identity_{name}": value for name, value in identity.items()})
    row = {column: _cell(data.get(column), ";") for column in PERSON_COLUMNS}
    for column, fields in FACT_COLUMNS.items():
        row[column] = ";".join(_encode_entry(column, entry, fields) for entry in data.get(column, []))
    return row


def _encode_entry(column: str, entry: dict[str, Any], fields: tuple[str, ...]) -> str:
    extra = set(entry) - set(fields)
    if extra:
        raise ValueError(f"{column}: {', '.join(sorted(extra))} has no place in the flat CSV")
    return "|".join(_cell(entry.get(name), "+", forbidden=";|") for name in fields).rstrip("|")


def _cell(value: Any, separator: str, forbidden: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return separator.join(_cell(item, separator, forbidden + separator) for item in value)
    text = str(value)
    if any(mark in text for mark in forbidden):
        raise ValueError(f"{text!r} contains a separator ({' '.join(forbidden)}) and cannot be written here")
    return text


def _write_quarantine(path: Path, header: list[str], rows: list[list[str]], overwrite: bool) -> None:
    """The invalid rows as a CSV to correct and import again; its cells are spreadsheet-safe
    (`safe_cell`), so a planted formula is shown, not run, when the file is opened to be corrected."""
    with open_new(path, "w", overwrite=overwrite, newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([safe_cell(cell) for cell in row] for row in rows)

"""Append-only writes: compare incoming rows with the current ones and add, supersede or retract.

Nothing is updated in place except `superseded_at`, which is set once when a row stops being current.
A row whose key and body equal the current row's is left alone, so re-importing a file is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from accord.collector import collector_paused
from accord.store.records import PERSONS, Key, NewRow, Part, flatten, flatten_document
from accord.store.tables_world import imports
from accord.world.document import WorldDocument
from accord.world.stream import CHUNK, stream_world_file

# Keys are looked up in chunks so that one statement stays within every backend's parameter limit.
_LOOKUP_CHUNK = 1000


@dataclass
class Tally:
    added: int = 0
    superseded: int = 0
    unchanged: int = 0
    retracted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.superseded or self.retracted)


@dataclass
class ImportReport:
    """Per table: how many records were added, superseded (a new version), unchanged, retracted."""

    import_id: int | None = None  # None when nothing changed
    tables: dict[str, Tally] = field(default_factory=dict)

    def tally(self, table: str) -> Tally:
        return self.tables.setdefault(table, Tally())

    @property
    def changed(self) -> bool:
        return any(t.changed for t in self.tables.values())


@dataclass(frozen=True)
class _Current:
    row_id: int
    digest: str
    seq: int


@dataclass
class _Plan:
    inserts: list[tuple[NewRow, _Current | None]] = field(default_factory=list)  # with the row it replaces
    retractions: list[_Current] = field(default_factory=list)


class Writer:
    """Writes parts into the store within the caller's transaction, under one `imports` row that is
    created only when something changes."""

    def __init__(self, connection: Connection, *, now: datetime, kind: str, source: str) -> None:
        self._connection = connection
        self._now = now
        self._kind = kind
        self._source = source
        self.report = ImportReport()

    def write(self, parts: Iterable[Part]) -> None:
        plans = [(part, self._plan(part)) for part in parts]
        for part, plan in plans:
            if plan.inserts or plan.retractions:
                self._apply(part.kind.table, plan)

    def _plan(self, part: Part) -> _Plan:
        table = part.kind.table
        current = self._current(table, part.scope)
        tally = self.report.tally(table.name)
        plan = _Plan()
        incoming: set[Key] = set()
        for row in part.rows:
            incoming.add(row.key)
            old = current.get(row.key)
            if old is not None and old.digest == row.digest:
                tally.unchanged += 1
                continue
            plan.inserts.append((row, old))
            if old is None:
                tally.added += 1
            else:
                tally.superseded += 1
        plan.retractions = [old for key, old in current.items() if key not in incoming]
        tally.retracted += len(plan.retractions)
        return plan

    def _current(self, table: Table, scope: set[Any]) -> dict[Key, _Current]:
        key_columns = [table.c[name] for name in table.info["key"]]
        found: dict[Key, _Current] = {}
        for chunk in _chunks(sorted(scope), _LOOKUP_CHUNK):
            query = select(*key_columns, table.c.row_id, table.c.digest, table.c.seq).where(
                table.c.superseded_at.is_(None), key_columns[0].in_(chunk)
            )
            for row in self._connection.execute(query):
                found[tuple(row[: len(key_columns)])] = _Current(row.row_id, row.digest, row.seq)
        return found

    def _apply(self, table: Table, plan: _Plan) -> None:
        import_id = self._import_id()
        # Old rows stop being current first, so the one-current-row-per-key index holds throughout.
        ends = [{"old": old.row_id, "at": self._now} for old in plan.retractions]
        ends += [{"old": old.row_id, "at": row.recorded_at or self._now} for row, old in plan.inserts if old]
        if ends:
            self._connection.execute(
                update(table).where(table.c.row_id == bindparam("old")).values(superseded_at=bindparam("at")),
                ends,
            )
        if plan.inserts:
            next_seq = self._max_seq(table) + 1
            self._connection.execute(
                insert(table),
                [
                    {
                        **row.values,
                        "body": row.body,
                        "digest": row.digest,
                        "seq": old.seq if old else next_seq + row.order,
                        "recorded_at": row.recorded_at or self._now,
                        "supersedes": old.row_id if old else None,
                        "import_id": import_id,
                    }
                    for row, old in plan.inserts
                ],
            )

    def _max_seq(self, table: Table) -> int:
        return int(self._connection.execute(select(func.coalesce(func.max(table.c.seq), -1))).scalar_one())

    def _import_id(self) -> int:
        if self.report.import_id is None:
            result = self._connection.execute(
                insert(imports)
                .values(kind=self._kind, source=self._source, imported_at=self._now)
                .returning(imports.c.id)
            )
            self.report.import_id = int(result.scalar_one())
        return self.report.import_id


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_world_file(
    connection: Connection, path: Path, *, now: datetime, source: str, chunk: int = CHUNK
) -> ImportReport:
    """Validate the world file at `path` and store it in the caller's transaction, its persons `chunk` at
    a time as they are read (`world.stream`): a world of any size in the memory of a few thousand people.
    Raises WorldInvalid when the file does not validate; the caller must then roll back, as a
    `with engine.begin()` block does, since some persons may already be written."""
    writer = Writer(connection, now=now, kind="world", source=source)
    with collector_paused():
        streamed = stream_world_file(path, lambda people: writer.write(flatten(PERSONS, people)), chunk)
        writer.write(flatten_document(streamed.document))
    return writer.report


def import_document(
    connection: Connection, document: WorldDocument, *, now: datetime, source: str, chunk: int = 5000
) -> ImportReport:
    """Store a validated world document in the caller's transaction. `now` is the import instant: the
    `recorded_at` of every record that does not give its own. Persons are flattened and written `chunk`
    at a time, as `import-persons` writes them, so that their rows never all sit in memory at once."""
    writer = Writer(connection, now=now, kind="world", source=source)
    persons = document.world.persons
    without_persons = document.world.model_copy(update={"persons": ()})
    with collector_paused():
        writer.write(flatten_document(document.model_copy(update={"world": without_persons})))
        for start in range(0, len(persons), chunk):
            writer.write(flatten(PERSONS, persons[start : start + chunk]))
    return writer.report

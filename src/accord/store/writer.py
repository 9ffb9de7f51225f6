"""Append-only writes: compare incoming rows with the current ones and add, supersede or retract.

Nothing is updated in place except `superseded_at`, which is set once when a row stops being current.
A row whose key and body equal the current row's is left alone, so re-importing a file is a no-op.

`recorded_at` keeps the file's meaning (docs/integrity.md, "A database answers like its file"): a
record new to the database keeps its own `recorded_at`, or none (NULL: known for every `known_at`, as
in the file); a version that replaces a stored one is known from the write's instant (`now`, the
system clock) or from its own `recorded_at` when later, never before the version it replaces. The
write's own instant is the `imports` row's `imported_at`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from accord.collector import collector_paused
from accord.domain.base import recorded_claims
from accord.domain.errors import InvalidInput, Refused
from accord.domain.people import Person
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
    recorded_at: datetime | None


@dataclass
class _Plan:
    inserts: list[tuple[NewRow, _Current | None]] = field(default_factory=list)  # with the row it replaces
    retractions: list[_Current] = field(default_factory=list)


class Writer:
    """Writes parts into the store within the caller's transaction, under one `imports` row that is
    created only when something changes."""

    def __init__(
        self,
        connection: Connection,
        *,
        now: datetime,
        kind: str,
        source: str,
        immutable: frozenset[str] = frozenset(),
    ) -> None:
        self._connection = connection
        self._now = now
        self._kind = kind
        self._source = source
        self._immutable = immutable  # tables whose stored records must never be replaced or retracted
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
        if table.name in self._immutable:
            _refuse_replacement(table, [row.key for row, old in plan.inserts if old], len(plan.retractions))
        return plan

    def _current(self, table: Table, scope: set[Any]) -> dict[Key, _Current]:
        key_columns = [table.c[name] for name in table.info["key"]]
        found: dict[Key, _Current] = {}
        for chunk in _chunks(sorted(scope), _LOOKUP_CHUNK):
            query = select(*key_columns, table.c.row_id, table.c.digest, table.c.seq, table.c.recorded_at).where(
                table.c.superseded_at.is_(None), key_columns[0].in_(chunk)
            )
            for row in self._connection.execute(query):
                found[tuple(row[: len(key_columns)])] = _Current(row.row_id, row.digest, row.seq, row.recorded_at)
        return found

    def _apply(self, table: Table, plan: _Plan) -> None:
        import_id = self._import_id()
        # Old rows stop being current first, so the one-current-row-per-key index holds throughout.
        ends = [{"old": old.row_id, "at": self._now} for old in plan.retractions]
        ends += [{"old": old.row_id, "at": self._known_from(row, old)} for row, old in plan.inserts if old]
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
                        "recorded_at": self._known_from(row, old),
                        "supersedes": old.row_id if old else None,
                        "import_id": import_id,
                    }
                    for row, old in plan.inserts
                ],
            )

    def _known_from(self, row: NewRow, old: _Current | None) -> datetime | None:
        """A new record keeps its own `recorded_at` (None: known as the file says, from the start); a
        replacement is known from this write's instant, or its own later `recorded_at`, and never before
        the version it replaces."""
        if old is None:
            return row.recorded_at
        candidates = [self._now, *(t for t in (row.recorded_at, old.recorded_at) if t is not None)]
        return max(candidates)

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


# Stored records of these kinds change only by a new, attributed record that references them (an
# amending court order, a lift, a new agreement version), never by importing different content.
IMMUTABLE = frozenset({"court_orders", "agreement_versions"})
_NEVER = {
    "court_orders": "court orders are never replaced: `accord court-order amend ID FILE` or `lift ID`",
    "agreement_versions": "agreement versions are never replaced: add a new version (an amendment)",
}


def _refuse_replacement(table: Table, replaced: list[Key], retracted: int) -> None:
    what = {"court_orders": "court order", "agreement_versions": "agreement version"}[table.name]
    if replaced:
        names = ", ".join("/".join(str(part) for part in key) for key in replaced[:5])
        raise Refused(f"{what} {names}: already recorded with different content; {_NEVER[table.name]}")
    if retracted:
        raise Refused(f"the file leaves out {retracted} stored {what}(s); {_NEVER[table.name]}")


def _refuse_future_claims(records: Sequence[BaseModel], limit: datetime | None, source: str) -> None:
    """A file cannot say the system learnt something it has not learnt yet (docs/integrity.md)."""
    if limit is None:
        return
    late = [(path, at) for record in records for path, at in recorded_claims(record) if at > limit]
    if late:
        path, at = late[0]
        more = f" (and {len(late) - 1} more)" if len(late) > 1 else ""
        raise InvalidInput(
            f"{source}: {path or 'record'}: recorded_at {at.isoformat()} is later than the recording clock "
            f"allows ({limit.isoformat()}){more}: a file cannot say the system learnt something it has not "
            "learnt yet"
        )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_world_file(
    connection: Connection,
    path: Path,
    *,
    now: datetime,
    source: str,
    claims_until: datetime | None = None,
    chunk: int = CHUNK,
) -> ImportReport:
    """Validate the world file at `path` and store it in the caller's transaction, its persons `chunk` at
    a time as they are read (`world.stream`): a world of any size in the memory of a few thousand people.
    `now` is the import instant (the system clock): when a replaced record stopped being current, and the
    `imports` row's time. Raises WorldInvalid when the file does not validate, InvalidInput when a record
    claims a `recorded_at` later than `claims_until`, Refused when it would replace a stored court order or
    agreement version; the caller must then roll back, as a `with engine.begin()` block does, since some
    persons may already be written."""
    writer = Writer(connection, now=now, kind="world", source=source, immutable=IMMUTABLE)

    def write_persons(people: Sequence[Person]) -> None:
        _refuse_future_claims(people, claims_until, source)
        writer.write(flatten(PERSONS, people))

    with collector_paused():
        streamed = stream_world_file(path, write_persons, chunk)
        _refuse_future_claims([streamed.document.world], claims_until, source)
        writer.write(flatten_document(streamed.document))
    return writer.report


def import_document(
    connection: Connection,
    document: WorldDocument,
    *,
    now: datetime,
    source: str,
    claims_until: datetime | None = None,
    chunk: int = 5000,
) -> ImportReport:
    """Store a validated world document in the caller's transaction, as `import_world_file` stores a
    file. Persons are flattened and written `chunk` at a time, as `import-persons` writes them, so that
    their rows never all sit in memory at once."""
    _refuse_future_claims([document.world], claims_until, source)
    writer = Writer(connection, now=now, kind="world", source=source, immutable=IMMUTABLE)
    persons = document.world.persons
    without_persons = document.world.model_copy(update={"persons": ()})
    with collector_paused():
        writer.write(flatten_document(document.model_copy(update={"world": without_persons})))
        for start in range(0, len(persons), chunk):
            writer.write(flatten(PERSONS, persons[start : start + chunk]))
    return writer.report

"""The ledger on SQLite and PostgreSQL: appending under the head-row lock, the derived key state, and
proofs from stored subtree hashes. Every function takes the caller's Connection, so an append commits or
rolls back with the business transaction that caused it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, func, insert, select, update

from accord.ledger.canonical import FormatError
from accord.ledger.merkle import CompactRange, NodeId, Range, leaf_hash, perfect_nodes, range_hash
from accord.ledger.rules import (
    Effects,
    KeyRecord,
    Link,
    MemoryView,
    Refusal,
    SignatureCheck,
    check_entry,
    first_bad_signature,
)
from accord.ledger.statements import Entry, HandoverStatement, KeyStatement, OrgStatement, decode_entry
from accord.store.tables_ledger import (
    ledger_checkpoint,
    ledger_entry,
    ledger_head,
    ledger_key,
    ledger_node,
    ledger_org,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(instant: datetime) -> int:
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


class LedgerMissing(LookupError):
    """No ledger of that id in this database (run `accord ledger init`)."""


@dataclass(frozen=True)
class Head:
    ledger: str
    size: int
    frontier: CompactRange
    log_key: bytes


def create_head(conn: Connection, ledger: str, log_key: bytes) -> None:
    conn.execute(insert(ledger_head).values(ledger=ledger, size=0, frontier=b"", log_key=log_key))


def ledger_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(ledger_head.c.ledger).order_by(ledger_head.c.ledger)).scalars())


# Statements on the append and proof paths are built once: building and cache-keying a Core statement
# costs several times more than SQLite takes to run it.
_HEAD = select(ledger_head.c.size, ledger_head.c.frontier, ledger_head.c.log_key).where(
    ledger_head.c.ledger == bindparam("ledger")
)
# A no-op UPDATE is the one statement that locks the row on PostgreSQL and takes SQLite's single writer
# lock; RETURNING reads the head in the same statement.
_LOCK_HEAD = (
    update(ledger_head)
    .where(ledger_head.c.ledger == bindparam("head"))
    .values(size=ledger_head.c.size)
    .returning(ledger_head.c.size, ledger_head.c.frontier, ledger_head.c.log_key)
)
_MOVE_HEAD = (
    update(ledger_head)
    .where(ledger_head.c.ledger == bindparam("head"))
    .values(size=bindparam("new_size"), frontier=bindparam("new_frontier"))
)
_INSERT_ENTRY = insert(ledger_entry)
_INSERT_NODE = insert(ledger_node)
_EVENTS = select(ledger_entry.c.event_id, ledger_entry.c.idx).where(
    ledger_entry.c.ledger == bindparam("ledger"), ledger_entry.c.event_id.in_(bindparam("wanted", expanding=True))
)
_LATEST = (
    select(func.max(ledger_entry.c.idx).label("idx"))
    .where(ledger_entry.c.ledger == bindparam("ledger"), ledger_entry.c.person.in_(bindparam("wanted", expanding=True)))
    .group_by(ledger_entry.c.person)
    .subquery()
)
_LINKS = select(
    ledger_entry.c.person,
    ledger_entry.c.idx,
    ledger_entry.c.leaf_hash,
    ledger_entry.c.custodian,
    ledger_entry.c.occurred_us,
).where(ledger_entry.c.ledger == bindparam("ledger"), ledger_entry.c.idx.in_(select(_LATEST.c.idx)))
_KEYS = select(ledger_key).where(
    ledger_key.c.ledger == bindparam("ledger"), ledger_key.c.key_id.in_(bindparam("wanted", expanding=True))
)
_NODES = select(ledger_node.c.node, ledger_node.c.hash).where(
    ledger_node.c.ledger == bindparam("ledger"), ledger_node.c.node.in_(bindparam("wanted", expanding=True))
)
# Far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters per statement.
_IN_CHUNK = 1000


def _head(ledger: str, row: Row[Any, Any, Any] | None) -> Head:
    if row is None:
        raise LedgerMissing(f"no ledger {ledger!r} in this database (run `accord ledger init`)")
    return Head(ledger, row.size, CompactRange.from_bytes(row.size, row.frontier), row.log_key)


def read_head(conn: Connection, ledger: str) -> Head:
    return _head(ledger, conn.execute(_HEAD, {"ledger": ledger}).one_or_none())


def lock_head(conn: Connection, ledger: str) -> Head:
    """Take the head row's write lock for the rest of the transaction and read it. Concurrent appenders
    queue here and each sees the size its predecessor committed: indices have no gaps and no duplicates."""
    return _head(ledger, conn.execute(_LOCK_HEAD, {"head": ledger}).one_or_none())


def _rows_in(conn: Connection, query: Select[Any], ledger: str, wanted: Iterable[object]) -> list[Row[Any]]:
    """The rows of `query` for the distinct `wanted` values, in IN lists of bounded length."""
    values = list(dict.fromkeys(wanted))
    rows: list[Row[Any]] = []
    for start in range(0, len(values), _IN_CHUNK):
        rows.extend(conn.execute(query, {"ledger": ledger, "wanted": values[start : start + _IN_CHUNK]}))
    return rows


def _key_record(row: Row[Any]) -> KeyRecord:
    return KeyRecord(row.key_id, row.org, row.custodian, row.public_key, row.added_idx, row.ended)


def _link(row: Row[Any]) -> Link:
    return Link(row.idx, row.leaf_hash, row.custodian, from_micros(row.occurred_us))


class DatabaseView:
    """rules.LedgerView over the derived tables, as of the locked head."""

    def __init__(self, conn: Connection, ledger: str) -> None:
        self.conn, self.ledger = conn, ledger

    def event_index(self, event_id: str) -> int | None:
        return self.event_indices([event_id]).get(event_id)

    def org_root(self, org: str) -> bytes | None:
        query = select(ledger_org.c.root_key).where(ledger_org.c.ledger == self.ledger, ledger_org.c.org == org)
        return self.conn.execute(query).scalar_one_or_none()

    def key(self, key_id: str) -> KeyRecord | None:
        return self.keys([key_id]).get(key_id)

    def active_key(self, custodian: str) -> str | None:
        query = select(ledger_key.c.key_id).where(
            ledger_key.c.ledger == self.ledger, ledger_key.c.custodian == custodian, ledger_key.c.ended.is_(None)
        )
        return self.conn.execute(query).scalar_one_or_none()

    def custodian_org(self, custodian: str) -> str | None:
        query = select(ledger_key.c.org).where(ledger_key.c.ledger == self.ledger, ledger_key.c.custodian == custodian)
        return self.conn.execute(query.limit(1)).scalar_one_or_none()

    def last_handover(self, person: str) -> Link | None:
        return self.last_handovers([person]).get(person)

    def custodian_country(self, custodian: str) -> str | None:
        """The country of the organisation the custodian belongs to; None for an unknown custodian."""
        k, o = ledger_key, ledger_org
        query = (
            select(o.c.country)
            .join(k, (k.c.ledger == o.c.ledger) & (k.c.org == o.c.org))
            .where(o.c.ledger == self.ledger, k.c.custodian == custodian)
        )
        return self.conn.execute(query.limit(1)).scalar_one_or_none()

    # Batched forms: one query for all the entries of a batch.

    def event_indices(self, event_ids: Iterable[str]) -> dict[str, int]:
        return {row.event_id: row.idx for row in _rows_in(self.conn, _EVENTS, self.ledger, event_ids)}

    def keys(self, key_ids: Iterable[str]) -> dict[str, KeyRecord]:
        return {row.key_id: _key_record(row) for row in _rows_in(self.conn, _KEYS, self.ledger, key_ids)}

    def last_handovers(self, persons: Iterable[str]) -> dict[str, Link]:
        return {row.person: _link(row) for row in _rows_in(self.conn, _LINKS, self.ledger, persons)}


class BatchView:
    """rules.LedgerView for the entries of one batch: the database as of the locked head, with what the
    batch's earlier entries changed laid over it. What a batch of handovers looks up (event ids, persons'
    last handovers, keys) is fetched for all of its entries at once."""

    def __init__(self, conn: Connection, ledger: str, entries: Sequence[Entry]) -> None:
        self.database = DatabaseView(conn, ledger)
        self.batch = MemoryView()
        self.ended: set[str] = set()  # custodians whose active key in the database this batch ended
        statements = [entry.statement for entry in entries]
        handovers = [s for s in statements if isinstance(s, HandoverStatement)]
        self.events = self.database.event_indices(s.event_id for s in statements)
        self.links = self.database.last_handovers(s.person for s in handovers)
        key_ids = {p.key_id for s in handovers for p in (s.sender, s.receiver)}
        key_ids |= {s.key_id for s in statements if isinstance(s, KeyStatement)}
        self.fetched_keys = key_ids
        self.stored_keys = self.database.keys(key_ids)

    def event_index(self, event_id: str) -> int | None:
        return self.batch.events.get(event_id, self.events.get(event_id))

    def org_root(self, org: str) -> bytes | None:
        return self.batch.orgs.get(org) or self.database.org_root(org)

    def key(self, key_id: str) -> KeyRecord | None:
        if key_id in self.batch.keys:
            return self.batch.keys[key_id]
        if key_id in self.fetched_keys:
            return self.stored_keys.get(key_id)
        return self.database.key(key_id)

    def active_key(self, custodian: str) -> str | None:
        if custodian in self.batch.active:
            return self.batch.active[custodian]
        return None if custodian in self.ended else self.database.active_key(custodian)

    def custodian_org(self, custodian: str) -> str | None:
        return self.batch.owners.get(custodian) or self.database.custodian_org(custodian)

    def last_handover(self, person: str) -> Link | None:
        return self.batch.links.get(person) or self.links.get(person)

    def apply(self, event_id: str, index: int, effects: Effects) -> None:
        if effects.ended_key is not None:
            key_id = effects.ended_key[0]
            record = self.key(key_id)
            assert record is not None  # the rules only end a registered key
            if key_id not in self.batch.keys:  # a key from the database: the overlay takes it over
                self.batch.keys[key_id] = record
                if record.ended is None:  # it was the custodian's active key
                    self.ended.add(record.custodian)
        self.batch.apply(event_id, index, effects)


@dataclass(frozen=True)
class StoredRows:
    """What appending entries writes: the entry rows, the completed subtrees, and the new head."""

    entries: list[dict[str, object]]
    nodes: list[dict[str, object]]
    size: int
    frontier: bytes


def node_key(node: NodeId) -> int:
    """The stored key of a perfect subtree (level, idx): idx << 6 | level (levels are below 64)."""
    level, idx = node
    return idx << 6 | level


def stored_rows(ledger: str, frontier: CompactRange, entries: Sequence[Entry]) -> StoredRows:
    """The rows that appending `entries` after `frontier` writes (advancing `frontier`). The one place
    that derives stored rows from entries, so that the benchmark's bulk loader writes what appends do."""
    entry_rows: list[dict[str, object]] = []
    node_rows: list[dict[str, object]] = []
    for entry in entries:
        leaf = leaf_hash(entry.data)
        handover = entry.statement if isinstance(entry.statement, HandoverStatement) else None
        entry_rows.append(
            {
                "ledger": ledger,
                "idx": frontier.size,
                "kind": entry.kind,
                "event_id": entry.statement.event_id,
                "data": entry.data,
                "leaf_hash": leaf,
                "person": handover.person if handover else None,
                "custodian": handover.receiver.custodian if handover else None,
                "occurred_us": to_micros(handover.occurred_at) if handover else None,
            }
        )
        node_rows.extend(
            {"ledger": ledger, "node": node_key(node), "hash": value} for node, value in frontier.append(leaf)
        )
    return StoredRows(entry_rows, node_rows, frontier.size, frontier.to_bytes())


def write_rows(conn: Connection, ledger: str, rows: StoredRows) -> None:
    """Insert the rows with one executemany per table and move the head once."""
    conn.execute(_INSERT_ENTRY, rows.entries)
    conn.execute(_INSERT_NODE, rows.nodes)
    conn.execute(_MOVE_HEAD, {"head": ledger, "new_size": rows.size, "new_frontier": rows.frontier})


def _decode(data: bytes) -> Entry:
    try:
        return decode_entry(data)
    except FormatError as exc:
        raise Refusal(str(exc)) from exc


def append_entry(conn: Connection, ledger: str, data: bytes) -> int:
    """Check `data` against everything before it (form, replay, keys, signatures, custody continuity) and
    append it; return its index. Raises Refusal (nothing is written) when it is not admissible."""
    return append_entries(conn, ledger, [data])[0]


def append_entries(conn: Connection, ledger: str, batch: Sequence[bytes]) -> list[int]:
    """Append entries in order, each checked exactly as `append_entry` checks it against the log and the
    batch's earlier entries; return their indices. All or nothing: a Refusal, naming the first entry that
    is not admissible, writes nothing. The rows are written with one executemany per table and the head
    moves once, which is what makes batches fast."""
    head = lock_head(conn, ledger)
    entries = [_decode(data) for data in batch]
    view = BatchView(conn, ledger, entries)
    signed: list[tuple[Entry, list[SignatureCheck]]] = []
    changes: list[tuple[Effects, OrgStatement | None]] = []
    for offset, entry in enumerate(entries):
        index = head.size + offset
        try:
            effects = check_entry(entry, index, leaf_hash(entry.data), ledger, view)
        except Refusal:
            _verify_signatures(signed)  # a bad signature before this entry is the first refusal
            raise
        signed.append((entry, effects.signatures))
        view.apply(entry.statement.event_id, index, effects)
        if effects.org or effects.new_key or effects.ended_key:
            changes.append((effects, entry.statement if isinstance(entry.statement, OrgStatement) else None))
    _verify_signatures(signed)
    write_rows(conn, ledger, stored_rows(ledger, head.frontier, entries))
    for effects, org in changes:
        _apply(conn, ledger, effects, org)
    return list(range(head.size, head.size + len(entries)))


@cache
def _signature_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="ledger-signatures")


def _first_bad(signed: Sequence[tuple[Entry, list[SignatureCheck]]]) -> str | None:
    return next((bad for entry, checks in signed if (bad := first_bad_signature(entry, checks))), None)


def _verify_signatures(signed: Sequence[tuple[Entry, list[SignatureCheck]]]) -> None:
    """Raise Refusal when a signature does not verify, for the first such entry. Ed25519 verification
    releases the GIL, so a batch is split in consecutive parts checked on one thread per CPU."""
    parts = os.cpu_count() or 1
    if len(signed) < 2 * parts:
        bad = _first_bad(signed)
    else:
        size = -(-len(signed) // parts)
        chunks = [signed[n : n + size] for n in range(0, len(signed), size)]
        bad = next((role for role in _signature_threads().map(_first_bad, chunks) if role is not None), None)
    if bad is not None:
        raise Refusal(f"entry.signatures.{bad}: does not verify under the {bad} key")


def _apply(conn: Connection, ledger: str, effects: Effects, statement: OrgStatement | None) -> None:
    if effects.org is not None:
        assert statement is not None  # only an org statement registers an organisation
        org, root = effects.org
        conn.execute(
            insert(ledger_org).values(
                ledger=ledger, org=org, root_key=root, name=statement.name, country=statement.country
            )
        )
    if effects.ended_key is not None:
        key_id, how = effects.ended_key
        conn.execute(
            update(ledger_key).where(ledger_key.c.ledger == ledger, ledger_key.c.key_id == key_id).values(ended=how)
        )
    if effects.new_key is not None:
        record = effects.new_key
        conn.execute(
            insert(ledger_key).values(
                ledger=ledger,
                key_id=record.key_id,
                org=record.org,
                custodian=record.custodian,
                public_key=record.public_key,
                added_idx=record.added_index,
            )
        )


# ---- reading -----------------------------------------------------------------------------------------


def fetch_nodes(conn: Connection, ledger: str, nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """The stored hashes of the given perfect subtrees, in one primary-key IN query."""
    wanted = {node_key(node): node for node in nodes}
    found = {wanted[row.node]: row.hash for row in _rows_in(conn, _NODES, ledger, wanted)}
    if len(found) != len(wanted):
        raise LookupError(f"ledger {ledger!r}: {len(wanted) - len(found)} subtree hashes are missing")
    return found


def hashes_of(conn: Connection, ledger: str, ranges: Sequence[Range]) -> list[bytes]:
    """MTH of each range, from O(log n) stored perfect subtrees fetched together."""
    nodes = fetch_nodes(conn, ledger, (node for lo, hi in ranges for node in perfect_nodes(lo, hi)))
    return [range_hash(lo, hi, nodes) for lo, hi in ranges]


def root_at(conn: Connection, ledger: str, size: int) -> bytes:
    """The root of the tree of the first `size` entries (any size up to the head)."""
    if size == 0:
        return CompactRange().root()
    return hashes_of(conn, ledger, [(0, size)])[0]


def entry_rows(conn: Connection, ledger: str, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, bytes]]:
    """(index, exact bytes) in log order."""
    query = select(ledger_entry.c.idx, ledger_entry.c.data).where(
        ledger_entry.c.ledger == ledger, ledger_entry.c.idx >= start
    )
    if stop is not None:
        query = query.where(ledger_entry.c.idx < stop)
    for row in conn.execute(query.order_by(ledger_entry.c.idx)):
        yield row.idx, row.data


def entry_at(conn: Connection, ledger: str, index: int) -> bytes:
    query = select(ledger_entry.c.data).where(ledger_entry.c.ledger == ledger, ledger_entry.c.idx == index)
    return bytes(conn.execute(query).scalar_one())


def person_rows(conn: Connection, ledger: str, person: str, at: datetime | None = None) -> list[tuple[int, bytes]]:
    """A person's handovers in log order (those that occurred at or before `at` when given)."""
    query = select(ledger_entry.c.idx, ledger_entry.c.data).where(
        ledger_entry.c.ledger == ledger, ledger_entry.c.person == person
    )
    if at is not None:
        query = query.where(ledger_entry.c.occurred_us <= to_micros(at))
    return [(row.idx, bytes(row.data)) for row in conn.execute(query.order_by(ledger_entry.c.idx))]


def handovers_since(conn: Connection, ledger: str, instant: datetime) -> Iterator[tuple[int, bytes]]:
    """(index, bytes) of every handover that occurred at or after `instant`, in log order."""
    query = select(ledger_entry.c.idx, ledger_entry.c.data).where(
        ledger_entry.c.ledger == ledger,
        ledger_entry.c.kind == "handover",
        ledger_entry.c.occurred_us >= to_micros(instant),
    )
    for row in conn.execute(query.order_by(ledger_entry.c.idx)):
        yield row.idx, bytes(row.data)


def key_entry_index(conn: Connection, ledger: str, key_id: str) -> int:
    query = select(ledger_key.c.added_idx).where(ledger_key.c.ledger == ledger, ledger_key.c.key_id == key_id)
    return int(conn.execute(query).scalar_one())


def organisations(conn: Connection, ledger: str) -> list[tuple[str, str, bytes]]:
    query = select(ledger_org.c.org, ledger_org.c.name, ledger_org.c.root_key).where(ledger_org.c.ledger == ledger)
    return [(row.org, row.name, row.root_key) for row in conn.execute(query.order_by(ledger_org.c.org))]


def checkpoint_note(conn: Connection, ledger: str, size: int) -> str | None:
    """The stored signed checkpoint of that size, with its cosignatures."""
    query = select(ledger_checkpoint.c.note).where(
        ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size == size
    )
    return conn.execute(query).scalar_one_or_none()


def store_checkpoint(conn: Connection, ledger: str, size: int, note: str) -> None:
    if checkpoint_note(conn, ledger, size) is None:
        conn.execute(insert(ledger_checkpoint).values(ledger=ledger, size=size, note=note))
    else:
        conn.execute(
            update(ledger_checkpoint)
            .where(ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size == size)
            .values(note=note)
        )


def checkpoints_larger_than(conn: Connection, ledger: str, size: int) -> list[str]:
    """The stored signed checkpoints of more than `size` entries, the largest first."""
    query = select(ledger_checkpoint.c.note).where(
        ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size > size
    )
    return list(conn.execute(query.order_by(ledger_checkpoint.c.size.desc())).scalars())


def latest_checkpoint(conn: Connection, ledger: str) -> tuple[int, str] | None:
    top = select(func.max(ledger_checkpoint.c.size)).where(ledger_checkpoint.c.ledger == ledger).scalar_subquery()
    query = select(ledger_checkpoint.c.size, ledger_checkpoint.c.note).where(
        ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size == top
    )
    row = conn.execute(query).one_or_none()
    return None if row is None else (row.size, row.note)

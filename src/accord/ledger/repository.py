"""The ledger on SQLite and PostgreSQL: appending under the head-row lock, the derived key state, and
proofs from stored subtree hashes. Every function takes the caller's Connection, so an append commits or
rolls back with the business transaction that caused it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from accord.ledger.canonical import FormatError
from accord.ledger.merkle import CompactRange, NodeId, Range, leaf_hash, perfect_nodes, range_hash
from accord.ledger.rules import Effects, KeyRecord, Link, Refusal, check_entry, first_bad_signature
from accord.ledger.statements import HandoverStatement, OrgStatement, decode_entry
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


def read_head(conn: Connection, ledger: str) -> Head:
    row = conn.execute(select(ledger_head).where(ledger_head.c.ledger == ledger)).one_or_none()
    if row is None:
        raise LedgerMissing(f"no ledger {ledger!r} in this database (run `accord ledger init`)")
    return Head(ledger, row.size, CompactRange.from_bytes(row.size, row.frontier), row.log_key)


def lock_head(conn: Connection, ledger: str) -> Head:
    """Take the head row's write lock for the rest of the transaction. A no-op UPDATE is the one statement
    that locks the row on PostgreSQL and takes SQLite's single writer lock, so concurrent appenders queue
    here and each sees the size its predecessor committed: indices have no gaps and no duplicates."""
    conn.execute(update(ledger_head).where(ledger_head.c.ledger == ledger).values(size=ledger_head.c.size))
    return read_head(conn, ledger)


class DatabaseView:
    """rules.LedgerView over the derived tables, as of the locked head."""

    def __init__(self, conn: Connection, ledger: str) -> None:
        self.conn, self.ledger = conn, ledger

    def event_index(self, event_id: str) -> int | None:
        query = select(ledger_entry.c.idx).where(
            ledger_entry.c.ledger == self.ledger, ledger_entry.c.event_id == event_id
        )
        return self.conn.execute(query).scalar_one_or_none()

    def org_root(self, org: str) -> bytes | None:
        query = select(ledger_org.c.root_key).where(ledger_org.c.ledger == self.ledger, ledger_org.c.org == org)
        return self.conn.execute(query).scalar_one_or_none()

    def key(self, key_id: str) -> KeyRecord | None:
        query = select(ledger_key).where(ledger_key.c.ledger == self.ledger, ledger_key.c.key_id == key_id)
        row = self.conn.execute(query).one_or_none()
        if row is None:
            return None
        return KeyRecord(row.key_id, row.org, row.custodian, row.public_key, row.added_idx, row.ended)

    def active_key(self, custodian: str) -> str | None:
        query = select(ledger_key.c.key_id).where(
            ledger_key.c.ledger == self.ledger, ledger_key.c.custodian == custodian, ledger_key.c.ended.is_(None)
        )
        return self.conn.execute(query).scalar_one_or_none()

    def custodian_org(self, custodian: str) -> str | None:
        query = select(ledger_key.c.org).where(ledger_key.c.ledger == self.ledger, ledger_key.c.custodian == custodian)
        return self.conn.execute(query.limit(1)).scalar_one_or_none()

    def last_handover(self, person: str) -> Link | None:
        query = (
            select(ledger_entry.c.idx, ledger_entry.c.leaf_hash, ledger_entry.c.custodian, ledger_entry.c.occurred_us)
            .where(ledger_entry.c.ledger == self.ledger, ledger_entry.c.person == person)
            .order_by(ledger_entry.c.idx.desc())
            .limit(1)
        )
        row = self.conn.execute(query).one_or_none()
        if row is None:
            return None
        return Link(row.idx, row.leaf_hash, row.custodian, from_micros(row.occurred_us))


def append_entry(conn: Connection, ledger: str, data: bytes) -> int:
    """Check `data` against everything before it (form, replay, keys, signatures, custody continuity) and
    append it; return its index. Raises Refusal (nothing is written) when it is not admissible."""
    head = lock_head(conn, ledger)
    try:
        entry = decode_entry(data)
    except FormatError as exc:
        raise Refusal(str(exc)) from exc
    leaf = leaf_hash(data)
    effects = check_entry(entry, head.size, leaf, ledger, DatabaseView(conn, ledger))
    bad = first_bad_signature(entry, effects.signatures)
    if bad is not None:
        raise Refusal(f"entry.signatures.{bad}: does not verify under the {bad} key")
    index = head.size
    handover = entry.statement if isinstance(entry.statement, HandoverStatement) else None
    conn.execute(
        insert(ledger_entry).values(
            ledger=ledger,
            idx=index,
            kind=entry.kind,
            event_id=entry.statement.event_id,
            data=data,
            leaf_hash=leaf,
            person=handover.person if handover else None,
            custodian=handover.receiver.custodian if handover else None,
            occurred_us=to_micros(handover.occurred_at) if handover else None,
        )
    )
    name = entry.statement.name if isinstance(entry.statement, OrgStatement) else ""
    _apply(conn, ledger, effects, name)
    created = head.frontier.append(leaf)
    conn.execute(
        insert(ledger_node),
        [{"ledger": ledger, "level": level, "idx": idx, "hash": value} for (level, idx), value in created],
    )
    conn.execute(
        update(ledger_head)
        .where(ledger_head.c.ledger == ledger)
        .values(size=head.frontier.size, frontier=head.frontier.to_bytes())
    )
    return index


def _apply(conn: Connection, ledger: str, effects: Effects, org_name: str) -> None:
    if effects.org is not None:
        org, root = effects.org
        conn.execute(insert(ledger_org).values(ledger=ledger, org=org, root_key=root, name=org_name))
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
    """The stored hashes of the given perfect subtrees, in one query."""
    wanted = sorted(set(nodes))
    if not wanted:
        return {}
    condition = or_(*(and_(ledger_node.c.level == level, ledger_node.c.idx == idx) for level, idx in wanted))
    query = select(ledger_node.c.level, ledger_node.c.idx, ledger_node.c.hash).where(
        ledger_node.c.ledger == ledger, condition
    )
    found = {(row.level, row.idx): row.hash for row in conn.execute(query)}
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


def key_entry_index(conn: Connection, ledger: str, key_id: str) -> int:
    query = select(ledger_key.c.added_idx).where(ledger_key.c.ledger == ledger, ledger_key.c.key_id == key_id)
    return int(conn.execute(query).scalar_one())


def organisations(conn: Connection, ledger: str) -> list[tuple[str, str, bytes]]:
    query = select(ledger_org.c.org, ledger_org.c.name, ledger_org.c.root_key).where(ledger_org.c.ledger == ledger)
    return [(row.org, row.name, row.root_key) for row in conn.execute(query.order_by(ledger_org.c.org))]


def store_checkpoint(conn: Connection, ledger: str, size: int, note: str) -> None:
    existing = conn.execute(
        select(ledger_checkpoint.c.note).where(ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size == size)
    ).scalar_one_or_none()
    if existing is None:
        conn.execute(insert(ledger_checkpoint).values(ledger=ledger, size=size, note=note))
    else:
        conn.execute(
            update(ledger_checkpoint)
            .where(ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size == size)
            .values(note=note)
        )


def latest_checkpoint(conn: Connection, ledger: str) -> tuple[int, str] | None:
    top = select(func.max(ledger_checkpoint.c.size)).where(ledger_checkpoint.c.ledger == ledger).scalar_subquery()
    query = select(ledger_checkpoint.c.size, ledger_checkpoint.c.note).where(
        ledger_checkpoint.c.ledger == ledger, ledger_checkpoint.c.size == top
    )
    row = conn.execute(query).one_or_none()
    return None if row is None else (row.size, row.note)

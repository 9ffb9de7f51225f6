"""The witness's state: a small SQLite file of its own (never a node's database), holding for each log
origin the latest checkpoint it cosigned, and the evidence of every refused checkpoint that proves the
log misbehaved.

The check of a request's old size against the stored one and the update to the new checkpoint happen in
one `BEGIN IMMEDIATE` transaction, which takes SQLite's single write lock before the read: two requests
(threads or processes) are serialised, so a slower one can never write back a smaller size. A trigger
refuses any update that would lower a stored size, whatever the code above it does. Commits are durable
(WAL, synchronous=FULL) before the witness answers."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from accord.ledger.checkpoint import Checkpoint
from accord.ledger.merkle import EMPTY_ROOT

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS cosigned (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    checkpoint TEXT NOT NULL,          -- the log's signed note, as received
    cosigned_at INTEGER NOT NULL       -- the timestamp of the witness's cosignature
);
CREATE TRIGGER IF NOT EXISTS cosigned_size_never_decreases BEFORE UPDATE OF size ON cosigned
WHEN NEW.size < OLD.size BEGIN SELECT RAISE(ABORT, 'a cosigned size never decreases'); END;
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rollback', 'fork', 'inconsistent')),
    reason TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    held_checkpoint TEXT,              -- what the witness had cosigned (none for a fork of the empty tree)
    presented_checkpoint TEXT NOT NULL,
    request BLOB NOT NULL              -- the whole add-checkpoint body, proof included
);
"""


class StateError(RuntimeError):
    """A state file that cannot be opened or is not a witness state of this version."""


@dataclass(frozen=True)
class Held:
    """What the witness holds for an origin: size 0 and the empty tree's root when it cosigned nothing."""

    size: int
    root: bytes
    checkpoint: str | None


@dataclass(frozen=True)
class Evidence:
    id: int
    origin: str
    kind: str
    reason: str
    received_at: int
    held_checkpoint: str | None
    presented_checkpoint: str
    request: bytes


class WitnessState:
    """The state file, with one connection per thread that stays open: were each request to open and close
    its own, every close of the last connection would checkpoint the WAL into the database and delete it,
    several more fsyncs and file creations per request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        try:
            with closing(self._connect()) as db:
                db.execute("PRAGMA journal_mode = WAL")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:  # new, or being created by another process: the script is idempotent
                    db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
                elif version != SCHEMA_VERSION:
                    raise StateError(f"{path}: witness state version {version}, this witness reads {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{path}: not a witness state file ({exc})") from None

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from None
        db.execute("PRAGMA synchronous = FULL")
        return db

    def _thread_connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    @contextmanager
    def exclusive(self) -> Iterator[Transaction]:
        """One write transaction, begun before anything is read; committed unless an exception leaves it."""
        db = self._thread_connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def held(self, origin: str) -> Held:
        return Transaction(self._thread_connection()).held(origin)

    def evidence(self) -> list[Evidence]:
        rows = self._thread_connection().execute(
            "SELECT id, origin, kind, reason, received_at, held_checkpoint, presented_checkpoint, request"
            " FROM evidence ORDER BY id"
        )
        return [Evidence(*row) for row in rows.fetchall()]


@dataclass(frozen=True)
class Transaction:
    db: sqlite3.Connection

    def held(self, origin: str) -> Held:
        row = self.db.execute("SELECT size, root, checkpoint FROM cosigned WHERE origin = ?", (origin,)).fetchone()
        return Held(0, EMPTY_ROOT, None) if row is None else Held(row[0], bytes(row[1]), row[2])

    def cosigned(self, checkpoint: Checkpoint, note_text: str, timestamp: int) -> None:
        self.db.execute(
            "INSERT INTO cosigned (origin, size, root, checkpoint, cosigned_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root,"
            " checkpoint = excluded.checkpoint, cosigned_at = excluded.cosigned_at",
            (checkpoint.origin, checkpoint.size, checkpoint.root, note_text, timestamp),
        )

    def keep_evidence(
        self, origin: str, kind: str, reason: str, received_at: int, held: Held, presented: str, request: bytes
    ) -> None:
        self.db.execute(
            "INSERT INTO evidence (origin, kind, reason, received_at, held_checkpoint, presented_checkpoint, request)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (origin, kind, reason, received_at, held.checkpoint, presented, request),
        )

"""Tables of the custody ledger (see docs/ledger.md, "Storage").

`ledger_entry.data` holds the exact signed bytes (a binary column, never JSON, which would rewrite them).
Sequence numbers come from `ledger_head.size` under a row lock, never from a database sequence, so they
have no gaps. `ledger_node` keeps every perfect subtree hash so that a root or proof is O(log n) lookups;
`ledger_org` and `ledger_key` are the key state as of the head, derived from the entries at append."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Table, Text, UniqueConstraint

from accord.store.schema import metadata

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),  # CompactRange hashes, largest subtree first
    Column("log_key", LargeBinary(32), nullable=False),  # the log's Ed25519 public key
)

ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    # Handovers only: the person commitment, the receiving custodian and when (µs since the epoch).
    Column("person", String(64)),
    Column("custodian", String(128)),
    Column("occurred_us", BigInteger),
    UniqueConstraint("ledger", "event_id"),
    Index("ix_ledger_entry_person", "ledger", "person", "idx"),
)

ledger_node = Table(
    "ledger_node",
    metadata,
    Column("ledger", String(200), primary_key=True),
    # One integer per perfect subtree, idx << 6 | level (repository.node_key), so that a proof is a single
    # `IN (...)` on the primary key rather than an OR of (level, idx) pairs that no index answers.
    Column("node", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

ledger_org = Table(
    "ledger_org",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("org", String(128), primary_key=True),
    Column("root_key", LargeBinary(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("country", String(3), nullable=False),  # whose custody the organisation's custodians hold
)

ledger_key = Table(
    "ledger_key",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("key_id", String(16), primary_key=True),
    Column("org", String(128), nullable=False),
    Column("custodian", String(128), nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("added_idx", BigInteger, nullable=False),
    Column("ended", String(16)),
    Index("ix_ledger_key_custodian", "ledger", "custodian"),
)

ledger_checkpoint = Table(
    "ledger_checkpoint",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),  # the signed note, with any witness co-signatures
)

ledger_witness = Table(
    "ledger_witness",
    metadata,
    Column("ledger", String(200), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("public_key", LargeBinary(32), nullable=False),  # its cosignature/v1 key; the private one is its own
    Column("url", Text, nullable=False),  # the base URL of its add-checkpoint endpoint
    # The last checkpoint this witness cosigned, as far as this node knows: the next submission proves
    # consistency from it (the witness answers with its own size when this is stale).
    Column("size", BigInteger),
    Column("root", LargeBinary(32)),
)

"""What leaves the database for auditors: the export directory and a person's receipt."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection

from accord.ledger import repository as repo
from accord.ledger.checkpoint import open_checkpoint, parse_note
from accord.ledger.keys import b64
from accord.ledger.service import Ledger, checkpoint_now, inclusion_proof, witnesses
from accord.ledger.statements import HandoverStatement, decode_entry
from accord.ledger.verify import (
    CHECKPOINT_FILE,
    ENTRIES_FILE,
    KEYS_FILE,
    RECEIPT_FORMAT,
    Organisation,
    TrustedKeys,
    export_line,
)


def trusted_keys(conn: Connection, ledger: Ledger) -> TrustedKeys:
    """The public keys an auditor needs (as this node knows them)."""
    organisations = {org: Organisation(name, root) for org, name, root in repo.organisations(conn, ledger.origin)}
    return TrustedKeys(ledger.origin, ledger.log_verifier_key(), tuple(witnesses(conn, ledger.origin)), organisations)


def export_ledger(conn: Connection, ledger: Ledger, directory: Path) -> int:
    """Write checkpoint, entries.jsonl and keys.json for the latest checkpoint; return its size. The
    witnesses listed are those that co-signed it, so that every signature line has a known key."""
    directory.mkdir(parents=True, exist_ok=True)
    note = checkpoint_now(conn, ledger)
    keys = trusted_keys(conn, ledger)
    verified = open_checkpoint(note, keys.log_key, keys.witnesses)
    cosigners = tuple(w for w in keys.witnesses if w.name in verified.witnesses)
    keys = TrustedKeys(keys.ledger, keys.log_key, cosigners, keys.organisations)
    size = verified.checkpoint.size
    (directory / CHECKPOINT_FILE).write_text(note, encoding="utf-8")
    (directory / KEYS_FILE).write_bytes(keys.to_bytes())
    with (directory / ENTRIES_FILE).open("wb") as handle:
        for index, data in repo.entry_rows(conn, ledger.origin, 0, size):
            handle.write(export_line(index, data))
    return size


def make_receipt(conn: Connection, ledger: Ledger, person_id: str) -> bytes:
    """A self-contained receipt of the person's whole custody chain: each handover and the key entries
    that registered its signers, all with inclusion proofs to one signed checkpoint: the largest one that
    witnesses cosigned, when one holds the person's last handover, else the current head's."""
    rows = repo.person_rows(conn, ledger.origin, ledger.commitment(person_id))
    if not rows:
        raise LookupError("the ledger holds no handover of this person")
    note = _witnessed_checkpoint(conn, ledger, rows[-1][0]) or checkpoint_now(conn, ledger)
    size = open_checkpoint(note, ledger.log_verifier_key()).checkpoint.size
    rows = [(i, d) for i, d in rows if i < size]
    key_indices: set[int] = set()
    for _index, data in rows:
        statement = decode_entry(data).statement
        assert isinstance(statement, HandoverStatement)  # only handovers carry a person
        for party in (statement.sender, statement.receiver):
            key_indices.add(repo.key_entry_index(conn, ledger.origin, party.key_id))

    def item(index: int, data: bytes) -> dict[str, object]:
        proof = inclusion_proof(conn, ledger.origin, index, size)
        return {"index": index, "entry": b64(data), "proof": [b64(p) for p in proof]}

    receipt = {
        "format": RECEIPT_FORMAT,
        "ledger": ledger.origin,
        "checkpoint": note,
        "handovers": [item(i, d) for i, d in rows],
        "keys": [item(i, repo.entry_at(conn, ledger.origin, i)) for i in sorted(key_indices)],
    }
    return json.dumps(receipt, indent=2).encode("utf-8") + b"\n"


def _witnessed_checkpoint(conn: Connection, ledger: Ledger, index: int) -> str | None:
    """The largest stored checkpoint that holds entry `index` and carries a cosignature (every line but
    the log's was verified against its witness's key when it was stored)."""
    for note in repo.checkpoints_larger_than(conn, ledger.origin, index):
        if len(parse_note(note).signatures) > 1:
            return note
    return None

"""What leaves the database for auditors: the export directory and a person's receipt."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection

from accord.files import open_new, refuse_existing, write_file
from accord.ledger import repository as repo
from accord.ledger.checkpoint import open_checkpoint, parse_note
from accord.ledger.keys import b64
from accord.ledger.service import Ledger, checkpoint_at, checkpoint_now, inclusion_proof, witnesses
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


EXPORT_FILES = (CHECKPOINT_FILE, ENTRIES_FILE, KEYS_FILE)


def export_ledger(conn: Connection, ledger: Ledger, directory: Path, *, overwrite: bool = False) -> int:
    """Write checkpoint, entries.jsonl and keys.json for the latest checkpoint; return its size. The
    witnesses listed are those that co-signed it, so that every signature line has a known key. Files
    that exist are replaced only with `overwrite` (else OutputRefused, before anything is written); each is
    written whole, never through a symlink (`accord.files`)."""
    refuse_existing([directory / name for name in EXPORT_FILES], overwrite=overwrite)
    note = checkpoint_now(conn, ledger)
    keys = trusted_keys(conn, ledger)
    verified = open_checkpoint(note, keys.log_key, keys.witnesses)
    cosigners = tuple(w for w in keys.witnesses if w.name in verified.witnesses)
    keys = TrustedKeys(keys.ledger, keys.log_key, cosigners, keys.organisations)
    size = verified.checkpoint.size
    with open_new(directory / ENTRIES_FILE, "wb", overwrite=overwrite) as handle:
        for index, data in repo.entry_rows(conn, ledger.origin, 0, size):
            handle.write(export_line(index, data))
    write_file(directory / KEYS_FILE, keys.to_bytes(), overwrite=overwrite)
    write_file(directory / CHECKPOINT_FILE, note, overwrite=overwrite)
    return size


def make_receipt(conn: Connection, ledger: Ledger, person_id: str) -> bytes:
    """A self-contained receipt of the person's whole custody chain: each handover and the key entries
    that registered its signers, all with inclusion proofs to one signed checkpoint (docs/ledger.md,
    "Receipts"): the witnessed checkpoint that ends with the person's last handover when there is one (it
    proves the chain is the person's latest, on a log witnesses saw); else the largest witnessed one that
    holds it (inclusion only: a later handover could follow); else the log's own checkpoint that ends with
    it (the latest, but not yet witnessed)."""
    rows = repo.person_rows(conn, ledger.origin, ledger.commitment(person_id))
    if not rows:
        raise LookupError("the ledger holds no handover of this person")
    last = rows[-1][0]
    note = _witnessed_checkpoint(conn, ledger, last) or checkpoint_at(conn, ledger, last + 1)
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
    """A stored checkpoint that holds entry `index` and carries a cosignature (every line but the log's
    was verified against its witness's key when it was stored): the one that ends with it if witnessed,
    else the largest."""
    stored = repo.checkpoints_larger_than(conn, ledger.origin, index)  # the largest first
    witnessed = [note for note in stored if len(parse_note(note).signatures) > 1]
    ending = [note for note in witnessed if parse_note(note).body.splitlines()[1] == str(index + 1)]
    found = ending or witnessed
    return found[0] if found else None

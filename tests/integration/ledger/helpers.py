"""Forging entries and resealing exports: what a dishonest operator (who holds the log key) can do."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import delete, update

from accord.ledger import export_ledger, trusted_keys
from accord.ledger import repository as repo
from accord.ledger.canonical import canonical
from accord.ledger.checkpoint import Checkpoint, sign_checkpoint
from accord.ledger.merkle import CompactRange, leaf_hash
from accord.ledger.service import LOG_KEY, custodian_key_name
from accord.ledger.statements import (
    HandoverStatement,
    Statement,
    decode_entry,
    encode_entry,
    kind_of,
    signing_message,
    statement_bytes,
)
from accord.ledger.verify import TrustedKeys
from accord.store.tables_ledger import ledger_checkpoint, ledger_entry, ledger_head, ledger_key, ledger_node, ledger_org
from tests.integration.ledger.conftest import World


def export(world: World, name: str = "export") -> tuple[Path, TrustedKeys]:
    directory = world.directory / name
    with world.engine.begin() as conn:
        export_ledger(conn, world.ledger, directory)
        keys = trusted_keys(conn, world.ledger)
    return directory, keys


def read_entries(directory: Path) -> list[bytes]:
    lines = (directory / "entries.jsonl").read_text().splitlines()
    return [base64.b64decode(json.loads(line)["entry"]) for line in lines]


def reseal(world: World, directory: Path, entries: list[bytes]) -> str:
    """Rewrite entries.jsonl with `entries` and sign a matching checkpoint with the log key."""
    with (directory / "entries.jsonl").open("wb") as handle:
        for index, data in enumerate(entries):
            handle.write(canonical({"index": index, "entry": base64.b64encode(data).decode()}) + b"\n")
    tree = CompactRange()
    for data in entries:
        tree.append(leaf_hash(data))
    checkpoint = Checkpoint(world.ledger.origin, tree.size, tree.root())
    note = sign_checkpoint(checkpoint, world.ledger.origin, world.ledger.keyring.private(LOG_KEY)).text()
    (directory / "checkpoint").write_text(note)
    return note


def sign(world: World, statement: Statement, signers: dict[str, str]) -> bytes:
    message = signing_message(kind_of(statement), statement_bytes(statement))
    return encode_entry(statement, {role: world.ledger.keyring.sign(name, message) for role, name in signers.items()})


def resign_handover(world: World, data: bytes, **changes: object) -> bytes:
    """A handover entry with some statement fields changed, signed again by the keys it names."""
    statement = decode_entry(data).statement
    assert isinstance(statement, HandoverStatement)
    statement = replace(statement, **changes)  # type: ignore[arg-type]
    signers = {
        "from": custodian_key_name(statement.sender.key_id),
        "to": custodian_key_name(statement.receiver.key_id),
    }
    return sign(world, statement, signers)


def next_handover(world: World, data: bytes, event_id: str) -> bytes:
    """A valid next handover after the handover `data`: its receiver hands the person back to its sender."""
    statement = decode_entry(data).statement
    assert isinstance(statement, HandoverStatement)
    return resign_handover(
        world,
        data,
        event_id=event_id,
        previous=leaf_hash(data).hex(),
        sender=statement.receiver,
        receiver=statement.sender,
    )


def stored_entries(world: World) -> list[bytes]:
    with world.engine.connect() as conn:
        return [data for _index, data in repo.entry_rows(conn, world.ledger.origin)]


def rewrite_history(world: World, entries: list[bytes]) -> None:
    """What an operator holding the database and every key can do: replace the stored log by `entries`
    (each checked again on append, so they must be validly signed) and drop the checkpoints."""
    origin = world.ledger.origin
    with world.engine.begin() as conn:
        for table in (ledger_entry, ledger_node, ledger_org, ledger_key, ledger_checkpoint):
            conn.execute(delete(table).where(table.c.ledger == origin))
        conn.execute(update(ledger_head).where(ledger_head.c.ledger == origin).values(size=0, frontier=b""))
        repo.append_entries(conn, origin, entries)

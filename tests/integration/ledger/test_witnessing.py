"""The log operator and a real witness process on loopback, on each database: checkpoints are submitted
and cosigned by a key this node does not hold, a stale record re-syncs, a rewritten or forked history is
refused by the witness with evidence, and verification and receipts count the witness's cosignature."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import select, update

from accord.ledger import (
    Refusal,
    Submission,
    VerificationFailed,
    WitnessPolicy,
    add_witness,
    make_receipt,
    submit_checkpoint,
    trusted_keys,
    verify_export,
    verify_receipt,
)
from accord.ledger import repository as repo
from accord.ledger.checkpoint import VerifierKey, parse_note
from accord.ledger.merkle import leaf_hash
from accord.ledger.statements import decode_entry
from accord.store.tables_ledger import ledger_witness
from accord.witness.keyfile import create_key_file, load_key_file
from tests.integration.ledger.conftest import World
from tests.integration.ledger.helpers import export, resign_handover, rewrite_history, stored_entries
from tests.witnesses import RunningWitness

SMALL_ORDER_KEY = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


def submit(world: World, *names: str) -> list[Submission]:
    return submit_checkpoint(world.engine, world.ledger, names)


def head_size(world: World) -> int:
    with world.engine.connect() as conn:
        return repo.read_head(conn, world.ledger.origin).size


def stored_note(world: World, size: int) -> str:
    with world.engine.connect() as conn:
        note = repo.checkpoint_note(conn, world.ledger.origin, size)
    assert note is not None
    return note


def test_a_checkpoint_is_cosigned_by_a_key_this_node_does_not_hold(busy_world: World, witness: RunningWitness) -> None:
    size = head_size(busy_world)
    assert submit(busy_world) == [Submission("auditor", size, None)]
    assert submit(busy_world) == [Submission("auditor", size, None)]  # the same size again: one line, renewed
    signers = [s.name for s in parse_note(stored_note(busy_world, size)).signatures]
    assert signers == [busy_world.ledger.origin, "auditor"]
    seed = load_key_file(witness.state.parent / "auditor.key").text().split("+", 4)[-1].strip()
    keyring = busy_world.ledger.keyring
    assert not any(name.startswith("witness") for name in keyring.keys) and seed not in keyring.path.read_text()
    assert witness.post(b"").status == 400  # it is still up: the operator's node did the cosigning remotely


def test_verification_requires_the_witness_cosignature(busy_world: World, witness: RunningWitness) -> None:
    submit(busy_world)
    directory, keys = export(busy_world)
    policy = WitnessPolicy((witness.key,), 1)
    assert verify_export(directory, keys, workers=1, witnesses=policy).witnesses == ("auditor",)
    busy_world.handover("A-100", "cecot", "ice-air", 100)
    directory, keys = export(busy_world, "not-yet-witnessed")
    verify_export(directory, keys, workers=1)  # the log itself holds...
    with pytest.raises(VerificationFailed, match=r"cosigned by 0 of the given witnesses, 1 required; .* auditor\+"):
        verify_export(directory, keys, workers=1, witnesses=policy)  # ...but no witness vouched for it


def test_a_stale_record_of_the_witness_re_syncs_once(busy_world: World, witness: RunningWitness) -> None:
    submit(busy_world)
    busy_world.handover("A-100", "cecot", "ice-air", 100)
    with busy_world.engine.begin() as conn:
        conn.execute(update(ledger_witness).values(size=3))  # the answer to the last submission was lost
    assert submit(busy_world)[0].problem is None
    assert witness.evidence() == []
    with busy_world.engine.begin() as conn:
        held = conn.execute(select(ledger_witness.c.size)).scalar_one()
        conn.execute(update(ledger_witness).values(size=held + 5))  # a record beyond the log's own head
    [result] = submit(busy_world)
    assert result.problem is not None and "beyond this checkpoint's" in result.problem


def test_a_rewritten_history_is_refused_with_evidence(busy_world: World, witness: RunningWitness) -> None:
    """The operator, holding every key, rewrites an old entry, re-signs it, grows the log on top and
    submits: the witness cannot be given a consistency proof from what it cosigned (422)."""
    submit(busy_world)
    honest = stored_note(busy_world, head_size(busy_world))
    entries = stored_entries(busy_world)
    first = min(i for i, data in enumerate(entries) if decode_entry(data).kind == "handover")
    entries[first] = resign_handover(busy_world, entries[first], place="elsewhere")  # A-100's first handover
    entries[first + 1] = resign_handover(busy_world, entries[first + 1], previous=leaf_hash(entries[first]).hex())
    rewrite_history(busy_world, entries)  # every entry is checked again: the rewritten chain is valid
    busy_world.handover("A-100", "cecot", "ice-air", 100)
    [result] = submit(busy_world)
    assert result.problem is not None and result.problem.startswith("422: refuses the consistency proof")
    [record] = witness.evidence()
    assert record.kind == "inconsistent"
    assert record.held_checkpoint == parse_note(honest).body + "\n" + parse_note(honest).signatures[0].line()
    assert record.presented_checkpoint == stored_note(busy_world, head_size(busy_world))
    directory, keys = export(busy_world)
    with pytest.raises(VerificationFailed, match="cosigned by 0"):
        verify_export(directory, keys, workers=1, witnesses=WitnessPolicy((witness.key,), 1))


def test_a_fork_at_the_same_size_is_refused_with_evidence(busy_world: World, witness: RunningWitness) -> None:
    submit(busy_world)
    entries = stored_entries(busy_world)
    entries[-1] = resign_handover(busy_world, entries[-1], place="elsewhere")
    rewrite_history(busy_world, entries)
    [result] = submit(busy_world)
    assert result.problem is not None and result.problem.startswith("409: refuses a checkpoint that conflicts")
    assert [record.kind for record in witness.evidence()] == ["fork"]


def test_receipts_carry_the_cosigned_checkpoint(busy_world: World, witness: RunningWitness) -> None:
    policy = WitnessPolicy((witness.key,), 1)
    cosigned = head_size(busy_world)
    submit(busy_world)
    busy_world.handover("A-100", "cecot", "ice-air", 100)
    with busy_world.engine.begin() as conn:
        keys = trusted_keys(conn, busy_world.ledger)
        earlier = make_receipt(conn, busy_world.ledger, "A-200")  # all its handovers were witnessed
        later = make_receipt(conn, busy_world.ledger, "A-100")  # its last handover was not yet
    assert verify_receipt(earlier, keys, policy).size == cosigned
    assert verify_receipt(later, keys).size == cosigned + 1
    with pytest.raises(VerificationFailed, match="receipt checkpoint: cosigned by 0"):
        verify_receipt(later, keys, policy)
    submit(busy_world)
    with busy_world.engine.begin() as conn:
        assert verify_receipt(make_receipt(conn, busy_world.ledger, "A-100"), keys, policy).last_to == "ice-air"


def test_witnesses_that_do_not_cosign_are_named(busy_world: World, witness: RunningWitness, tmp_path: Path) -> None:
    impostor = create_key_file(tmp_path / "impostor.key", "impostor").verifier  # answered for by `auditor`
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with busy_world.engine.begin() as conn:
        add_witness(conn, busy_world.ledger, name="impostor", url=witness.url, key=impostor)
        add_witness(conn, busy_world.ledger, name="down", url=f"http://127.0.0.1:{closed}/", key=_key("down", tmp_path))
    results = {r.witness: r.problem for r in submit(busy_world)}
    assert results["auditor"] is None
    assert results["down"] is not None and "cannot reach http://127.0.0.1:" in results["down"]
    assert results["impostor"] is not None and "no cosignature that verifies" in results["impostor"]
    signers = [s.name for s in parse_note(stored_note(busy_world, head_size(busy_world))).signatures]
    assert signers == [busy_world.ledger.origin, "auditor"]
    assert [r.witness for r in submit(busy_world, "auditor")] == ["auditor"]
    with pytest.raises(Refusal, match="'nobody' is not registered"):
        submit(busy_world, "nobody")


def _key(name: str, directory: Path) -> VerifierKey:
    return create_key_file(directory / f"{name}.key", name).verifier


def test_registration_refuses_what_could_never_cosign(busy_world: World, tmp_path: Path) -> None:
    good = _key("court", tmp_path)
    with pytest.raises(Refusal, match="no witness is registered"):
        submit(busy_world)
    cases = [
        ("court", "http://127.0.0.1:1", busy_world.ledger.log_verifier_key(), "cosignature/v1 verifier key"),
        ("judge", "http://127.0.0.1:1", good, "cosignature/v1 verifier key"),
        ("weak", "http://127.0.0.1:1", VerifierKey("weak", SMALL_ORDER_KEY, good.algorithm), "small-order"),
        ("court", "ftp://127.0.0.1/", good, r"not an http\(s\) base URL"),
        ("court", "127.0.0.1:7380", good, r"not an http\(s\) base URL"),
        ("court", "http://127.0.0.1:1/w?x=1", good, r"not an http\(s\) base URL"),
    ]
    for name, url, key, says in cases:
        with pytest.raises(Refusal, match=says), busy_world.engine.begin() as conn:
            add_witness(conn, busy_world.ledger, name=name, url=url, key=key)
    with busy_world.engine.begin() as conn:
        add_witness(conn, busy_world.ledger, name="court", url="http://127.0.0.1:1/", key=good)
    with pytest.raises(Refusal, match="already registered"), busy_world.engine.begin() as conn:
        add_witness(conn, busy_world.ledger, name="court", url="http://127.0.0.1:2", key=good)

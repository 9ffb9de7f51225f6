"""Every attack of the issue, caught at append time and by the offline verifier, on both databases."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger import DuplicateEvent, Refusal, VerificationFailed, record_handover, revoke_custodian_key
from accord.ledger import repository as repo
from accord.ledger.keys import b64, key_id, public_bytes
from accord.ledger.merkle import leaf_hash
from accord.ledger.service import custodian_key_name, org_key_name
from accord.ledger.statements import HandoverStatement, KeyStatement, Party, decode_entry, encode_entry
from accord.ledger.verify import TrustedKeys, verify_export
from tests.integration.ledger.conftest import HOME, T0, World
from tests.integration.ledger.helpers import export, next_handover, read_entries, reseal, resign_handover, sign

SMALL_ORDER_KEY = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


def verify(directory: Path, keys: TrustedKeys, old: str | None = None) -> None:
    verify_export(directory, keys, old, workers=1)


def fails_at(directory: Path, keys: TrustedKeys, index: int | None, match: str, old: str | None = None) -> None:
    with pytest.raises(VerificationFailed, match=match) as caught:
        verify(directory, keys, old)
    assert caught.value.index == index


def append_refused(world: World, data: bytes, match: str) -> None:
    with world.engine.connect() as conn:
        size = repo.read_head(conn, world.ledger.origin).size
    with pytest.raises(Refusal, match=match), world.engine.begin() as conn:
        repo.append_entry(conn, world.ledger.origin, data)
    with world.engine.connect() as conn:
        assert repo.read_head(conn, world.ledger.origin).size == size  # nothing was written


def last_handover(world: World) -> tuple[int, bytes]:
    entries = read_entries(export(world, "probe")[0])
    index = max(i for i, d in enumerate(entries) if decode_entry(d).kind == "handover")
    return index, entries[index]


# ---- the honest case -----------------------------------------------------------------------------------


def test_an_honest_export_verifies(busy_world: World) -> None:
    directory, keys = export(busy_world)
    verify(directory, keys)
    verify_export(directory, keys, workers=2)  # the parallel path agrees


# ---- altered, dropped, reordered, truncated, forked ----------------------------------------------------


def test_altered_entry(busy_world: World) -> None:
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    entries[6] = entries[6].replace(b'"place":"KIAH"', b'"place":"KIAX"')
    reseal(busy_world, directory, entries)
    fails_at(directory, keys, 6, "signatures.from does not verify")


def test_altered_entry_without_resealing(busy_world: World) -> None:
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    entries[6] = entries[6].replace(b'"place":"KIAH"', b'"place":"KIAX"')
    text = (directory / "checkpoint").read_text()
    reseal(busy_world, directory, entries)
    (directory / "checkpoint").write_text(text)
    with pytest.raises(VerificationFailed, match=r"signatures.from does not verify|root"):
        verify(directory, keys)


def test_altered_signature(busy_world: World) -> None:
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    entry = decode_entry(entries[7])
    forged = {**entry.signatures, "to": bytes(64)}
    entries[7] = encode_entry(entry.statement, forged)
    reseal(busy_world, directory, entries)
    fails_at(directory, keys, 7, "signatures.to does not verify")


def test_dropped_entry(busy_world: World) -> None:
    directory, keys = export(busy_world)
    lines = (directory / "entries.jsonl").read_text().splitlines(keepends=True)
    (directory / "entries.jsonl").write_text("".join(lines[:5] + lines[6:]))
    fails_at(directory, keys, 5, "dropped, duplicated or reordered")
    entries = read_entries(export(busy_world, "again")[0])
    reseal(busy_world, directory, entries[:5] + entries[6:])  # renumbered and re-signed
    fails_at(directory, keys, 5, "custody break")


def test_reordered_entries(busy_world: World) -> None:
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    reseal(busy_world, directory, [*entries[:5], entries[6], entries[5], *entries[7:]])
    fails_at(directory, keys, 5, "custody break")


@pytest.mark.parametrize(
    ("line", "old", "new"),
    [(0, b'"index":0}', b'"index":false}'), (1, b'"index":1}', b'"index":true}'), (2, b'{"entry"', b'{ "entry"')],
)
def test_another_spelling_of_an_export_line(busy_world: World, line: int, old: bytes, new: bytes) -> None:
    """JSON false and true compare equal to 0 and 1 in Python; neither they nor spaces may stand in."""
    directory, keys = export(busy_world)
    lines = (directory / "entries.jsonl").read_bytes().splitlines(keepends=True)
    lines[line] = lines[line].replace(old, new)
    (directory / "entries.jsonl").write_bytes(b"".join(lines))
    fails_at(directory, keys, line, "index|canonical")


def test_truncated_log(busy_world: World) -> None:
    directory, keys = export(busy_world)
    old = (directory / "checkpoint").read_text()
    lines = (directory / "entries.jsonl").read_text().splitlines(keepends=True)
    (directory / "entries.jsonl").write_text("".join(lines[:-2]))
    fails_at(directory, keys, 9, "truncated")
    reseal(busy_world, directory, read_entries(directory))
    fails_at(directory, keys, None, "truncated or rolled back", old)


def test_forked_log_same_size(busy_world: World) -> None:
    directory, keys = export(busy_world)
    old = (directory / "checkpoint").read_text()
    entries = read_entries(directory)
    entries[-1] = resign_handover(busy_world, entries[-1], place="elsewhere")
    reseal(busy_world, directory, entries)
    verify(directory, keys)  # on its own the rewritten log is well formed...
    fails_at(directory, keys, len(entries) - 1, "fork", old)  # ...but it is not the log the witness saw


def test_forked_log_fails_consistency(busy_world: World) -> None:
    directory, keys = export(busy_world, "old")
    old = (directory / "checkpoint").read_text()
    busy_world.handover("A-100", "cecot", "ice-air", 100)
    directory, keys = export(busy_world, "new")
    entries = read_entries(directory)
    entries[9] = resign_handover(busy_world, entries[9], place="elsewhere")
    entries[10] = resign_handover(busy_world, entries[10], previous=leaf_hash(entries[9]).hex())
    reseal(busy_world, directory, entries)
    verify(directory, keys)  # a coherent rewritten history...
    fails_at(directory, keys, 10, "fork", old)  # ...that the older checkpoint is not a prefix of


# ---- replays, signers, keys ------------------------------------------------------------------------------


def test_replayed_event_id(busy_world: World) -> None:
    _index, data = last_handover(busy_world)
    append_refused(busy_world, data, "already used by entry")
    with pytest.raises(DuplicateEvent) as caught, busy_world.engine.begin() as conn:
        record_handover(
            conn, busy_world.ledger, person_id="B-1", from_custodian="ice-air", to_custodian="cecot",
            place="X", occurred_at=T0, recorded_at=T0, legal_basis="d", home_country=HOME,
            event_id=decode_entry(data).statement.event_id,
        )  # fmt: skip
    assert caught.value.index == _index
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    reseal(busy_world, directory, [*entries, data])
    fails_at(directory, keys, len(entries), "already used by entry")


def test_cross_ledger_replay(busy_world: World) -> None:
    _index, data = last_handover(busy_world)
    statement = decode_entry(data).statement
    assert isinstance(statement, HandoverStatement)
    other = resign_handover(busy_world, data, ledger="another/ledger", event_id="fresh-1", previous=None)
    append_refused(busy_world, other, "cross-log replay")
    del statement


def test_signed_by_only_one_party(busy_world: World) -> None:
    index, data = last_handover(busy_world)
    entry = decode_entry(data)
    one = data.replace(b',"to":"' + b64(entry.signatures["to"]).encode() + b'"', b"")
    append_refused(busy_world, one, "signatures.to: missing")
    fresh = decode_entry(next_handover(busy_world, data, "fresh-1"))
    both_from = encode_entry(fresh.statement, {"from": fresh.signatures["from"], "to": fresh.signatures["from"]})
    append_refused(busy_world, both_from, "signatures.to: does not verify")
    with busy_world.engine.begin() as conn:  # the same statement with both signatures is admissible
        repo.append_entry(conn, busy_world.ledger.origin, fresh.data)
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    entries[index] = one
    reseal(busy_world, directory, entries)
    fails_at(directory, keys, index, "signatures.to: missing")


def test_never_registered_key(busy_world: World) -> None:
    index, data = last_handover(busy_world)
    stranger = Ed25519PrivateKey.generate()
    busy_world.ledger.keyring.keys[custodian_key_name(key_id(public_bytes(stranger)))] = stranger.private_bytes_raw()
    statement = decode_entry(data).statement
    assert isinstance(statement, HandoverStatement)
    forged_party = Party("cecot", key_id(public_bytes(stranger)))
    forged = resign_handover(busy_world, data, receiver=forged_party, event_id="new-1")
    append_refused(busy_world, forged, "never registered")
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    entries[index] = resign_handover(busy_world, entries[index], receiver=forged_party)
    reseal(busy_world, directory, entries)
    fails_at(directory, keys, index, "never registered")


def test_revoked_and_rotated_keys(busy_world: World) -> None:
    after_every_handover = T0 + timedelta(hours=2)  # so that only the log-order rule is at stake here
    with busy_world.engine.begin() as conn:
        view = repo.DatabaseView(conn, busy_world.ledger.origin)
        old_key = view.active_key("cecot")
        assert old_key is not None
        revoke_custodian_key(
            conn, busy_world.ledger, key=old_key, reason="laptop stolen", revoked_at=after_every_handover,
            recorded_at=after_every_handover,
        )  # fmt: skip
    with pytest.raises(Refusal, match="no active key"):
        busy_world.handover("A-100", "cecot", "ice-air", 60)
    _index, data = last_handover(busy_world)
    late = resign_handover(busy_world, data, event_id="late-1", place="after revocation")
    append_refused(busy_world, late, "was revoked earlier in the log")
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    # The operator slips a handover signed with the revoked key in after the revocation.
    statement = decode_entry(data).statement
    assert isinstance(statement, HandoverStatement)
    after = resign_handover(
        busy_world, data, event_id="late-2", previous=None, person="cd" * 32,
        sender=Party("ice-air", statement.sender.key_id),
    )  # fmt: skip
    reseal(busy_world, directory, [*entries, after])
    fails_at(directory, keys, len(entries), "was revoked earlier in the log")


def test_small_order_key_registration(busy_world: World) -> None:
    """A key statement registering a small-order key, otherwise flawless (its key id is the key's, the
    organisation's root key signs it), is refused at append and by the verifier for the key's order
    alone: the same statement with a strong key is accepted by both."""

    def registering(public_key: bytes) -> bytes:
        statement = KeyStatement(
            busy_world.ledger.origin, "weak-1", T0, "us-dhs", "weakling", "add", key_id(public_key),
            public_key=public_key,
        )  # fmt: skip
        return sign(busy_world, statement, {"root": org_key_name("us-dhs")})

    weak, strong = registering(SMALL_ORDER_KEY), registering(public_bytes(Ed25519PrivateKey.generate()))
    append_refused(busy_world, weak, "small-order Ed25519 public key")
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    reseal(busy_world, directory, [*entries, weak])
    fails_at(directory, keys, len(entries), "small-order Ed25519 public key")
    reseal(busy_world, directory, [*entries, strong])
    verify(directory, keys)  # the control: nothing else is wrong with the statement
    with busy_world.engine.begin() as conn:
        repo.append_entry(conn, busy_world.ledger.origin, strong)


def test_duplicate_key_json(busy_world: World) -> None:
    index, data = last_handover(busy_world)
    duplicated = data.replace(b'"place":', b'"place":"X","place":', 1)
    append_refused(busy_world, duplicated, "duplicate key")
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    entries[index] = duplicated
    reseal(busy_world, directory, entries)
    fails_at(directory, keys, index, "duplicate key")


def test_custody_break(busy_world: World) -> None:
    with pytest.raises(Refusal, match="custody break"):
        busy_world.handover("A-100", "ice-houston", "ice-air", 60)  # ice-houston no longer holds A-100
    index, data = last_handover(busy_world)
    statement = decode_entry(data).statement
    assert isinstance(statement, HandoverStatement)
    directory, keys = export(busy_world)
    entries = read_entries(directory)
    with busy_world.engine.connect() as conn:
        houston = repo.DatabaseView(conn, busy_world.ledger.origin).active_key("ice-houston")
    assert houston is not None
    entries[index] = resign_handover(busy_world, data, sender=Party("ice-houston", houston))
    reseal(busy_world, directory, entries)
    fails_at(directory, keys, index, "custody break")


def test_untrusted_root_key(busy_world: World) -> None:
    directory, keys = export(busy_world)
    impostor = TrustedKeys(
        keys.ledger, keys.log_key, keys.witnesses,
        {**keys.organisations, "us-dhs": replace(keys.organisations["us-dhs"],
                                                 root_key=public_bytes(Ed25519PrivateKey.generate()))},
    )  # fmt: skip
    fails_at(directory, impostor, 0, "not the trusted root key")


def test_checkpoint_signed_by_another_key(busy_world: World) -> None:
    directory, keys = export(busy_world)
    text = (directory / "checkpoint").read_text()
    body, _, _sig = text.partition("\n\n")
    forged = Ed25519PrivateKey.generate().sign((body + "\n").encode())
    fake = body + "\n\n\u2014 " + busy_world.ledger.origin + " " + base64.b64encode(bytes(4) + forged).decode() + "\n"
    (directory / "checkpoint").write_text(fake)
    with pytest.raises(VerificationFailed, match="no valid signature by the log key"):
        verify(directory, keys)

"""Canonical JSON, weak Ed25519 keys, entries and checkpoints: what each refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from accord.ledger.canonical import FormatError, canonical, canonical_known_shape, parse_canonical
from accord.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    VerifierKey,
    cosign,
    open_checkpoint,
    parse_note,
    sign_checkpoint,
)
from accord.ledger.keys import WeakKeyError, b64, check_public_key, key_id, public_bytes, verify_signature
from accord.ledger.statements import (
    HandoverStatement,
    KeyStatement,
    Party,
    decode_entry,
    encode_entry,
    signing_message,
    statement_bytes,
)

# The eight points of small order (canonical encodings) and non-canonical spellings of small-order points.
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
]
NON_CANONICAL = [
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p + 1
    "0100000000000000000000000000000000000000000000000000000000000080",  # x = 0 with the sign bit set
]


@pytest.mark.parametrize("text", ['{"a":1,"a":2}', '{"a":1.5}', '{"a":1e3}', '{"a":NaN}', '{"a":9007199254740993}'])
def test_ambiguous_json_is_refused(text: str) -> None:
    with pytest.raises(FormatError):
        parse_canonical(text.encode())


@pytest.mark.parametrize("data", [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":"\\u0041"}', b"\xff", b'{"a":"\\ud800"}'])
def test_non_canonical_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(FormatError):
        parse_canonical(data)


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=5), st.integers(-(2**53) + 1, 2**53 - 1))))
def test_canonical_round_trip(value: dict[str, object]) -> None:
    assert parse_canonical(canonical(value)) == value


# What entries are made of once their schema is checked: any text (control characters, non-ASCII, astral
# planes) but no lone surrogates, null, booleans, safe integers, and objects with ASCII keys.
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
_KNOWN_SHAPE = st.recursive(
    st.one_of(_TEXT, st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(st.characters(max_codepoint=127), max_size=6), inner)
    ),
    max_leaves=12,
)


@given(_KNOWN_SHAPE)
def test_the_fast_encoder_writes_rfc8785_for_entry_shaped_values(value: object) -> None:
    assert canonical_known_shape(value) == canonical(value)


def test_the_fast_encoder_refuses_lone_surrogates() -> None:
    with pytest.raises(FormatError):
        canonical_known_shape({"place": "\ud800"})


@pytest.mark.parametrize("hex_key", SMALL_ORDER + NON_CANONICAL)
def test_weak_keys_are_refused(hex_key: str) -> None:
    with pytest.raises(WeakKeyError):
        check_public_key(bytes.fromhex(hex_key))


def test_small_order_forgery_never_verifies() -> None:
    """Under a small-order key A, (R = A's small point, S = 0) satisfies the cofactored equation for any
    message; whatever the binding does, verify_signature refuses the key first."""
    for hex_key in SMALL_ORDER:
        key = bytes.fromhex(hex_key)
        assert not verify_signature(key, b"any message", key + bytes(32))


def test_good_keys_pass_and_sign() -> None:
    private = Ed25519PrivateKey.generate()
    public = public_bytes(private)
    check_public_key(public)
    assert verify_signature(public, b"m", private.sign(b"m"))
    assert not verify_signature(public, b"n", private.sign(b"m"))
    assert len(key_id(public)) == 16


def _handover() -> tuple[HandoverStatement, Ed25519PrivateKey, Ed25519PrivateKey]:
    a, b = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    t = datetime(2025, 3, 15, 12, tzinfo=UTC)
    statement = HandoverStatement(
        "l", "e1", t, "ab" * 32, None, Party("x", key_id(public_bytes(a))), Party("y", key_id(public_bytes(b))),
        "KIAH", t, "d1",
    )  # fmt: skip
    return statement, a, b


def test_entry_round_trip_and_both_signatures_required() -> None:
    statement, a, b = _handover()
    message = signing_message("handover", statement_bytes(statement))
    data = encode_entry(statement, {"from": a.sign(message), "to": b.sign(message)})
    entry = decode_entry(data)
    assert entry.statement == statement and entry.message() == message
    only_one = data.replace(b',"to":"' + b64(b.sign(message)).encode() + b'"', b"")
    with pytest.raises(FormatError, match=r"signatures.to: missing"):
        decode_entry(only_one)
    with pytest.raises(ValueError):
        encode_entry(statement, {"from": a.sign(message)})


def test_entry_forms_are_strict() -> None:
    statement, a, b = _handover()
    message = signing_message("handover", statement_bytes(statement))
    data = encode_entry(statement, {"from": a.sign(message), "to": b.sign(message)})
    duplicated = data.replace(b'"place":"KIAH"', b'"place":"KIAH","place":"KIAH"')
    signature = b64(a.sign(message)).encode()
    spellings = (
        duplicated,
        data.replace(b'"kind":', b'"kind" :'),
        data.replace(b'"KIAH"', b'"K\\u0049AH"'),
        data.replace(b'"kind":"handover"', b'"kind":"hand\\u006fver"'),  # escapes in the composed parts too
        data.replace(b'{"from":', b'{"\\u0066rom":'),
        data.replace(signature, b"\\u%04x" % signature[0] + signature[1:]),
        data.replace(b'"statement":{', b'"statement": {'),
    )
    for bad in spellings:
        with pytest.raises(FormatError):
            decode_entry(bad)
    with pytest.raises(FormatError, match="occurred_at"):
        decode_entry(
            data.replace(b'"occurred_at":"2025-03-15T12:00:00Z"', b'"occurred_at":"2025-03-15T12:00:00+00:00"')
        )


def test_key_statement_binds_key_id_to_key() -> None:
    public = public_bytes(Ed25519PrivateKey.generate())
    t = datetime(2025, 1, 1, tzinfo=UTC)
    obj = KeyStatement("l", "e", t, "o", "c", "add", "00" * 8, public_key=public).to_json()
    with pytest.raises(FormatError, match="key_id"):
        KeyStatement.from_json(obj)
    obj["public_key"] = b64(bytes.fromhex(SMALL_ORDER[4]))
    with pytest.raises(FormatError, match="small-order"):
        KeyStatement.from_json(obj)


def test_checkpoint_signed_cosigned_and_tamper_evident() -> None:
    log, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    log_key = VerifierKey("accord.test/log", public_bytes(log))
    witness_key = VerifierKey("auditor", public_bytes(witness), 0x04)
    note = sign_checkpoint(Checkpoint("accord.test/log", 7, bytes(32)), log_key.name, log)
    note = cosign(note, "auditor", witness, 1_700_000_000)
    text = note.text()
    assert text.startswith(
        "accord.test/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 accord.test/log "
    )
    opened = open_checkpoint(text, log_key, [witness_key])
    assert opened.checkpoint.size == 7 and opened.witnesses == ("auditor",)
    assert VerifierKey.parse(witness_key.text()) == witness_key
    assert parse_note(text) == note
    with pytest.raises(CheckpointError):
        open_checkpoint(text.replace("\n7\n", "\n8\n"), log_key)
    other = VerifierKey("accord.test/log", public_bytes(Ed25519PrivateKey.generate()))
    with pytest.raises(CheckpointError):
        open_checkpoint(text, other)
    assert isinstance(Ed25519PublicKey.from_public_bytes(log_key.public_key), Ed25519PublicKey)

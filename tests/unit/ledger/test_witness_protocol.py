"""The add-checkpoint body: what is accepted is exactly what `format_add_checkpoint` writes, and every
malformed body is a MalformedRequest naming the line, never another exception (a 500)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.ledger.keys import b64
from accord.ledger.merkle import EMPTY_ROOT
from accord.ledger.witness_protocol import (
    MAX_TREE_SIZE,
    MalformedRequest,
    format_add_checkpoint,
    format_size,
    parse_add_checkpoint,
    parse_size,
)
from tests.witnesses import MemoryLog

LOG = MemoryLog("accord.test/custody").grown(20)
NOTE = LOG.checkpoint(20)


def test_a_well_formed_body_round_trips() -> None:
    proof = LOG.proof(13, 20)
    request = parse_add_checkpoint(format_add_checkpoint(13, proof, NOTE))
    assert (request.old_size, request.proof, request.note_text) == (13, tuple(proof), NOTE)
    assert (request.checkpoint.origin, request.checkpoint.size) == ("accord.test/custody", 20)
    assert parse_add_checkpoint(f"old 0\n\n{NOTE}".encode()).proof == ()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "body: no empty line"),
        (b"old 0", "body: no empty line"),
        (b"old 0\n" + NOTE.encode(), "line 2: proof hash"),  # no empty line: the note's origin is read as a hash
        (b"\n\n" + NOTE.encode(), "line 1: '' is not `old <size>`"),
        (b"old 012\n\n" + NOTE.encode(), "line 1: 'old 012'"),
        (b"old +1\n\n" + NOTE.encode(), "line 1"),
        (b"old 1 \n\n" + NOTE.encode(), "line 1"),
        (b"Old 1\n\n" + NOTE.encode(), "line 1"),
        (b"old 1\r\n\r\n" + NOTE.encode(), "line 1"),
        (f"old {MAX_TREE_SIZE + 1}\n\n".encode() + NOTE.encode(), "line 1"),
        (b"old 1\n" + b64(EMPTY_ROOT).encode() + b" \n\n" + NOTE.encode(), "line 2: proof hash is not standard base64"),
        (b"old 1\n" + b64(EMPTY_ROOT)[:-1].encode() + b"\n\n" + NOTE.encode(), "line 2"),
        (b"old 1\nAAAA\n\n" + NOTE.encode(), "line 2: a proof hash is 32 bytes, not 3"),
        (b"old 1\n" + (b64(EMPTY_ROOT) + "\n").encode() * 64 + b"\n" + NOTE.encode(), "64 hashes, at most 63"),
        (b"old 1\n\xc3\x28\n\n", "body: not UTF-8 (byte 6)"),
        (b"old 1\n\n" + NOTE.split("\n\n")[0].encode() + b"\n", "checkpoint: signed note: no signature block"),
        (b"old 1\n\n" + NOTE.rstrip("\n").encode(), "does not end with a newline"),
        (b"old 1\n\n" + NOTE.replace("\u2014", "-").encode(), "does not start with an em dash"),
        (b"old 1\n\n" + NOTE.replace("\n20\n", "\n020\n").encode(), "checkpoint: size '020'"),
        (b"old 1\n\n" + NOTE.replace("\n20\n", f"\n{2**64}\n").encode(), "checkpoint: size"),
        ("old 1\n\naccord.test/custody\n20\n\n\u2014 x AAAAAAA=\n".encode(), "checkpoint: "),
    ],
)
def test_every_malformed_body_is_named(body: bytes, says: str) -> None:
    with pytest.raises(MalformedRequest) as caught:
        parse_add_checkpoint(body)
    assert says in str(caught.value)


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_else(body: bytes) -> None:
    with contextlib.suppress(MalformedRequest):
        parse_add_checkpoint(body)


@given(st.integers(0, len(format_add_checkpoint(13, LOG.proof(13, 20), NOTE)) - 1), st.integers(1, 255))
def test_a_changed_byte_parses_or_is_refused(position: int, delta: int) -> None:
    body = bytearray(format_add_checkpoint(13, LOG.proof(13, 20), NOTE))
    body[position] = (body[position] + delta) % 256
    try:
        request = parse_add_checkpoint(bytes(body))
    except MalformedRequest:
        return
    assert format_add_checkpoint(request.old_size, request.proof, request.note_text) == bytes(body)


def test_the_size_body() -> None:
    assert parse_size(format_size(12)) == 12
    for bad in (b"12", b"012\n", b"-1\n", b"\n", b"1 2\n", b"\xff\n"):
        with pytest.raises(ValueError, match="is not a size"):
            parse_size(bad)

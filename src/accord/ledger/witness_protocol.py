"""The wire format of the C2SP tlog-witness protocol (c2sp.org/tlog-witness), shared by the witness server
(`accord.witness`) and the log operator's client (`accord.ledger.witnessing`), and `http_post`, the
client's one HTTP exchange.

`POST <witness URL>/add-checkpoint` carries, each line ending in a newline: `old <size>` (the size of the
last checkpoint the witness cosigned for the origin, as the log believes it), up to 63 base64 hashes of
an RFC 6962 consistency proof from that size to the new one, an empty line, and the log's signed
checkpoint. The witness answers 200 with its cosignature line(s), or a status that says why not; a 409
whose Content-Type is `text/x.tlog.size` carries the size the witness really holds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from accord.ledger.checkpoint import Checkpoint, CheckpointError, SignedNote, parse_checkpoint, parse_note
from accord.ledger.keys import b64, unb64
from accord.ledger.merkle import HASH_SIZE

ADD_CHECKPOINT_PATH = "/add-checkpoint"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_HASHES = 63
# Tree sizes are kept in SQLite and PostgreSQL 64-bit signed integers; no real log comes near this.
MAX_TREE_SIZE = 2**63 - 1
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]{0,18})")
_SIZE_BODY = re.compile(r"(0|[1-9][0-9]{0,18})\n")
TIMEOUT_SECONDS = 10.0
MAX_REPLY = 64 * 1024


class WitnessUnreachable(Exception):
    """No answer from a witness (refused connection, timeout, broken or oversized answer)."""


class MalformedRequest(ValueError):
    """An add-checkpoint body that does not follow the format (answered 400)."""


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request. `note_text` is the checkpoint exactly as received."""

    old_size: int
    proof: tuple[bytes, ...]
    note: SignedNote
    checkpoint: Checkpoint
    note_text: str


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note_text: str) -> bytes:
    lines = [f"old {old_size}\n", *(b64(h) + "\n" for h in proof), "\n"]
    return ("".join(lines) + note_text).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """The request, or MalformedRequest naming the line and what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequest(f"body: not UTF-8 (byte {exc.start})") from None
    head, separator, note_text = text.partition("\n\n")
    if not separator:
        raise MalformedRequest("body: no empty line between the old size and proof lines and the checkpoint")
    first, *proof_lines = head.split("\n")
    old = _OLD_LINE.fullmatch(first)
    if old is None or int(old.group(1)) > MAX_TREE_SIZE:
        raise MalformedRequest(f"line 1: {first[:40]!r} is not `old <size>` (a decimal without leading zeroes)")
    if len(proof_lines) > MAX_PROOF_HASHES:
        raise MalformedRequest(f"proof: {len(proof_lines)} hashes, at most {MAX_PROOF_HASHES} are allowed")
    proof = tuple(_proof_hash(line, number) for number, line in enumerate(proof_lines, start=2))
    try:
        note = parse_note(note_text)
        checkpoint = parse_checkpoint(note.body)
    except CheckpointError as exc:
        raise MalformedRequest(f"checkpoint: {exc}") from None
    if checkpoint.size > MAX_TREE_SIZE:
        raise MalformedRequest(f"checkpoint: size {checkpoint.size} is beyond {MAX_TREE_SIZE}")
    return AddCheckpoint(int(old.group(1)), proof, note, checkpoint, note_text)


def _proof_hash(line: str, number: int) -> bytes:
    try:
        value = unb64(line, "proof hash")
    except ValueError as exc:
        raise MalformedRequest(f"line {number}: {exc}") from None
    if len(value) != HASH_SIZE:
        raise MalformedRequest(f"line {number}: a proof hash is {HASH_SIZE} bytes, not {len(value)}")
    return value


def format_size(size: int) -> bytes:
    """The body of a 409 answer to a stale old size: the size the witness holds."""
    return f"{size}\n".encode("ascii")


def parse_size(body: bytes) -> int:
    match = _SIZE_BODY.fullmatch(body.decode("ascii", "replace"))
    if match is None:
        raise ValueError(f"{SIZE_CONTENT_TYPE} body {body[:40]!r} is not a size and a newline")
    return int(match.group(1))


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def http_post(url: str, body: bytes) -> Reply:
    """POST `body` to `url` (http or https) and read a bounded answer."""
    parts = urlsplit(url)
    connection_type = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_type(parts.hostname or "", parts.port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("POST", parts.path or "/", body, {"Content-Type": "text/plain; charset=utf-8"})
        response = connection.getresponse()
        data = response.read(MAX_REPLY + 1)
    except (OSError, HTTPException) as exc:
        raise WitnessUnreachable(f"cannot reach {url}: {exc}") from None
    finally:
        connection.close()
    if len(data) > MAX_REPLY:
        raise WitnessUnreachable(f"{url} answered with more than {MAX_REPLY} bytes")
    return Reply(response.status, response.getheader("Content-Type", ""), data)

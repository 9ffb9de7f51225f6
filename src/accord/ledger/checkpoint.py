"""Signed tree heads in the C2SP formats: signed-note (c2sp.org/signed-note), checkpoint
(c2sp.org/tlog-checkpoint) and witness co-signatures (c2sp.org/tlog-cosignature, cosignature/v1).

A checkpoint body is three lines: origin, tree size, base64 root hash. The log signs it with an Ed25519
note key; witnesses (the other party, an auditor) add cosignature/v1 lines that bind the same body and
the time they saw it. A verifier only ever takes the size and root together, from one body whose log
signature it has checked."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger.keys import b64, public_bytes, unb64, verify_signature
from accord.ledger.merkle import HASH_SIZE

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
_KINDS = {ED25519: "an Ed25519 note", COSIGNATURE_V1: "a witness's cosignature/v1"}
_DASH = "\u2014 "
KEY_NAME = re.compile(r"[^\s+]+")  # a note key or signer name: no spaces, no "+"
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(ValueError):
    """A note or checkpoint that is malformed or whose required signature does not verify."""


@dataclass(frozen=True)
class VerifierKey:
    """A note verifier key: name, signature type and Ed25519 public key (`name+hash+base64` text)."""

    name: str
    public_key: bytes
    algorithm: int = ED25519

    @property
    def key_hash(self) -> bytes:
        material = self.name.encode() + b"\n" + bytes([self.algorithm]) + self.public_key
        return hashlib.sha256(material).digest()[:4]

    def text(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}+{b64(bytes([self.algorithm]) + self.public_key)}"

    @classmethod
    def parse(cls, text: str, algorithm: int | None = None) -> VerifierKey:
        """A key from its text; of the given signature type, when one is given."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not KEY_NAME.fullmatch(parts[0]):
            raise CheckpointError(f"verifier key {text!r}: expected name+hash+key")
        try:
            raw = unb64(parts[2], "verifier key")
        except ValueError as exc:
            raise CheckpointError(f"verifier key {parts[0]}: {exc}") from exc
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise CheckpointError(f"verifier key {parts[0]}: not an Ed25519 or cosignature/v1 key")
        key = cls(parts[0], raw[1:], raw[0])
        if key.key_hash.hex() != parts[1]:
            raise CheckpointError(f"verifier key {parts[0]}: key hash does not match the key")
        if algorithm is not None and key.algorithm != algorithm:
            needed, given = _KINDS[algorithm], _KINDS[key.algorithm]
            raise CheckpointError(f"verifier key {key.name}: {needed} key is needed, not {given} key")
        return key


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_hash: bytes
    payload: bytes  # what follows the key hash: the signature, preceded by a timestamp for cosignatures

    def line(self) -> str:
        return f"{_DASH}{self.name} {b64(self.key_hash + self.payload)}\n"


@dataclass(frozen=True)
class SignedNote:
    body: str
    signatures: tuple[NoteSignature, ...]

    def text(self) -> str:
        return self.body + "\n" + "".join(s.line() for s in self.signatures)

    def with_signature(self, signature: NoteSignature) -> SignedNote:
        return SignedNote(self.body, (*self.signatures, signature))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64(self.root)}\n"


@dataclass(frozen=True)
class VerifiedCheckpoint:
    checkpoint: Checkpoint
    note: SignedNote
    witnesses: tuple[str, ...]  # the names of the known witnesses whose co-signature verified


def parse_note(text: str) -> SignedNote:
    body, separator, block = text.partition("\n\n")
    if not separator:
        raise CheckpointError("signed note: no signature block after a blank line")
    return SignedNote(body + "\n", parse_signature_lines(block))


def parse_signature_lines(block: str) -> tuple[NoteSignature, ...]:
    """One or more `— name base64(key hash || payload)` lines, each ending in a newline: a note's
    signature block, or a witness's answer to add-checkpoint."""
    if not block.endswith("\n"):
        raise CheckpointError("signed note: the signature block does not end with a newline")
    signatures = []
    for number, line in enumerate(block[:-1].split("\n"), start=1):
        if not line.startswith(_DASH):
            raise CheckpointError(f"signed note: signature line {number} does not start with an em dash")
        name, _, encoded = line[len(_DASH) :].partition(" ")
        try:
            raw = unb64(encoded, "signature")
        except ValueError as exc:
            raise CheckpointError(f"signed note: signature line {number}: {exc}") from exc
        if not KEY_NAME.fullmatch(name) or len(raw) < 5:
            raise CheckpointError(f"signed note: signature line {number} is malformed")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return tuple(signatures)


def parse_checkpoint(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0]:
        raise CheckpointError("checkpoint: expected origin, size and root lines")
    if not _SIZE.fullmatch(lines[1]):
        raise CheckpointError(f"checkpoint: size {lines[1]!r} is not a decimal number")
    try:
        root = unb64(lines[2], "root")
    except ValueError as exc:
        raise CheckpointError(f"checkpoint: {exc}") from exc
    if len(root) != HASH_SIZE or b64(root) != lines[2]:
        raise CheckpointError("checkpoint: root is not a base64 SHA-256 hash")
    return Checkpoint(lines[0], int(lines[1]), root)


def sign_checkpoint(checkpoint: Checkpoint, name: str, private: Ed25519PrivateKey) -> SignedNote:
    body = checkpoint.body()
    key = VerifierKey(name, public_bytes(private))
    return SignedNote(body, (NoteSignature(name, key.key_hash, private.sign(body.encode())),))


def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(note: SignedNote, name: str, private: Ed25519PrivateKey, timestamp: int) -> SignedNote:
    """Add a witness's cosignature/v1 line (`timestamp` in seconds since the epoch)."""
    key = VerifierKey(name, public_bytes(private), COSIGNATURE_V1)
    signature = private.sign(_cosigned_message(note.body, timestamp))
    return note.with_signature(NoteSignature(name, key.key_hash, timestamp.to_bytes(8, "big") + signature))


def _verifies(note: SignedNote, signature: NoteSignature, key: VerifierKey) -> bool:
    if signature.name != key.name or signature.key_hash != key.key_hash:
        return False
    if key.algorithm == COSIGNATURE_V1:
        if len(signature.payload) != 72:
            return False
        timestamp = int.from_bytes(signature.payload[:8], "big")
        return verify_signature(key.public_key, _cosigned_message(note.body, timestamp), signature.payload[8:])
    return verify_signature(key.public_key, note.body.encode(), signature.payload)


def signed_by(note: SignedNote, key: VerifierKey) -> bool:
    """Whether one of the note's signature lines is a valid signature (or cosignature) by `key`."""
    return any(_verifies(note, s, key) for s in note.signatures)


def open_checkpoint(text: str, log_key: VerifierKey, witnesses: Sequence[VerifierKey] = ()) -> VerifiedCheckpoint:
    """Parse a signed checkpoint and require the log's signature; unknown signers are ignored, as the
    signed-note format prescribes, and known witnesses are reported when their co-signature verifies."""
    note = parse_note(text)
    if not signed_by(note, log_key):
        raise CheckpointError(f"checkpoint: no valid signature by the log key {log_key.name}")
    checkpoint = parse_checkpoint(note.body)
    if checkpoint.origin != log_key.name:
        raise CheckpointError(f"checkpoint: origin {checkpoint.origin!r} is not the log {log_key.name!r}")
    seen = tuple(w.name for w in witnesses if signed_by(note, w))
    return VerifiedCheckpoint(checkpoint, note, seen)

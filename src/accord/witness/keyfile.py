"""The witness's private key file: one line `PRIVATE+KEY+<name>+<key hash>+<base64(0x04 || seed)>`, the
signer-key spelling of Go's golang.org/x/mod/sumdb/note with the cosignature/v1 algorithm byte.

The file is created with O_EXCL and mode 0600, so that no existing key is ever overwritten, and a file
that others may read is refused on loading: a witness key that leaked lets anyone cosign for it."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger.checkpoint import COSIGNATURE_V1, KEY_NAME, VerifierKey
from accord.ledger.keys import b64, public_bytes, unb64

_PREFIX = "PRIVATE+KEY+"


class KeyFileError(ValueError):
    """A key file that cannot be created or read, or that is not a witness key."""


@dataclass(frozen=True)
class WitnessKey:
    name: str
    private: Ed25519PrivateKey

    @property
    def verifier(self) -> VerifierKey:
        """The public half that log operators and verifiers register (a cosignature/v1 verifier key)."""
        return VerifierKey(self.name, public_bytes(self.private), COSIGNATURE_V1)

    def text(self) -> str:
        seed = self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return f"{_PREFIX}{self.name}+{self.verifier.key_hash.hex()}+{b64(bytes([COSIGNATURE_V1]) + seed)}\n"


def create_key_file(path: Path, name: str) -> WitnessKey:
    """A new witness key named `name`, written to `path`, which must not exist yet."""
    if not KEY_NAME.fullmatch(name):
        raise KeyFileError(f"--name {name!r}: a witness name has no spaces and no '+'")
    key = WitnessKey(name, Ed25519PrivateKey.generate())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path}: already exists; a witness key is never overwritten") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.text())
    return key


def load_key_file(path: Path) -> WitnessKey:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path}: readable by others (mode {stat.S_IMODE(mode):o}); make it 0600")
    parts = text.removeprefix(_PREFIX).split("+", 2)  # base64 may hold "+", a name and a hash never do
    if not text.startswith(_PREFIX) or len(parts) != 3 or not KEY_NAME.fullmatch(parts[0]):
        raise KeyFileError(f"{path}: not a witness key (expected PRIVATE+KEY+name+hash+key)")
    try:
        raw = unb64(parts[2], "key")
    except ValueError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
        raise KeyFileError(f"{path}: not a cosignature/v1 Ed25519 key")
    key = WitnessKey(parts[0], Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if key.verifier.key_hash.hex() != parts[1]:
        raise KeyFileError(f"{path}: the key hash does not match the key")
    return key

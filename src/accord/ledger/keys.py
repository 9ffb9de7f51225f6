"""Ed25519 keys: the registration check against weak keys, key ids, signing and verification, and the
local keyring that holds private keys on a single-node deployment.

Why the check: RFC 8032 lets a verifier accept a signature (R = a small-order point, S = 0) for *any*
message under a small-order public key, and several common bindings do. A key whose encoding is not
canonical (y ≥ p, or x = 0 with the sign bit set) names a point that has a second spelling, so two key ids
would denote one key. Both kinds are refused wherever a public key enters the ledger."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord.files import write_file

# Edwards25519: -x² + y² = 1 + d·x²·y² over GF(p) (RFC 8032 §5.1).
_P = 2**255 - 19
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
SECRET_ENV = "ACCORD_LEDGER_SECRET"
KEYRING_ENV = "ACCORD_LEDGER_KEYRING"
DEFAULT_KEYRING = "accord-keyring.json"


class WeakKeyError(ValueError):
    """A public key that must not be trusted: wrong length, not on the curve, non-canonical, small order."""


def _decode_point(raw: bytes) -> tuple[int, int]:
    """RFC 8032 §5.1.3 decoding, refusing the non-canonical encodings that it would otherwise reduce."""
    if len(raw) != PUBLIC_KEY_SIZE:
        raise WeakKeyError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes, not {len(raw)}")
    encoded = int.from_bytes(raw, "little")
    sign, y = encoded >> 255, encoded & ((1 << 255) - 1)
    if y >= _P:
        raise WeakKeyError("non-canonical Ed25519 public key (y is not reduced modulo p)")
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * _SQRT_M1) % _P
        if (v * x * x - u) % _P != 0:
            raise WeakKeyError("Ed25519 public key is not a point on the curve")
    if x == 0 and sign:
        raise WeakKeyError("non-canonical Ed25519 public key (negative zero x)")
    if x & 1 != sign:
        x = _P - x
    return x, y


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    """Affine twisted-Edwards addition; complete for Ed25519 because d is not a square."""
    (x1, y1), (x2, y2) = a, b
    t = _D * x1 * x2 * y1 * y2 % _P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, -1, _P) % _P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, -1, _P) % _P
    return x3, y3


def check_public_key(raw: bytes) -> None:
    """Raise WeakKeyError unless `raw` is a canonical encoding of a point of large order."""
    point = _decode_point(raw)
    for _ in range(3):  # multiply by the cofactor 8
        point = _add(point, point)
    if point == (0, 1):
        raise WeakKeyError("small-order Ed25519 public key")


def key_id(public_key: bytes) -> str:
    """A custodian key's id: the first 8 bytes of SHA-256 of the raw key, in hex."""
    return hashlib.sha256(public_key).digest()[:8].hex()


def public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@lru_cache(maxsize=4096)
def _strong_key(public_key: bytes) -> Ed25519PublicKey | None:
    """The key object when the key passes check_public_key; cached because the check is pure-Python
    point arithmetic and a ledger uses few keys for many signatures."""
    try:
        check_public_key(public_key)
    except WeakKeyError:
        return None
    return Ed25519PublicKey.from_public_bytes(public_key)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid Ed25519 signature of `message`; weak keys never verify."""
    key = _strong_key(public_key)
    if key is None or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@lru_cache(maxsize=4096)
def _private_key(seed: bytes) -> Ed25519PrivateKey:
    """The key object of a seed; cached because loading one derives its public key, which costs more
    than a signature, and a node signs many handovers with few keys."""
    return Ed25519PrivateKey.from_private_bytes(seed)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    """Decode standard base64, refusing every spelling but the canonical one: unused low bits of the
    last character are ignored by decoders, so without this two texts would carry the same bytes."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"{what} is not standard base64") from exc
    if b64(raw) != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


@dataclass
class Keyring:
    """Private keys and the person-commitment secret of a single-node deployment, in one JSON file
    (mode 0600). Key names: `log`, `org:<org>`, `custodian:<key id>`. Never a witness's key: a witness
    is its own process with its own key file (`accord witness keygen`), or it would prove nothing.

    In production each party holds its own keys on its own node and sends its signature (or
    co-signature) over HTTP; nothing else in the ledger depends on where a private key lives."""

    path: Path | None = None
    keys: dict[str, bytes] = field(default_factory=dict)
    stored_secret: bytes | None = None

    @classmethod
    def load(cls, path: Path) -> Keyring:
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = {name: unb64(seed, f"keyring {path}: key {name}") for name, seed in data["keys"].items()}
        secret = unb64(data["secret"], f"keyring {path}: secret") if data.get("secret") else None
        return cls(path, keys, secret)

    @classmethod
    def from_environment(cls) -> Keyring:
        return cls.load(Path(os.environ.get(KEYRING_ENV, DEFAULT_KEYRING)))

    def save(self) -> None:
        if self.path is None:
            return
        data = {
            "secret": b64(self.stored_secret) if self.stored_secret else None,
            "keys": {name: b64(seed) for name, seed in sorted(self.keys.items())},
        }
        # A fresh temporary file of mode 0600 renamed over the keyring: a planted `keyring.json.tmp`
        # symlink is never followed, and the private keys are never readable by others, even briefly.
        write_file(self.path, json.dumps(data, indent=2), overwrite=True, mode=0o600)

    def has(self, name: str) -> bool:
        return name in self.keys

    def generate(self, name: str) -> bytes:
        """Create and keep a new key under `name`; return its public key."""
        return self.generate_named(lambda _public: name)

    def generate_named(self, name_of: Callable[[bytes], str]) -> bytes:
        """Create and keep a new key under the name its public key gives (custodian keys are named by
        their key id); return its public key."""
        private = Ed25519PrivateKey.generate()
        public = public_bytes(private)
        name = name_of(public)
        if name in self.keys:
            raise ValueError(f"the keyring already holds a key named {name}")
        self.keys[name] = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        self.save()
        return public

    def private(self, name: str) -> Ed25519PrivateKey:
        try:
            return _private_key(self.keys[name])
        except KeyError:
            raise KeyError(f"the keyring holds no key named {name}") from None

    def public(self, name: str) -> bytes:
        return public_bytes(self.private(name))

    def sign(self, name: str, message: bytes) -> bytes:
        return self.private(name).sign(message)

    def secret(self) -> bytes:
        """The person-commitment key: ACCORD_LEDGER_SECRET (base64, at least 32 bytes) when set, else
        the keyring's own, generated at first use."""
        supplied = os.environ.get(SECRET_ENV)
        if supplied:
            value = unb64(supplied.strip(), SECRET_ENV)
            if len(value) < 32:
                raise ValueError(f"{SECRET_ENV} must decode to at least 32 bytes")
            return value
        if self.stored_secret is None:
            self.stored_secret = secrets.token_bytes(32)
            self.save()
        return self.stored_secret

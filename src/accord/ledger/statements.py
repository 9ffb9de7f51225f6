"""The entries of the ledger: what each kind says, its canonical bytes, and the signatures it needs.

An entry is the RFC 8785 form of `{"kind", "signatures", "statement"}`. Every signer signs the same
bytes: a domain-separation line naming the kind (so a signature on one kind can never be replayed as
another) followed by the canonical bytes of the statement.

    org       an organisation and its root public key, self-signed by that root key
    key       a custodian key added, rotated or revoked, signed by the organisation's root key
    handover  a person passing from one custodian to another, signed by both custodians' keys"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeGuard

from accord.domain.limits import check_instant
from accord.ledger.canonical import FormatError, canonical_known_shape, parse_strict
from accord.ledger.keys import SIGNATURE_SIZE, WeakKeyError, b64, check_public_key, key_id, unb64

Kind = Literal["org", "key", "handover"]
KeyAction = Literal["add", "rotate", "revoke"]
SIGNERS: dict[str, tuple[str, ...]] = {"org": ("root",), "key": ("root",), "handover": ("from", "to")}
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_MAX_TEXT = 500


def format_instant(instant: datetime) -> str:
    """The one spelling of an instant in the ledger: UTC, `Z`, microseconds only when present."""
    if instant.tzinfo is None:
        raise ValueError("an instant needs a UTC offset")
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def signing_message(kind: str, statement_bytes: bytes) -> bytes:
    return b"accord.ledger/" + kind.encode("ascii") + b"/v1\n" + statement_bytes


# ---- field readers: each names the field it refuses ------------------------------------------------


def _fields(obj: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: must be an object")
    missing = sorted(required - obj.keys())
    extra = sorted(obj.keys() - required - optional)
    if missing:
        raise FormatError(f"{where}.{missing[0]}: missing")
    if extra:
        raise FormatError(f"{where}.{extra[0]}: unknown field")
    return obj


def _text(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj[name]
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise FormatError(f"{where}.{name}: must be a non-empty string of at most {_MAX_TEXT} characters")
    return value


def is_identifier(value: object) -> TypeGuard[str]:
    """Letters, digits and . _ : / -, starting with a letter or digit, at most 128 characters."""
    return isinstance(value, str) and _IDENTIFIER.fullmatch(value) is not None


def _identifier(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj[name]
    if not is_identifier(value):
        raise FormatError(f"{where}.{name}: must be an identifier (letters, digits, . _ : / -)")
    return value


def _instant(obj: dict[str, Any], name: str, where: str) -> datetime:
    value = obj[name]
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or format_instant(parsed) != value:
        raise FormatError(f"{where}.{name}: must be a UTC instant such as 2025-03-15T23:30:00Z")
    try:
        return check_instant(parsed)
    except ValueError as exc:
        raise FormatError(f"{where}.{name}: {exc}") from None


def _country(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj[name]
    if not isinstance(value, str) or not re.fullmatch("[A-Z]{3}", value):
        raise FormatError(f"{where}.{name}: must be an ISO 3166-1 alpha-3 code such as USA")
    return value


def _hex(obj: dict[str, Any], name: str, where: str, size: int) -> str:
    value = obj[name]
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-f]{{{2 * size}}}", value):
        raise FormatError(f"{where}.{name}: must be {size} bytes in lowercase hex")
    return value


def _public_key(obj: dict[str, Any], name: str, where: str) -> bytes:
    value = obj[name]
    try:
        raw = unb64(value, name) if isinstance(value, str) else b""
        check_public_key(raw)
    except (ValueError, WeakKeyError) as exc:
        raise FormatError(f"{where}.{name}: {exc}") from exc
    return raw


# ---- statements ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgStatement:
    """An organisation: a state's agency, so `country` (ISO 3166-1 alpha-3) says whose custody its
    custodians hold, and so whether a handover into it is a handover into foreign custody."""

    ledger: str
    event_id: str
    recorded_at: datetime
    org: str
    name: str
    country: str
    root_key: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "ledger": self.ledger,
            "event_id": self.event_id,
            "recorded_at": format_instant(self.recorded_at),
            "org": self.org,
            "name": self.name,
            "country": self.country,
            "root_key": b64(self.root_key),
        }

    @classmethod
    def from_json(cls, obj: Any) -> OrgStatement:
        w = "statement"
        obj = _fields(obj, w, {"ledger", "event_id", "recorded_at", "org", "name", "country", "root_key"})
        return cls(
            _text(obj, "ledger", w),
            _identifier(obj, "event_id", w),
            _instant(obj, "recorded_at", w),
            _identifier(obj, "org", w),
            _text(obj, "name", w),
            _country(obj, "country", w),
            _public_key(obj, "root_key", w),
        )


@dataclass(frozen=True)
class KeyStatement:
    """`add` and `rotate` introduce `key_id` (= key_id(public_key)); `rotate` retires `replaces`;
    `revoke` ends `key_id` with a reason and the instant from which it must not be trusted."""

    ledger: str
    event_id: str
    recorded_at: datetime
    org: str
    custodian: str
    action: KeyAction
    key_id: str
    public_key: bytes | None = None
    replaces: str | None = None
    reason: str | None = None
    revoked_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "ledger": self.ledger,
            "event_id": self.event_id,
            "recorded_at": format_instant(self.recorded_at),
            "org": self.org,
            "custodian": self.custodian,
            "action": self.action,
            "key_id": self.key_id,
        }
        if self.public_key is not None:
            obj["public_key"] = b64(self.public_key)
        if self.replaces is not None:
            obj["replaces"] = self.replaces
        if self.reason is not None:
            obj["reason"] = self.reason
        if self.revoked_at is not None:
            obj["revoked_at"] = format_instant(self.revoked_at)
        return obj

    @classmethod
    def from_json(cls, obj: Any) -> KeyStatement:
        w = "statement"
        common = {"ledger", "event_id", "recorded_at", "org", "custodian", "action", "key_id"}
        action = obj.get("action") if isinstance(obj, dict) else None
        extra = {"add": {"public_key"}, "rotate": {"public_key", "replaces"}, "revoke": {"reason", "revoked_at"}}
        if action not in extra:
            raise FormatError(f"{w}.action: must be one of add, rotate, revoke")
        obj = _fields(obj, w, common | extra[action])
        statement = cls(
            _text(obj, "ledger", w),
            _identifier(obj, "event_id", w),
            _instant(obj, "recorded_at", w),
            _identifier(obj, "org", w),
            _identifier(obj, "custodian", w),
            action,
            _hex(obj, "key_id", w, 8),
            _public_key(obj, "public_key", w) if "public_key" in obj else None,
            _hex(obj, "replaces", w, 8) if "replaces" in obj else None,
            _text(obj, "reason", w) if "reason" in obj else None,
            _instant(obj, "revoked_at", w) if "revoked_at" in obj else None,
        )
        if statement.public_key is not None and key_id(statement.public_key) != statement.key_id:
            raise FormatError(f"{w}.key_id: is not the id of public_key")
        return statement


@dataclass(frozen=True)
class Party:
    custodian: str
    key_id: str


@dataclass(frozen=True)
class HandoverStatement:
    """`person` is HMAC-SHA256(deployment secret, person id); `previous` is the leaf hash of this
    person's previous handover (None for the first), which chains a person's custody."""

    ledger: str
    event_id: str
    recorded_at: datetime
    person: str
    previous: str | None
    sender: Party
    receiver: Party
    place: str
    occurred_at: datetime
    legal_basis: str

    def to_json(self) -> dict[str, Any]:
        return {
            "ledger": self.ledger,
            "event_id": self.event_id,
            "recorded_at": format_instant(self.recorded_at),
            "person": self.person,
            "previous": self.previous,
            "from": {"custodian": self.sender.custodian, "key_id": self.sender.key_id},
            "to": {"custodian": self.receiver.custodian, "key_id": self.receiver.key_id},
            "place": self.place,
            "occurred_at": format_instant(self.occurred_at),
            "legal_basis": self.legal_basis,
        }

    @classmethod
    def from_json(cls, obj: Any) -> HandoverStatement:
        w = "statement"
        names = {"ledger", "event_id", "recorded_at", "person", "previous", "from", "to", "place"}
        obj = _fields(obj, w, names | {"occurred_at", "legal_basis"})
        return cls(
            _text(obj, "ledger", w),
            _identifier(obj, "event_id", w),
            _instant(obj, "recorded_at", w),
            _hex(obj, "person", w, 32),
            None if obj["previous"] is None else _hex(obj, "previous", w, 32),
            _party(obj["from"], f"{w}.from"),
            _party(obj["to"], f"{w}.to"),
            _text(obj, "place", w),
            _instant(obj, "occurred_at", w),
            _identifier(obj, "legal_basis", w),
        )


def _party(obj: Any, where: str) -> Party:
    obj = _fields(obj, where, {"custodian", "key_id"})
    return Party(_identifier(obj, "custodian", where), _hex(obj, "key_id", where, 8))


Statement = OrgStatement | KeyStatement | HandoverStatement
_PARSERS: dict[str, Any] = {"org": OrgStatement, "key": KeyStatement, "handover": HandoverStatement}


def kind_of(statement: Statement) -> Kind:
    if isinstance(statement, OrgStatement):
        return "org"
    if isinstance(statement, KeyStatement):
        return "key"
    return "handover"


# ---- entries ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A parsed entry together with the exact bytes that were hashed into the log."""

    data: bytes
    kind: Kind
    statement: Statement
    statement_bytes: bytes
    signatures: dict[str, bytes]

    def message(self) -> bytes:
        return signing_message(self.kind, self.statement_bytes)


def statement_bytes(statement: Statement) -> bytes:
    return canonical_known_shape(statement.to_json())


def _encode(kind: str, statement_data: bytes, signatures: dict[str, str]) -> bytes:
    # RFC 8785 sorts members by key, and "kind" < "signatures" < "statement"; composing the bytes this
    # way canonicalises the statement only once, which matters when a verifier reads a million entries.
    # The kind and the roles are fixed ASCII names and the signatures canonical base64, none of which
    # JSON escapes, so they are written as they are.
    members = ",".join(f'"{role}":"{signatures[role]}"' for role in sorted(signatures))
    return f'{{"kind":"{kind}","signatures":{{{members}}},"statement":'.encode("ascii") + statement_data + b"}"


def encode_entry(statement: Statement, signatures: dict[str, bytes]) -> bytes:
    kind = kind_of(statement)
    if sorted(signatures) != sorted(SIGNERS[kind]):
        raise ValueError(f"a {kind} entry is signed by {', '.join(SIGNERS[kind])}")
    return _encode(kind, statement_bytes(statement), {role: b64(sig) for role, sig in signatures.items()})


def decode_entry(data: bytes) -> Entry:
    """Parse and check the form of an entry (not its signatures or its place in the log)."""
    obj = _fields(parse_strict(data), "entry", {"kind", "signatures", "statement"})
    kind = obj["kind"]
    if kind not in _PARSERS:
        raise FormatError("entry.kind: must be one of org, key, handover")
    statement = _PARSERS[kind].from_json(obj["statement"])
    signatures_obj = _fields(obj["signatures"], "entry.signatures", set(SIGNERS[kind]))
    signatures: dict[str, bytes] = {}
    for role, text in signatures_obj.items():
        try:
            raw = unb64(text, f"entry.signatures.{role}") if isinstance(text, str) else b""
        except ValueError as exc:
            raise FormatError(str(exc)) from exc
        if len(raw) != SIGNATURE_SIZE:
            raise FormatError(f"entry.signatures.{role}: must be a {SIGNATURE_SIZE}-byte signature")
        signatures[role] = raw
    # The checks above leave only strings, null and objects with ASCII keys, so the cheap encoder is exact
    # here and one comparison of whole bytes proves `data` canonical.
    signed = canonical_known_shape(obj["statement"])
    if _encode(kind, signed, signatures_obj) != data:
        raise FormatError("entry: not in RFC 8785 canonical form")
    return Entry(data, kind, statement, signed, signatures)

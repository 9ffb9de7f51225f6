"""What makes an entry admissible at a given position of the log, decided in one place for both the
appender (against the database) and the offline verifier (against state rebuilt from the entries).

The rules only read state through `LedgerView` and describe their consequences as `Effects`, so the two
callers cannot drift apart. Signature checks are returned rather than performed, so the verifier can run
them in parallel while the appender runs them inline."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from accord.domain.errors import Refused
from accord.ledger.keys import verify_signature
from accord.ledger.statements import Entry, HandoverStatement, KeyStatement, OrgStatement, Party


class Refusal(Refused, ValueError):
    """An entry that must not be (or should not have been) appended at this position."""


class DuplicateEvent(Refusal):
    """The event id is already in the log: a replay. `index` is the entry that first used it."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    org: str
    custodian: str
    public_key: bytes
    added_index: int
    ended: str | None = None  # "rotated" or "revoked" once the log has ended it


@dataclass(frozen=True)
class Link:
    """A person's latest handover: where it is, its leaf hash, who received them and when."""

    index: int
    leaf_hash: bytes
    custodian: str
    occurred_at: datetime


@dataclass(frozen=True)
class SignatureCheck:
    role: str
    public_key: bytes


@dataclass(frozen=True)
class Effects:
    org: tuple[str, bytes] | None = None
    new_key: KeyRecord | None = None
    ended_key: tuple[str, str] | None = None  # (key id, "rotated" | "revoked")
    revoked_from: datetime | None = None  # a revocation's revoked_at (see `KeyUse`)
    link: tuple[str, Link] | None = None  # (person commitment, link)
    signatures: list[SignatureCheck] = field(default_factory=list)


class LedgerView(Protocol):
    """The state of the log just before the entry being checked."""

    def event_index(self, event_id: str) -> int | None: ...
    def org_root(self, org: str) -> bytes | None: ...
    def key(self, key_id: str) -> KeyRecord | None: ...
    def active_key(self, custodian: str) -> str | None: ...
    def custodian_org(self, custodian: str) -> str | None: ...
    def last_handover(self, person: str) -> Link | None: ...


def check_entry(
    entry: Entry,
    index: int,
    leaf: bytes,
    ledger: str,
    view: LedgerView,
    trusted_roots: Mapping[str, bytes] | None = None,
) -> Effects:
    """Raise Refusal unless `entry` may stand at `index`; return what it changes and the signatures
    that must verify over `entry.message()`."""
    statement = entry.statement
    if statement.ledger != ledger:
        raise Refusal(f"statement.ledger: {statement.ledger!r} is not this ledger {ledger!r} (cross-log replay)")
    first = view.event_index(statement.event_id)
    if first is not None:
        raise DuplicateEvent(f"statement.event_id: {statement.event_id!r} was already used by entry {first}", first)
    if isinstance(statement, OrgStatement):
        return _check_org(statement, view, trusted_roots)
    if isinstance(statement, KeyStatement):
        return _check_key(statement, index, view)
    return _check_handover(statement, index, leaf, view)


def _check_org(statement: OrgStatement, view: LedgerView, trusted: Mapping[str, bytes] | None) -> Effects:
    if view.org_root(statement.org) is not None:
        raise Refusal(f"statement.org: organisation {statement.org!r} is already registered")
    if trusted is not None and trusted.get(statement.org) != statement.root_key:
        raise Refusal(f"statement.root_key: not the trusted root key of organisation {statement.org!r}")
    return Effects(
        org=(statement.org, statement.root_key),
        signatures=[SignatureCheck("root", statement.root_key)],
    )


def _check_key(statement: KeyStatement, index: int, view: LedgerView) -> Effects:
    root = view.org_root(statement.org)
    if root is None:
        raise Refusal(f"statement.org: organisation {statement.org!r} is not registered")
    owner = view.custodian_org(statement.custodian)
    if owner is not None and owner != statement.org:
        raise Refusal(f"statement.custodian: {statement.custodian!r} belongs to organisation {owner!r}")
    signatures = [SignatureCheck("root", root)]
    active = view.active_key(statement.custodian)
    if statement.action == "revoke":
        record = view.key(statement.key_id)
        if record is None or record.custodian != statement.custodian:
            raise Refusal(f"statement.key_id: {statement.key_id} is not a key of {statement.custodian!r}")
        if record.ended == "revoked":
            raise Refusal(f"statement.key_id: {statement.key_id} is already revoked")
        return Effects(
            ended_key=(statement.key_id, "revoked"), revoked_from=statement.revoked_at, signatures=signatures
        )
    if view.key(statement.key_id) is not None:
        raise Refusal(f"statement.key_id: {statement.key_id} is already registered")
    assert statement.public_key is not None  # guaranteed by KeyStatement.from_json for add and rotate
    new_key = KeyRecord(statement.key_id, statement.org, statement.custodian, statement.public_key, index)
    if statement.action == "add":
        if active is not None:
            raise Refusal(f"statement.action: {statement.custodian!r} already has key {active}; rotate it")
        return Effects(new_key=new_key, signatures=signatures)
    if active is None or active != statement.replaces:
        raise Refusal(f"statement.replaces: {statement.replaces} is not the active key of {statement.custodian!r}")
    return Effects(new_key=new_key, ended_key=(active, "rotated"), signatures=signatures)


def _party_key(party: Party, role: str, view: LedgerView) -> KeyRecord:
    record = view.key(party.key_id)
    if record is None:
        raise Refusal(f"statement.{role}.key_id: {party.key_id} was never registered")
    if record.custodian != party.custodian:
        raise Refusal(f"statement.{role}.key_id: {party.key_id} is not a key of {party.custodian!r}")
    if record.ended is not None:
        raise Refusal(f"statement.{role}.key_id: {party.key_id} was {record.ended} earlier in the log")
    return record


def _check_handover(statement: HandoverStatement, index: int, leaf: bytes, view: LedgerView) -> Effects:
    if statement.sender.custodian == statement.receiver.custodian:
        raise Refusal("statement.to.custodian: a handover needs two different custodians")
    sender = _party_key(statement.sender, "from", view)
    receiver = _party_key(statement.receiver, "to", view)
    _check_continuity(statement, view.last_handover(statement.person))
    link = Link(index, leaf, statement.receiver.custodian, statement.occurred_at)
    return Effects(
        link=(statement.person, link),
        signatures=[
            SignatureCheck("from", sender.public_key),
            SignatureCheck("to", receiver.public_key),
        ],
    )


def _check_continuity(statement: HandoverStatement, last: Link | None) -> None:
    """The custody chain: each handover starts where the person's previous one ended."""
    if last is None:
        if statement.previous is not None:
            raise Refusal("custody break: statement.previous names a handover but the person has none")
        return
    if statement.previous != last.leaf_hash.hex():
        raise Refusal(f"custody break: statement.previous is not the person's last handover (entry {last.index})")
    if statement.sender.custodian != last.custodian:
        raise Refusal(
            f"custody break: statement.from.custodian {statement.sender.custodian!r} does not hold the person;"
            f" {last.custodian!r} does since entry {last.index}"
        )
    if statement.occurred_at < last.occurred_at:
        raise Refusal(f"statement.occurred_at: earlier than the person's previous handover (entry {last.index})")


def first_bad_signature(entry: Entry, checks: list[SignatureCheck]) -> str | None:
    """The role whose signature does not verify over the entry's signed bytes, if any."""
    message = entry.message()
    for check in checks:
        if not verify_signature(check.public_key, message, entry.signatures[check.role]):
            return check.role
    return None


@dataclass
class MemoryView:
    """Ledger state held in memory: what the offline verifier rebuilds while it reads the entries."""

    events: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, bytes] = field(default_factory=dict)
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    active: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)

    def event_index(self, event_id: str) -> int | None:
        return self.events.get(event_id)

    def org_root(self, org: str) -> bytes | None:
        return self.orgs.get(org)

    def key(self, key_id: str) -> KeyRecord | None:
        return self.keys.get(key_id)

    def active_key(self, custodian: str) -> str | None:
        return self.active.get(custodian)

    def custodian_org(self, custodian: str) -> str | None:
        return self.owners.get(custodian)

    def last_handover(self, person: str) -> Link | None:
        return self.links.get(person)

    def apply(self, event_id: str, index: int, effects: Effects) -> None:
        self.events[event_id] = index
        if effects.org is not None:
            self.orgs[effects.org[0]] = effects.org[1]
        if effects.ended_key is not None:
            key_id, how = effects.ended_key
            record = self.keys[key_id]
            self.keys[key_id] = KeyRecord(
                record.key_id, record.org, record.custodian, record.public_key, record.added_index, how
            )
            if self.active.get(record.custodian) == key_id:
                del self.active[record.custodian]
        if effects.new_key is not None:
            record = effects.new_key
            self.keys[record.key_id] = record
            self.active[record.custodian] = record.key_id
            self.owners[record.custodian] = record.org
        if effects.link is not None:
            self.links[effects.link[0]] = effects.link[1]


# ---- revocation -----------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(instant: datetime) -> int:
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class KeyUse:
    """What a revocation means (docs/ledger.md, "Revocation"): from the revocation entry on, the key
    signs nothing (log order, `_party_key`), and no handover it signed that *occurred* at or after the
    revocation's `revoked_at` is trusted, wherever it sits in the log. The second rule reaches back over
    entries already in the log, so the verifier keeps, per key, the handovers it signed whose
    `occurred_at` is later than every earlier one's: the first handover at or after any instant is then
    one binary search, in 16 bytes per kept handover."""

    def __init__(self) -> None:
        self._uses: dict[str, tuple[array[int], array[int]]] = {}

    def record(self, index: int, statement: HandoverStatement) -> None:
        micros = _micros(statement.occurred_at)
        for key_id in {statement.sender.key_id, statement.receiver.key_id}:
            times, indices = self._uses.setdefault(key_id, (array("q"), array("q")))
            if not times or micros > times[-1]:
                times.append(micros)
                indices.append(index)

    def first_since(self, key_id: str, instant: datetime) -> int | None:
        """The index of the first handover signed by `key_id` that occurred at or after `instant`."""
        times, indices = self._uses.get(key_id, (array("q"), array("q")))
        position = bisect_left(times, _micros(instant))
        return indices[position] if position < len(times) else None

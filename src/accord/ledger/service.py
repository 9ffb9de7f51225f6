"""The ledger's use cases for other areas and the CLI: set-up, organisations and custodian keys,
handovers, custody queries, checkpoints and witnesses. Each takes the caller's Connection so that an
append is atomic with the business transaction that caused it; no function here reads the clock."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Connection, insert, select

from accord.domain.limits import check_name
from accord.ledger import repository as repo
from accord.ledger.checkpoint import COSIGNATURE_V1, Checkpoint, VerifierKey, sign_checkpoint
from accord.ledger.keys import Keyring, WeakKeyError, check_public_key, key_id
from accord.ledger.merkle import consistency_ranges, inclusion_ranges, leaf_hash
from accord.ledger.rules import Refusal
from accord.ledger.statements import (
    HandoverStatement,
    KeyStatement,
    OrgStatement,
    Party,
    Statement,
    decode_entry,
    encode_entry,
    format_instant,
    is_identifier,
    kind_of,
    signing_message,
    statement_bytes,
)
from accord.store.tables_decisions import StoredDecision, stored_decisions
from accord.store.tables_ledger import ledger_witness

LOG_KEY = "log"


def org_key_name(org: str) -> str:
    return f"org:{org}"


def custodian_key_name(key: str) -> str:
    return f"custodian:{key}"


@dataclass(frozen=True)
class Ledger:
    """One log: its id (also the checkpoint origin) and the keyring that signs for this node."""

    origin: str
    keyring: Keyring

    def commitment(self, person_id: str) -> str:
        """HMAC-SHA256(deployment secret, person id): stable for a person, meaningless without the
        secret, so the log holds no names or identifiers."""
        return hmac.new(self.keyring.secret(), person_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def log_verifier_key(self) -> VerifierKey:
        return VerifierKey(self.origin, self.keyring.public(LOG_KEY))


def init_ledger(conn: Connection, keyring: Keyring, origin: str) -> Ledger:
    """Create the log key (unless the keyring has one), the commitment secret and the head row."""
    if any(c.isspace() or c == "+" for c in origin) or not origin:
        raise Refusal(f"ledger id {origin!r}: must be non-empty, without spaces or '+'")
    try:
        check_name(origin)
    except ValueError as exc:
        raise Refusal(f"ledger id: {exc}") from None
    if origin in repo.ledger_ids(conn):
        raise Refusal(f"ledger {origin!r} already exists in this database")
    public = keyring.public(LOG_KEY) if keyring.has(LOG_KEY) else keyring.generate(LOG_KEY)
    keyring.secret()
    repo.create_head(conn, origin, public)
    return Ledger(origin, keyring)


def open_ledger(conn: Connection, keyring: Keyring | None = None, origin: str | None = None) -> Ledger:
    """The ledger of this database (the only one, unless `origin` names it), with the node's keyring
    (ACCORD_LEDGER_KEYRING, default ./accord-keyring.json, when not given)."""
    ids = repo.ledger_ids(conn)
    if origin is None:
        if len(ids) != 1:
            raise repo.LedgerMissing(
                "no ledger in this database (run `accord ledger init`)" if not ids else f"several ledgers: {ids}"
            )
        origin = ids[0]
    elif origin not in ids:
        raise repo.LedgerMissing(f"no ledger {origin!r} in this database")
    return Ledger(origin, keyring or Keyring.from_environment())


def _event(event_id: str | None) -> str:
    return event_id or uuid.uuid4().hex


def _signed(ledger: Ledger, statement: Statement, signers: dict[str, str]) -> bytes:
    """The entry of `statement` signed with the named keyring keys (role -> key name)."""
    message = signing_message(kind_of(statement), statement_bytes(statement))
    try:
        signatures = {role: ledger.keyring.sign(name, message) for role, name in signers.items()}
    except KeyError as exc:
        raise Refusal(f"cannot sign: {exc.args[0]}") from exc
    return encode_entry(statement, signatures)


def _append(conn: Connection, ledger: Ledger, statement: Statement, signers: dict[str, str]) -> int:
    """Sign `statement` and append it."""
    return repo.append_entry(conn, ledger.origin, _signed(ledger, statement, signers))


def register_organisation(
    conn: Connection,
    ledger: Ledger,
    *,
    org: str,
    name: str,
    country: str,
    recorded_at: datetime,
    event_id: str | None = None,
) -> int:
    """Register an organisation of `country` (a state's agency) with a root key (created in the keyring
    unless it holds one already)."""
    key_name = org_key_name(org)
    root = ledger.keyring.public(key_name) if ledger.keyring.has(key_name) else ledger.keyring.generate(key_name)
    statement = OrgStatement(ledger.origin, _event(event_id), recorded_at, org, name, country, root)
    return _append(conn, ledger, statement, {"root": key_name})


def add_custodian_key(
    conn: Connection, ledger: Ledger, *, org: str, custodian: str, recorded_at: datetime, event_id: str | None = None
) -> str:
    """Give `custodian` (a unit of `org`) a new signing key; return its key id."""
    repo.lock_head(conn, ledger.origin)
    public = _new_custodian_key(ledger)
    statement = KeyStatement(
        ledger.origin, _event(event_id), recorded_at, org, custodian, "add", key_id(public), public_key=public
    )
    _append(conn, ledger, statement, {"root": org_key_name(org)})
    return statement.key_id


def rotate_custodian_key(
    conn: Connection, ledger: Ledger, *, custodian: str, recorded_at: datetime, event_id: str | None = None
) -> str:
    """Replace the custodian's active key with a new one; return the new key id."""
    repo.lock_head(conn, ledger.origin)
    view = repo.DatabaseView(conn, ledger.origin)
    old, org = view.active_key(custodian), view.custodian_org(custodian)
    if old is None or org is None:
        raise Refusal(f"custodian {custodian!r} has no active key to rotate")
    public = _new_custodian_key(ledger)
    statement = KeyStatement(
        ledger.origin,
        _event(event_id),
        recorded_at,
        org,
        custodian,
        "rotate",
        key_id(public),
        public_key=public,
        replaces=old,
    )
    _append(conn, ledger, statement, {"root": org_key_name(org)})
    return statement.key_id


def revoke_custodian_key(
    conn: Connection,
    ledger: Ledger,
    *,
    key: str,
    reason: str,
    revoked_at: datetime,
    recorded_at: datetime,
    event_id: str | None = None,
) -> int:
    """Revoke a key (e.g. compromised) from this point of the log on; return the entry index."""
    record = repo.DatabaseView(conn, ledger.origin).key(key)
    if record is None:
        raise Refusal(f"key {key} is not registered")
    statement = KeyStatement(
        ledger.origin,
        _event(event_id),
        recorded_at,
        record.org,
        record.custodian,
        "revoke",
        key,
        reason=reason,
        revoked_at=revoked_at,
    )
    return _append(conn, ledger, statement, {"root": org_key_name(record.org)})


def discredited_by_revocation(conn: Connection, ledger: Ledger, key: str, revoked_at: datetime) -> list[int]:
    """The handovers already in the log that a revocation of `key` from `revoked_at` discredits: those it
    signed that occurred at or after that instant (`verify` fails on the first, docs/ledger.md)."""
    found = []
    for index, data in repo.handovers_since(conn, ledger.origin, revoked_at):
        statement = decode_entry(data).statement
        assert isinstance(statement, HandoverStatement)  # the query reads handovers only
        if key in (statement.sender.key_id, statement.receiver.key_id):
            found.append(index)
    return found


def _new_custodian_key(ledger: Ledger) -> bytes:
    """A fresh key in the keyring, named by its key id."""
    return ledger.keyring.generate_named(lambda public: custodian_key_name(key_id(public)))


@dataclass(frozen=True)
class Handover:
    """One handover to record: `person_id` passes from `from_custodian` to `to_custodian`."""

    person_id: str
    from_custodian: str
    to_custodian: str
    place: str
    occurred_at: datetime
    recorded_at: datetime
    legal_basis: str
    event_id: str | None = None


def record_handover(
    conn: Connection,
    ledger: Ledger,
    *,
    person_id: str,
    from_custodian: str,
    to_custodian: str,
    place: str,
    occurred_at: datetime,
    recorded_at: datetime,
    legal_basis: str,
    home_country: str,
    event_id: str | None = None,
) -> int:
    """Append a handover co-signed by both custodians' current keys (held by this node's keyring) and
    return its index. Refused (Refusal, nothing written) on a custody break, a replayed event id, a
    missing or ended key, a handover into foreign custody without an allowed decision (`admit`), or any
    other rule of docs/ledger.md."""
    handover = Handover(person_id, from_custodian, to_custodian, place, occurred_at, recorded_at, legal_basis, event_id)
    return record_handovers(conn, ledger, [handover], home_country)[0]


def record_handovers(conn: Connection, ledger: Ledger, handovers: Sequence[Handover], home_country: str) -> list[int]:
    """Append handovers in order (a person may appear several times), as `record_handover` would one by
    one, in one batch: every entry is still checked and both its signatures verified, but the rows are
    written together. `home_country` is the sending state: a handover into any other country's custody
    is admitted only on an allowed decision (`admit`). All or nothing; return the indices."""
    repo.lock_head(conn, ledger.origin)  # so that `previous` and the keys cannot change under us
    view = repo.DatabaseView(conn, ledger.origin)
    admit(conn, view, handovers, home_country)
    persons = [ledger.commitment(h.person_id) for h in handovers]
    previous = {person: link.leaf_hash for person, link in view.last_handovers(persons).items()}
    active: dict[str, str] = {}  # custodian -> key id; handovers do not change keys
    entries = []
    for handover, person in zip(handovers, persons, strict=True):
        sender = _signing_party(view, active, "from", handover.from_custodian)
        receiver = _signing_party(view, active, "to", handover.to_custodian)
        last = previous.get(person)
        statement = HandoverStatement(
            ledger.origin,
            _event(handover.event_id),
            handover.recorded_at,
            person,
            None if last is None else last.hex(),
            sender,
            receiver,
            handover.place,
            handover.occurred_at,
            handover.legal_basis,
        )
        signers = {"from": custodian_key_name(sender.key_id), "to": custodian_key_name(receiver.key_id)}
        entries.append(_signed(ledger, statement, signers))
        previous[person] = leaf_hash(entries[-1])
    return repo.append_entries(conn, ledger.origin, entries)


_DECISION_BASIS = re.compile(r"decision:([0-9a-f]{64})(?:/|$)")


def admit(conn: Connection, view: repo.DatabaseView, handovers: Sequence[Handover], home_country: str) -> None:
    """The ledger admits only what the law allows (docs/integrity.md, "Admission"): a handover into a
    custodian of another country than `home_country` must name, as its legal basis, a stored decision
    about that person, made as of the handover's instant and as known at its recording, that allows a
    pathway to that country. Handovers into the sending state's custody (boarding, returns) are admitted."""
    countries: dict[str, str | None] = {}
    for handover in handovers:
        custodian = handover.to_custodian
        if custodian not in countries:
            countries[custodian] = view.custodian_country(custodian)
        country = countries[custodian]
        if country is None or country == home_country:
            continue  # an unknown custodian is refused by the ledger's own rules
        decision = _relied_decision(conn, handover)
        problem = _why_not_admitted(handover, decision, country)
        if problem is not None:
            raise Refusal(
                f"handover of {handover.person_id} into {custodian} ({country}) at "
                f"{format_instant(handover.occurred_at)} is not admitted: {problem}"
            )


def _relied_decision(conn: Connection, handover: Handover) -> StoredDecision | None:
    match = _DECISION_BASIS.match(handover.legal_basis)
    if match is None:
        return None
    found = stored_decisions(conn, handover.person_id, [match.group(1)])
    return found[-1] if found else None


def _why_not_admitted(handover: Handover, decision: StoredDecision | None, country: str) -> str | None:
    if decision is None:
        return "its legal basis names no stored decision about this person (a foreign handover needs one)"
    if decision.as_of != handover.occurred_at:
        return f"the decision it names was made as of {format_instant(decision.as_of)}, not as of the handover"
    if decision.known_at < handover.recorded_at:
        return f"the decision it names was made as known at {format_instant(decision.known_at)}, before now"
    pathways = decision.body.get("pathways", [])
    allowed = any(
        isinstance(p, dict) and p.get("destination") == country and p.get("status") == "allowed"
        for p in (pathways if isinstance(pathways, list) else [])
    )
    return None if allowed else f"the decision it names allows no pathway to {country}"


def _signing_party(view: repo.DatabaseView, active: dict[str, str], role: str, custodian: str) -> Party:
    if custodian not in active:
        key = view.active_key(custodian)
        if key is None:
            raise Refusal(f"statement.{role}.custodian: {custodian!r} has no active key in the ledger")
        active[custodian] = key
    return Party(custodian, active[custodian])


# ---- custody queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Custody:
    """Who holds a person at an instant, since when, on whose signatures."""

    person: str  # the commitment, as in the log
    custodian: str
    since: datetime
    index: int
    event_id: str
    legal_basis: str
    received_from: str
    signed_by: tuple[str, str]  # key ids of the releasing and the receiving custodian


@dataclass(frozen=True)
class CustodyPeriod:
    """One stay with one custodian: [intake, release), release None while it lasts."""

    custodian: str
    intake: datetime
    release: datetime | None
    intake_index: int
    release_index: int | None


def _handovers(
    conn: Connection, ledger: Ledger, person_id: str, at: datetime | None
) -> list[tuple[int, HandoverStatement]]:
    result = []
    for index, data in repo.person_rows(conn, ledger.origin, ledger.commitment(person_id), at):
        statement = decode_entry(data).statement
        assert isinstance(statement, HandoverStatement)  # only handovers carry a person
        result.append((index, statement))
    return result


def where(conn: Connection, ledger: Ledger, person_id: str, at: datetime | None = None) -> Custody | None:
    """Who held `person_id` at `at` (now, when None) according to the log; None before any handover."""
    handovers = _handovers(conn, ledger, person_id, at)
    if not handovers:
        return None
    index, s = handovers[-1]
    return Custody(
        s.person,
        s.receiver.custodian,
        s.occurred_at,
        index,
        s.event_id,
        s.legal_basis,
        s.sender.custodian,
        (s.sender.key_id, s.receiver.key_id),
    )


def custody_periods(conn: Connection, ledger: Ledger, person_id: str) -> list[CustodyPeriod]:
    """Every custodian's intake and release of the person, in order (for billing)."""
    handovers = _handovers(conn, ledger, person_id, None)
    periods = []
    for position, (index, s) in enumerate(handovers):
        after = handovers[position + 1] if position + 1 < len(handovers) else None
        periods.append(
            CustodyPeriod(
                s.receiver.custodian,
                s.occurred_at,
                None if after is None else after[1].occurred_at,
                index,
                None if after is None else after[0],
            )
        )
    return periods


# ---- checkpoints and witnesses -----------------------------------------------------------------------


def checkpoint_now(conn: Connection, ledger: Ledger) -> str:
    """The signed checkpoint of the current head (signed and stored unless one exists for this size)."""
    head = repo.read_head(conn, ledger.origin)
    latest = repo.latest_checkpoint(conn, ledger.origin)
    if latest is not None and latest[0] == head.size:
        return latest[1]
    return _sign_checkpoint(conn, ledger, Checkpoint(ledger.origin, head.size, head.frontier.root()))


def checkpoint_at(conn: Connection, ledger: Ledger, size: int) -> str:
    """The signed checkpoint of the log's first `size` entries: the one stored for that size (with any
    witness co-signatures), else signed now and stored. A receipt uses the checkpoint that ends with the
    person's last handover, which proves that no later one exists in it."""
    head = repo.read_head(conn, ledger.origin)
    if not 0 < size <= head.size:
        raise ValueError(f"no checkpoint of size {size}: the log has {head.size} entries")
    if size == head.size:
        return checkpoint_now(conn, ledger)
    stored = repo.checkpoint_note(conn, ledger.origin, size)
    if stored is not None:
        return stored
    return _sign_checkpoint(conn, ledger, Checkpoint(ledger.origin, size, repo.root_at(conn, ledger.origin, size)))


def _sign_checkpoint(conn: Connection, ledger: Ledger, checkpoint: Checkpoint) -> str:
    note = sign_checkpoint(checkpoint, ledger.origin, ledger.keyring.private(LOG_KEY)).text()
    repo.store_checkpoint(conn, ledger.origin, checkpoint.size, note)
    return note


def inclusion_proof(conn: Connection, ledger: str, index: int, size: int) -> list[bytes]:
    return repo.hashes_of(conn, ledger, inclusion_ranges(index, size))


def consistency_proof(conn: Connection, ledger: str, size1: int, size2: int) -> list[bytes]:
    return repo.hashes_of(conn, ledger, consistency_ranges(size1, size2))


def add_witness(conn: Connection, ledger: Ledger, *, name: str, url: str, key: VerifierKey) -> None:
    """Register a remote witness by the base URL of its add-checkpoint endpoint and its public
    cosignature/v1 key; this node never holds a witness's private key."""
    if not is_identifier(name):
        raise Refusal(f"witness {name!r}: must be an identifier (letters, digits, . _ : / -; at most 128)")
    if key.algorithm != COSIGNATURE_V1 or key.name != name:
        raise Refusal(f"witness {name}: --key must be {name}'s cosignature/v1 verifier key, not {key.text()}")
    try:
        check_public_key(key.public_key)
    except WeakKeyError as exc:
        raise Refusal(f"witness {name}: {exc}") from None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise Refusal(f"witness {name}: --url {url!r} is not an http(s) base URL")
    exists = select(ledger_witness.c.name).where(
        ledger_witness.c.ledger == ledger.origin, ledger_witness.c.name == name
    )
    if conn.execute(exists).first() is not None:
        raise Refusal(f"witness {name} is already registered")
    conn.execute(
        insert(ledger_witness).values(ledger=ledger.origin, name=name, url=url.rstrip("/"), public_key=key.public_key)
    )


def witnesses(conn: Connection, ledger: str) -> list[VerifierKey]:
    query = select(ledger_witness.c.name, ledger_witness.c.public_key).where(ledger_witness.c.ledger == ledger)
    rows = conn.execute(query.order_by(ledger_witness.c.name))
    return [VerifierKey(row.name, row.public_key, COSIGNATURE_V1) for row in rows]

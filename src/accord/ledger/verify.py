"""The offline verifier: it needs the exported files and the organisations' public keys, never the
database or the operator's word.

`verify_export` recomputes the root from the entries, checks every signature, decides key validity by log
order and by each revocation's instant (`rules.KeyUse`), follows every person's custody chain, and checks
that an older checkpoint is a prefix of the exported log. `verify_receipt` checks one person's custody
chain from a self-contained receipt, and says whether it also proves that chain current."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from accord.ledger.canonical import FormatError, canonical, canonical_known_shape, parse_canonical, parse_strict
from accord.ledger.checkpoint import (
    COSIGNATURE_V1,
    CheckpointError,
    SignedNote,
    VerifiedCheckpoint,
    VerifierKey,
    open_checkpoint,
    signed_by,
)
from accord.ledger.keys import b64, unb64, verify_signature
from accord.ledger.merkle import CompactRange, ProofError, leaf_hash, verify_inclusion
from accord.ledger.rules import KeyUse, MemoryView, Refusal, SignatureCheck, check_entry, first_bad_signature
from accord.ledger.statements import (
    Entry,
    HandoverStatement,
    KeyStatement,
    OrgStatement,
    decode_entry,
    format_instant,
)

CHECKPOINT_FILE = "checkpoint"
ENTRIES_FILE = "entries.jsonl"
KEYS_FILE = "keys.json"
RECEIPT_FORMAT = "accord.ledger.receipt/v1"
_BATCH = 4096


class VerificationFailed(Exception):
    """What does not hold; `index` is the first bad entry when the failure is an entry's."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class Organisation:
    name: str
    root_key: bytes


@dataclass(frozen=True)
class TrustedKeys:
    """keys.json: the ledger id, the log's note key, the witnesses' keys and each organisation's root
    key. An auditor should obtain it from the organisations themselves, not only from the operator."""

    ledger: str
    log_key: VerifierKey
    witnesses: tuple[VerifierKey, ...]
    organisations: dict[str, Organisation]

    def to_bytes(self) -> bytes:
        """RFC 8785 form, so that no byte of the file is free to change without changing its meaning."""
        return canonical(
            {
                "ledger": self.ledger,
                "log_key": self.log_key.text(),
                "witnesses": [w.text() for w in self.witnesses],
                "organisations": {
                    org: {"name": o.name, "root_key": b64(o.root_key)} for org, o in self.organisations.items()
                },
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes, source: str) -> TrustedKeys:
        try:
            obj = parse_canonical(data)
            organisations = {
                org: Organisation(str(o["name"]), unb64(o["root_key"], f"organisations.{org}.root_key"))
                for org, o in obj["organisations"].items()
            }
            witnesses = tuple(VerifierKey.parse(text) for text in obj["witnesses"])
            if any(w.algorithm != COSIGNATURE_V1 for w in witnesses):
                raise ValueError("witnesses: every witness key must be a cosignature/v1 key")
            return cls(str(obj["ledger"]), VerifierKey.parse(obj["log_key"]), witnesses, organisations)
        except (FormatError, CheckpointError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VerificationFailed(f"{source}: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> TrustedKeys:
        return cls.from_bytes(_read(path), str(path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise VerificationFailed(f"{path}: {exc.strerror or exc}") from exc


@dataclass(frozen=True)
class WitnessPolicy:
    """The witnesses a verifier trusts on its own knowledge (their keys obtained from them, not from the
    operator) and how many of them must have cosigned the checkpoint."""

    keys: tuple[VerifierKey, ...] = ()
    minimum: int = 0

    def __post_init__(self) -> None:
        if any(k.algorithm != COSIGNATURE_V1 for k in self.keys):
            raise ValueError("a witness key is a cosignature/v1 key")
        if not 0 <= self.minimum <= len(self.keys):
            raise ValueError(f"{self.minimum} cosignatures cannot be required of {len(self.keys)} witness keys")

    def check(self, note: SignedNote, source: str) -> None:
        missing = [key for key in self.keys if not signed_by(note, key)]
        if len(self.keys) - len(missing) < self.minimum:
            raise VerificationFailed(
                f"{source}: cosigned by {len(self.keys) - len(missing)} of the given witnesses, {self.minimum}"
                f" required; no valid cosignature by {', '.join(key.text() for key in missing)}"
            )


def open_trusted_checkpoint(
    text: str, keys: TrustedKeys, source: str, policy: WitnessPolicy = WitnessPolicy()
) -> VerifiedCheckpoint:
    """A checkpoint signed by the log whose every signature line is by a key in keys.json or of the
    policy and verifies (a verifier that ignored unknown lines would let a byte of the file change
    unnoticed), cosigned by as many of the policy's witnesses as it requires."""
    try:
        verified = open_checkpoint(text, keys.log_key, tuple(dict.fromkeys((*keys.witnesses, *policy.keys))))
    except CheckpointError as exc:
        raise VerificationFailed(f"{source}: {exc}") from exc
    signers = {keys.log_key.name, *verified.witnesses}
    for signature in verified.note.signatures:
        if signature.name not in signers:
            raise VerificationFailed(f"{source}: signature by {signature.name!r} is unknown or does not verify")
    if len(verified.note.signatures) != len(signers):
        raise VerificationFailed(f"{source}: a signer appears more than once")
    if verified.checkpoint.origin != keys.ledger:
        raise VerificationFailed(f"{source}: checkpoint of {verified.checkpoint.origin!r}, not {keys.ledger!r}")
    policy.check(verified.note, source)
    return verified


# ---- the export ---------------------------------------------------------------------------------------


@dataclass
class Report:
    size: int
    root: bytes
    witnesses: tuple[str, ...]
    kinds: dict[str, int] = field(default_factory=dict)


def export_line(index: int, data: bytes) -> bytes:
    """The line of entries.jsonl for entry `index`: the only spelling the verifier accepts."""
    return canonical_known_shape({"entry": b64(data), "index": index}) + b"\n"


def _entries(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, entry bytes) from entries.jsonl, each line `{"entry":BASE64,"index":N}` in RFC 8785
    form with N counting from 0: a dropped, duplicated or reordered line is caught here."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise VerificationFailed(f"{path}: {exc.strerror or exc}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            data = _entry_of_line(line, number - 1)
            yield number, data if data is not None else _entry_of_odd_line(line, number, path.name)


_LINE_HEAD = b'{"entry":"'


def _entry_of_line(line: bytes, index: int) -> bytes | None:
    """The entry when `line` is exactly `export_line(index, entry)`, else None. Comparing bytes around
    canonical base64 (which JSON never escapes) accepts exactly the lines `_entry_of_odd_line` accepts,
    at a fraction of the cost of parsing."""
    tail = b'","index":%d}\n' % index
    if not (line.startswith(_LINE_HEAD) and line.endswith(tail)):
        return None
    try:
        return unb64(line[len(_LINE_HEAD) : -len(tail)].decode("ascii"), "entry")
    except (UnicodeDecodeError, ValueError):
        return None


def _entry_of_odd_line(line: bytes, number: int, name: str) -> bytes:
    """Parse a line that is not in the exact expected form, to say what is wrong with it."""
    where = f"{name} line {number}"
    if not line.endswith(b"\n"):
        raise VerificationFailed(f"{where}: the last line has no newline", number - 1)
    try:
        obj = parse_strict(line[:-1])
        if sorted(obj) != ["entry", "index"]:
            raise FormatError("expected exactly the fields entry and index")
        data = unb64(obj["entry"], "entry") if isinstance(obj["entry"], str) else None
    except (FormatError, ValueError) as exc:
        raise VerificationFailed(f"{where} (entry {number - 1}): {exc}", number - 1) from exc
    # `type(...) is int` because JSON true would equal 1 and false 0.
    if type(obj["index"]) is not int or obj["index"] != number - 1 or data is None:
        raise VerificationFailed(
            f"{where}: index {obj['index']!r} where entry {number - 1} belongs"
            " (an entry was dropped, duplicated or reordered)",
            number - 1,
        )
    if line != export_line(number - 1, data):
        raise VerificationFailed(f"{where} (entry {number - 1}): not in RFC 8785 canonical form", number - 1)
    return data


def _verify_batch(jobs: list[tuple[int, bytes, bytes, bytes, str]]) -> tuple[int, str] | None:
    """The first (index, role) of a batch whose signature does not verify."""
    for index, public_key, message, signature, role in jobs:
        if not verify_signature(public_key, message, signature):
            return index, role
    return None


class _Signatures:
    """Signature checks in batches, in worker processes when there are several CPUs, reported in log
    order so that the failure named is always the first bad entry."""

    def __init__(self, workers: int) -> None:
        self.executor: Executor | None = ProcessPoolExecutor(workers) if workers > 1 else None
        self.pending: list[tuple[int, bytes, bytes, bytes, str]] = []
        self.futures: list[Future[tuple[int, str] | None]] = []

    def add(self, index: int, entry: Entry, roles: list[tuple[str, bytes]]) -> None:
        message = entry.message()
        self.pending.extend((index, key, message, entry.signatures[role], role) for role, key in roles)
        if len(self.pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        jobs, self.pending = self.pending, []
        if self.executor is None:
            self._raise_if_bad(_verify_batch(jobs))
        else:
            self.futures.append(self.executor.submit(_verify_batch, jobs))
            while len(self.futures) > 8 or (self.futures and self.futures[0].done()):
                self._raise_if_bad(self.futures.pop(0).result())

    def finish(self) -> None:
        """Check everything queued so far (raise on the first bad signature)."""
        self._flush()
        while self.futures:
            self._raise_if_bad(self.futures.pop(0).result())

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    @staticmethod
    def _raise_if_bad(result: tuple[int, str] | None) -> None:
        if result is not None:
            index, role = result
            raise VerificationFailed(f"entry {index}: signatures.{role} does not verify", index)


def verify_export(
    directory: Path,
    keys: TrustedKeys,
    old_checkpoint: str | None = None,
    workers: int | None = None,
    witnesses: WitnessPolicy = WitnessPolicy(),
) -> Report:
    """Verify an export directory; raise VerificationFailed naming the first thing that does not hold."""
    text = _read(directory / CHECKPOINT_FILE).decode("utf-8", "replace")
    latest = open_trusted_checkpoint(text, keys, "checkpoint", witnesses)
    old = open_trusted_checkpoint(old_checkpoint, keys, "older checkpoint") if old_checkpoint is not None else None
    target = latest.checkpoint
    if old is not None and old.checkpoint.size > target.size:
        raise VerificationFailed(
            f"older checkpoint has {old.checkpoint.size} entries, the export only {target.size}: the log was"
            " truncated or rolled back"
        )
    signatures = _Signatures(workers if workers is not None else min(4, os.cpu_count() or 1))
    try:
        report = _replay(directory, keys, target.size, old, signatures)
        signatures.finish()
    except VerificationFailed:
        signatures.finish()  # an earlier bad signature is the first bad entry
        raise
    finally:
        signatures.close()
    if report.root != target.root:
        raise VerificationFailed(f"the {target.size} entries do not hash to the checkpoint's root")
    report.witnesses = latest.witnesses
    return report


def _replay(
    directory: Path, keys: TrustedKeys, size: int, old: VerifiedCheckpoint | None, signatures: _Signatures
) -> Report:
    tree, view, uses = CompactRange(), MemoryView(), KeyUse()
    roots = {org: o.root_key for org, o in keys.organisations.items()}
    kinds: dict[str, int] = {}
    for _number, data in _entries(directory / ENTRIES_FILE):
        index = tree.size
        if index >= size:
            raise VerificationFailed(f"entry {index}: beyond the checkpoint's {size} entries", index)
        try:
            entry = decode_entry(data)
            leaf = leaf_hash(data)
            effects = check_entry(entry, index, leaf, keys.ledger, view, roots)
        except (FormatError, Refusal) as exc:
            raise VerificationFailed(f"entry {index}: {exc}", index) from exc
        if isinstance(entry.statement, OrgStatement) and keys.organisations[entry.statement.org].name != (
            entry.statement.name
        ):
            raise VerificationFailed(f"entry {index}: organisation name differs from keys.json", index)
        signatures.add(index, entry, [(c.role, c.public_key) for c in effects.signatures])
        if isinstance(entry.statement, HandoverStatement):
            uses.record(index, entry.statement)
        elif effects.revoked_from is not None and isinstance(entry.statement, KeyStatement):
            _check_revocation(uses, entry.statement, effects.revoked_from, index)
        view.apply(entry.statement.event_id, index, effects)
        tree.append(leaf)
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
        if old is not None and tree.size == old.checkpoint.size and tree.root() != old.checkpoint.root:
            raise VerificationFailed(
                f"the older checkpoint (size {old.checkpoint.size}) is not a prefix of this log: a fork", index
            )
    if tree.size != size:
        raise VerificationFailed(
            f"{ENTRIES_FILE} holds {tree.size} entries, the checkpoint {size}: truncated", tree.size
        )
    missing = sorted(set(keys.organisations) - set(view.orgs))
    if missing:
        raise VerificationFailed(f"keys.json: organisation {missing[0]!r} is not registered in the log")
    return Report(size, tree.root(), (), kinds)


def _check_revocation(uses: KeyUse, statement: KeyStatement, revoked_from: datetime, index: int) -> None:
    """A revocation discredits every handover its key signed that occurred at or after `revoked_at`,
    even one earlier in the log: such a log does not verify, naming the first such handover."""
    first = uses.first_since(statement.key_id, revoked_from)
    if first is not None:
        raise VerificationFailed(
            f"entry {first}: signed with key {statement.key_id} of {statement.custodian!r}, which entry {index}"
            f" revokes from {format_instant(revoked_from)}, and it occurred at or after that instant: not trusted",
            first,
        )


# ---- receipts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptReport:
    """What a receipt proved. `last_to` received the person in the receipt's last handover, at
    `last_at`; `current` is True when that handover is the last entry of the receipt's checkpoint, which
    proves it was the person's latest handover in the log of `size` entries. Otherwise the receipt proves
    inclusion only: a later handover may exist that it does not show."""

    person: str
    last_to: str
    last_at: datetime
    handovers: int
    size: int
    current: bool


@dataclass(frozen=True)
class _Proven:
    index: int
    entry: Entry


def _proven_items(receipt: dict[str, Any], name: str, size: int, root: bytes) -> list[_Proven]:
    items = []
    for position, item in enumerate(receipt[name]):
        where = f"receipt {name}[{position}]"
        try:
            data = unb64(item["entry"], "entry")
            proof = [unb64(p, "proof") for p in item["proof"]]
            verify_inclusion(item["index"], size, leaf_hash(data), proof, root)
            items.append(_Proven(item["index"], decode_entry(data)))
        except (ValueError, KeyError, TypeError, ProofError, FormatError) as exc:
            raise VerificationFailed(f"{where}: {exc}") from exc
    return items


def _receipt_keys(keys_items: list[_Proven], trusted: TrustedKeys) -> dict[str, tuple[str, bytes, int]]:
    """key id -> (custodian, public key, index) for key entries signed by a trusted organisation root."""
    known = {}
    for item in keys_items:
        statement = item.entry.statement
        if not isinstance(statement, KeyStatement) or statement.public_key is None:
            raise VerificationFailed(f"receipt key entry {item.index}: not a key addition or rotation")
        organisation = trusted.organisations.get(statement.org)
        if organisation is None or first_bad_signature(item.entry, [SignatureCheck("root", organisation.root_key)]):
            raise VerificationFailed(f"receipt key entry {item.index}: not signed by {statement.org!r}'s root key")
        known[statement.key_id] = (statement.custodian, statement.public_key, item.index)
    return known


def verify_receipt(data: bytes, trusted: TrustedKeys, witnesses: WitnessPolicy = WitnessPolicy()) -> ReceiptReport:
    """Check a receipt from `accord ledger prove` with only the trusted keys: the checkpoint's signature
    and the witnesses' cosignatures the policy requires, each entry's inclusion in it, the custodians'
    keys and signatures, and the unbroken custody chain."""
    try:
        receipt = parse_strict(data)
        if receipt.get("format") != RECEIPT_FORMAT:
            raise FormatError(f"format is not {RECEIPT_FORMAT}")
        _check_receipt_shape(receipt)
        checkpoint = open_trusted_checkpoint(receipt["checkpoint"], trusted, "receipt checkpoint", witnesses).checkpoint
        handovers = _proven_items(receipt, "handovers", checkpoint.size, checkpoint.root)
        known = _receipt_keys(_proven_items(receipt, "keys", checkpoint.size, checkpoint.root), trusted)
    except (FormatError, KeyError, TypeError) as exc:
        raise VerificationFailed(f"receipt: {exc}") from exc
    if not handovers:
        raise VerificationFailed("receipt: no handover")
    previous: tuple[_Proven, HandoverStatement] | None = None
    for item in sorted(handovers, key=lambda h: h.index):
        statement = item.entry.statement
        if not isinstance(statement, HandoverStatement) or statement.ledger != trusted.ledger:
            raise VerificationFailed(f"receipt entry {item.index}: not a handover of ledger {trusted.ledger!r}")
        _check_receipt_signatures(item, statement, known)
        _check_receipt_chain(item, statement, previous)
        previous = (item, statement)
    assert previous is not None
    last, statement = previous
    return ReceiptReport(
        statement.person,
        statement.receiver.custodian,
        statement.occurred_at,
        len(handovers),
        checkpoint.size,
        current=last.index == checkpoint.size - 1,
    )


def _check_receipt_shape(receipt: dict[str, Any]) -> None:
    """The receipt's fields have the types `make_receipt` writes (FormatError naming the first that does
    not), so that checking them can fail only with a verification message."""
    if not isinstance(receipt.get("checkpoint"), str):
        raise FormatError("checkpoint: must be the text of a signed checkpoint")
    for name in ("handovers", "keys"):
        items = receipt.get(name)
        if not isinstance(items, list):
            raise FormatError(f"{name}: must be a list")
        for position, item in enumerate(items):
            if not (
                isinstance(item, dict)
                and type(item.get("index")) is int
                and isinstance(item.get("entry"), str)
                and isinstance(item.get("proof"), list)
                and all(isinstance(p, str) for p in item["proof"])
            ):
                raise FormatError(f"{name}[{position}]: must be {{index: integer, entry: base64, proof: [base64]}}")


def _check_receipt_signatures(item: _Proven, s: HandoverStatement, known: dict[str, tuple[str, bytes, int]]) -> None:
    message = item.entry.message()
    for role, party in (("from", s.sender), ("to", s.receiver)):
        key = known.get(party.key_id)
        if key is None or key[0] != party.custodian or key[2] >= item.index:
            raise VerificationFailed(f"receipt entry {item.index}: {role} key {party.key_id} is not proven registered")
        if not verify_signature(key[1], message, item.entry.signatures[role]):
            raise VerificationFailed(f"receipt entry {item.index}: signatures.{role} does not verify")


def _check_receipt_chain(
    item: _Proven, s: HandoverStatement, previous: tuple[_Proven, HandoverStatement] | None
) -> None:
    if previous is None:
        if s.previous is not None:
            raise VerificationFailed(f"receipt entry {item.index}: the chain does not start at the first handover")
        return
    before, earlier = previous
    if s.person != earlier.person or s.previous != leaf_hash(before.entry.data).hex():
        raise VerificationFailed(f"receipt entry {item.index}: custody break (previous is not entry {before.index})")
    if s.sender.custodian != earlier.receiver.custodian:
        raise VerificationFailed(
            f"receipt entry {item.index}: custody break ({s.sender.custodian!r} did not hold them)"
        )

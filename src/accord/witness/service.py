"""add-checkpoint, as the witness process runs it: parse, check the log's signature against the keys it
trusts for the origin, decide and record in one state transaction, and only then cosign."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from accord.ledger.checkpoint import ED25519, SignedNote, VerifierKey, cosign, signed_by
from accord.ledger.witness_protocol import MalformedRequest, parse_add_checkpoint
from accord.witness.keyfile import WitnessKey
from accord.witness.rules import BAD_REQUEST, FORBIDDEN, NOT_FOUND, Refusal, judge
from accord.witness.state import WitnessState

log = logging.getLogger("accord.witness")


def unix_now() -> int:
    return int(time.time())


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


@dataclass
class Witness:
    key: WitnessKey
    logs: Sequence[VerifierKey]  # the log keys it trusts; a log's origin is its key's name
    state: WitnessState
    clock: Callable[[], int] = unix_now  # the cosignature's timestamp: this process's own clock

    def __post_init__(self) -> None:
        self.trusted: dict[str, list[VerifierKey]] = {}
        for key in self.logs:
            if key.algorithm != ED25519:
                raise ValueError(f"log key {key.name}: not an Ed25519 note key")
            self.trusted.setdefault(key.name, []).append(key)

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line(s) for the checkpoint of `body`; Refused otherwise, after keeping any
        evidence the request carries."""
        try:
            request = parse_add_checkpoint(body)
        except MalformedRequest as exc:
            raise Refused(Refusal(BAD_REQUEST, str(exc))) from None
        origin = request.checkpoint.origin
        keys = self.trusted.get(origin)
        if keys is None:
            raise Refused(Refusal(NOT_FOUND, f"unknown log origin {origin!r}"))
        if not any(signed_by(request.note, key) for key in keys):
            raise Refused(Refusal(FORBIDDEN, f"no signature by a trusted key of {origin!r} verifies"))
        now = self.clock()
        with self.state.exclusive() as transaction:
            held = transaction.held(origin)
            refusal = judge(request, held)
            if refusal is None:
                transaction.cosigned(request.checkpoint, request.note_text, now)
            elif refusal.evidence is not None:
                transaction.keep_evidence(origin, refusal.evidence, refusal.reason, now, held, request.note_text, body)
        if refusal is not None:
            if refusal.evidence is not None:
                log.warning("evidence of %s by log %s kept: %s", refusal.evidence, origin, refusal.reason)
            raise Refused(refusal)
        # Only the body is cosigned: the answer carries the witness's lines alone.
        cosigned = cosign(SignedNote(request.note.body, ()), self.key.name, self.key.private, now)
        return "".join(signature.line() for signature in cosigned.signatures)

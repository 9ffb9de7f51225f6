"""What the witness decides about a checkpoint whose log signature verified, given what it holds for the
origin: cosign it, or refuse it with the status of c2sp.org/tlog-witness. A pure function, so that every
branch is tested without a server.

A refusal that proves the log signed two views of itself is marked as evidence, to be kept: a checkpoint
smaller than the one cosigned (a rollback), the same size with another root (a fork), or a consistency
proof that does not verify from the root the witness holds (a rewritten history, or a fork)."""

from __future__ import annotations

from dataclasses import dataclass

from accord.ledger.merkle import ProofError, verify_consistency
from accord.ledger.witness_protocol import AddCheckpoint
from accord.witness.state import Held

BAD_REQUEST = 400
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 409
UNPROCESSABLE = 422


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str
    evidence: str | None = None  # rollback, fork or inconsistent: what this signed checkpoint proves
    held_size: int | None = None  # set on a 409 for a stale old size: the client re-syncs from it


def judge(request: AddCheckpoint, held: Held) -> Refusal | None:
    """None when the checkpoint consistently extends (or repeats) what the witness cosigned."""
    new, old = request.checkpoint, request.old_size
    rollback = "rollback" if new.size < held.size else None
    if old > new.size:
        return Refusal(BAD_REQUEST, f"old size {old} is larger than the checkpoint's size {new.size}", rollback)
    if old != held.size:
        reason = f"old size {old}, but the latest checkpoint cosigned for {new.origin} has size {held.size}"
        if rollback:
            reason = f"checkpoint of size {new.size} is smaller than the one cosigned (size {held.size})"
        return Refusal(CONFLICT, reason, rollback, held_size=held.size)
    if new.size == old:
        if new.root != held.root:
            return Refusal(CONFLICT, f"checkpoint of size {new.size} has another root than the one cosigned", "fork")
        if request.proof:
            return Refusal(UNPROCESSABLE, "a consistency proof between equal sizes must be empty")
        return None
    if old == 0:
        if request.proof:
            return Refusal(UNPROCESSABLE, "a consistency proof from size 0 must be empty")
        return None
    try:
        verify_consistency(old, new.size, request.proof, held.root, new.root)
    except ProofError as exc:
        return Refusal(UNPROCESSABLE, f"consistency proof from size {old} to {new.size}: {exc}", "inconsistent")
    return None

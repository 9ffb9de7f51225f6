"""Every branch of the witness's decision, without a server: the statuses of c2sp.org/tlog-witness and
which refusals are kept as evidence of the log's misbehaviour."""

from __future__ import annotations

import pytest

from accord.ledger.merkle import EMPTY_ROOT
from accord.ledger.witness_protocol import format_add_checkpoint, parse_add_checkpoint
from accord.witness.rules import Refusal, judge
from accord.witness.state import Held
from tests.witnesses import MemoryLog, tree_hash

LOG = MemoryLog("accord.test/custody").grown(30)
FORK = MemoryLog(LOG.origin, LOG.private, LOG.leaves[:9]).grown(30, tag="fork")


def held(size: int, log: MemoryLog = LOG) -> Held:
    return Held(size, tree_hash(log.leaves[:size]), log.checkpoint(size) if size else None)


def decide(body: bytes, holding: Held) -> Refusal | None:
    return judge(parse_add_checkpoint(body), holding)


@pytest.mark.parametrize(
    ("old", "new", "holding"),
    [(0, 0, 0), (0, 1, 0), (0, 30, 0), (1, 2, 1), (7, 7, 7), (7, 8, 7), (8, 30, 8), (16, 30, 16)],
)
def test_a_consistent_extension_is_cosigned(old: int, new: int, holding: int) -> None:
    assert decide(LOG.request(old, new), held(holding)) is None


STALE = "old size {}, but the latest checkpoint cosigned for accord.test/custody has size 5"
NOT_EMPTY = "a consistency proof {} must be empty"


def body(old: int, proof: list[bytes], size: int) -> bytes:
    return format_add_checkpoint(old, proof, LOG.checkpoint(size))


@pytest.mark.parametrize(
    ("request_body", "holding", "expected"),
    [
        (body(9, [], 8), 0, Refusal(400, "old size 9 is larger than the checkpoint's size 8")),
        (LOG.request(0, 10), 5, Refusal(409, STALE.format(0), held_size=5)),
        (LOG.request(6, 10), 5, Refusal(409, STALE.format(6), held_size=5)),
        (body(0, [EMPTY_ROOT], 3), 0, Refusal(422, NOT_EMPTY.format("from size 0"))),
        (body(5, [EMPTY_ROOT], 5), 5, Refusal(422, NOT_EMPTY.format("between equal sizes"))),
    ],
)
def test_refusals_that_prove_nothing_against_the_log(request_body: bytes, holding: int, expected: Refusal) -> None:
    assert decide(request_body, held(holding)) == expected


def test_a_fork_at_the_same_size() -> None:
    refusal = decide(FORK.request(20, 20), held(20))
    assert refusal is not None and (refusal.status, refusal.evidence, refusal.held_size) == (409, "fork", None)


def test_a_rollback_whatever_the_old_size_says() -> None:
    for request_body, status in ((LOG.request(10, 15), 409), (body(20, [], 15), 400)):
        refusal = decide(request_body, held(20))
        assert refusal is not None and (refusal.status, refusal.evidence) == (status, "rollback")
    stale = decide(LOG.request(10, 15), held(20))
    assert stale is not None and stale.held_size == 20 and "smaller than the one cosigned" in stale.reason


@pytest.mark.parametrize(("old", "new"), [(10, 11), (10, 30), (12, 30), (16, 17)])
def test_a_rewritten_history_fails_its_proof(old: int, new: int) -> None:
    """The fork shares the first 9 leaves: from 9 on, no proof of it leads from the honest root."""
    refusal = decide(FORK.request(old, new), held(old))
    assert refusal is not None and (refusal.status, refusal.evidence) == (422, "inconsistent")
    assert decide(FORK.request(old, new), held(old, FORK)) is None


def test_a_proof_of_another_size_fails() -> None:
    refusal = decide(body(8, LOG.proof(8, 20), 21), held(8))
    assert refusal is not None and refusal.status == 422

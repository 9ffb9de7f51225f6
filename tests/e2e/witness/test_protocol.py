"""c2sp.org/tlog-witness against a live `accord witness serve` on loopback: every status of the protocol,
rollbacks and forks refused with their evidence kept, and concurrent requests that cannot roll the
stored size back. Each test works on a log origin of its own, so they share one witness process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from accord.ledger.checkpoint import SignedNote, parse_note, parse_signature_lines, signed_by
from accord.ledger.merkle import EMPTY_ROOT
from accord.ledger.witness_protocol import SIZE_CONTENT_TYPE, Reply, format_add_checkpoint
from tests.witnesses import MemoryLog, RunningWitness, running_witness

ORIGINS = ("status", "proofs", "fork", "rollback", "race", "size", "empty", "malformed", "evidence")


@pytest.fixture(scope="module")
def logs() -> dict[str, MemoryLog]:
    return {name: MemoryLog(f"accord.test/{name}").grown(40) for name in ORIGINS}


@pytest.fixture(scope="module")
def witness(tmp_path_factory: pytest.TempPathFactory, logs: dict[str, MemoryLog]) -> Iterator[RunningWitness]:
    with running_witness(tmp_path_factory.mktemp("witness"), [log.key for log in logs.values()]) as running:
        yield running


def cosigned(witness: RunningWitness, log: MemoryLog, old: int, new: int) -> None:
    reply = witness.post(log.request(old, new))
    assert reply.status == 200, reply.body


def refused(reply: Reply, status: int, says: str) -> None:
    assert reply.status == status, reply.body
    assert reply.content_type == "text/plain; charset=utf-8"
    assert says in reply.body.decode()


def test_a_cosignature_is_cosignature_v1_over_the_checkpoint(
    witness: RunningWitness, logs: dict[str, MemoryLog]
) -> None:
    log = logs["status"]
    reply = witness.post(log.request(0, 5))
    assert reply.status == 200, reply.body
    lines = parse_signature_lines(reply.body.decode())
    assert [line.name for line in lines] == ["auditor"] and len(lines[0].payload) == 8 + 64
    note = parse_note(log.checkpoint(5))
    assert signed_by(SignedNote(note.body, lines), witness.key)
    assert not signed_by(SignedNote(parse_note(log.checkpoint(6)).body, lines), witness.key)
    held = witness.evidence()
    assert all(record.origin != log.origin for record in held)


def test_unknown_origin_is_404(witness: RunningWitness) -> None:
    stranger = MemoryLog("accord.test/stranger").grown(3)
    refused(witness.post(stranger.request(0, 3)), 404, "unknown log origin 'accord.test/stranger'")


def test_no_trusted_signature_is_403(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    impostor = MemoryLog(logs["status"].origin, leaves=logs["status"].leaves)  # the same origin, another key
    refused(witness.post(impostor.request(0, 3)), 403, "no signature by a trusted key")
    # An unknown signature beside the trusted one is ignored, as signed notes prescribe.
    both = parse_note(logs["status"].checkpoint(5))
    extra = parse_note(impostor.checkpoint(5)).signatures[0]
    body = format_add_checkpoint(5, [], SignedNote(both.body, (extra, *both.signatures)).text())
    assert witness.post(body).status in (200, 409)


def test_old_size_beyond_the_checkpoint_is_400(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    refused(witness.post(format_add_checkpoint(7, [], logs["size"].checkpoint(6))), 400, "old size 7 is larger")


def test_a_stale_old_size_is_409_with_the_size_held(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    log = logs["size"]
    cosigned(witness, log, 0, 12)
    for old in (0, 11):
        reply = witness.post(log.request(old, 20))
        assert (reply.status, reply.content_type, reply.body) == (409, SIZE_CONTENT_TYPE, b"12\n")
    cosigned(witness, log, 12, 20)
    cosigned(witness, log, 20, 20)  # the same checkpoint again is cosigned again


def test_proofs_that_do_not_verify_are_422(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    log = logs["proofs"]
    refused(witness.post(format_add_checkpoint(0, [EMPTY_ROOT], log.checkpoint(4))), 422, "from size 0 must be empty")
    cosigned(witness, log, 0, 6)
    refused(witness.post(format_add_checkpoint(6, [EMPTY_ROOT], log.checkpoint(6))), 422, "equal sizes must be empty")
    honest = log.proof(6, 13)
    for wrong in ([], honest[:-1], [*honest, EMPTY_ROOT], [EMPTY_ROOT, *honest[1:]]):
        refused(witness.post(format_add_checkpoint(6, wrong, log.checkpoint(13))), 422, "consistency proof from size 6")
    cosigned(witness, log, 6, 13)


def test_a_rewritten_history_is_422_with_evidence(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    log = logs["evidence"]
    cosigned(witness, log, 0, 10)
    rewritten = MemoryLog(log.origin, log.private, log.leaves[:4]).grown(16, tag="rewritten")
    refused(witness.post(rewritten.request(10, 16)), 422, "consistency proof from size 10 to 16")
    record = [r for r in witness.evidence() if r.origin == log.origin][-1]
    assert (record.kind, record.held_checkpoint, record.presented_checkpoint) == (
        "inconsistent",
        log.checkpoint(10),
        rewritten.checkpoint(16),
    )
    assert record.request == rewritten.request(10, 16)
    cosigned(witness, log, 10, 16)  # the honest log still extends what was cosigned


def test_a_fork_is_409_with_evidence(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    log = logs["fork"]
    cosigned(witness, log, 0, 8)
    fork = MemoryLog(log.origin, log.private, log.leaves[:7]).grown(8, tag="fork")
    reply = witness.post(fork.request(8, 8))
    refused(reply, 409, "another root")
    record = [r for r in witness.evidence() if r.origin == log.origin][-1]
    assert (record.kind, record.held_checkpoint, record.presented_checkpoint) == (
        "fork",
        log.checkpoint(8),
        fork.checkpoint(8),
    )


def test_a_rollback_is_refused_with_evidence(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    log = logs["rollback"]
    cosigned(witness, log, 0, 30)
    reply = witness.post(log.request(20, 25))
    assert (reply.status, reply.content_type, reply.body) == (409, SIZE_CONTENT_TYPE, b"30\n")
    refused(witness.post(format_add_checkpoint(30, [], log.checkpoint(25))), 400, "larger than the checkpoint's size")
    kept = [r for r in witness.evidence() if r.origin == log.origin]
    assert [r.kind for r in kept] == ["rollback", "rollback"]
    assert all(r.held_checkpoint == log.checkpoint(30) and r.presented_checkpoint == log.checkpoint(25) for r in kept)
    reply = witness.post(log.request(0, 31))
    assert reply.body == b"30\n"  # still 30: nothing was rolled back


def test_the_empty_tree(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    log = logs["empty"]
    cosigned(witness, log, 0, 0)
    cosigned(witness, log, 0, 3)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "no empty line"),
        (b"old 0\n", "no empty line"),
        (b"old 00\n\n", "is not `old <size>`"),
        (b"old -1\n\n", "is not `old <size>`"),
        (b"new 0\n\n", "is not `old <size>`"),
        (b"old 0\nnot base64!\n\n", "line 2: proof hash is not standard base64"),
        (b"old 0\nAAAA\n\n", "line 2: a proof hash is 32 bytes, not 3"),
        (b"old 0\n\xff\n\n", "not UTF-8"),
        (b"old 0\n\nno checkpoint\n", "checkpoint: signed note"),
        (b"old 0\n\norigin\n1\nroot\n\n\xe2\x80\x94 origin AAAAAAA=\n", "checkpoint: "),
    ],
)
def test_malformed_bodies_are_400(witness: RunningWitness, body: bytes, says: str) -> None:
    refused(witness.post(body), 400, says)


def test_too_many_proof_hashes_and_too_large_bodies(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    note = logs["malformed"].checkpoint(3)
    refused(witness.post(format_add_checkpoint(1, [EMPTY_ROOT] * 64, note)), 400, "64 hashes, at most 63")
    reply = witness.post(b"old 0\n" + b"A" * 70_000)
    assert reply.status == 413


def race(witness: RunningWitness, bodies: list[bytes]) -> list[Reply]:
    """Post every body at once, one thread each, released together."""
    replies: dict[int, Reply] = {}
    start = threading.Barrier(len(bodies))

    def send(n: int) -> None:
        start.wait()
        replies[n] = witness.post(bodies[n])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [replies[n] for n in range(len(bodies))]


def test_concurrent_requests_cannot_roll_the_size_back(witness: RunningWitness, logs: dict[str, MemoryLog]) -> None:
    """Each round, eight requests prove from the size held to eight different sizes at once: exactly one
    is cosigned, the others are told the size it set, and the held size only ever grows."""
    log = logs["race"]
    cosigned(witness, log, 0, 2)
    held = 2
    for _round in range(4):
        replies = race(witness, [log.request(held, held + 1 + n) for n in range(8)])
        winners = [n for n, reply in enumerate(replies) if reply.status == 200]
        assert len(winners) == 1, replies
        new = held + 1 + winners[0]
        losers = [reply for n, reply in enumerate(replies) if n != winners[0]]
        assert all((r.status, r.content_type, r.body) == (409, SIZE_CONTENT_TYPE, f"{new}\n".encode()) for r in losers)
        assert witness.post(log.request(0, 40)).body == f"{new}\n".encode()
        held = new

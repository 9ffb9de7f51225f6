"""The log operator's side of witnessing: submit the checkpoint of the current head to remote witnesses
(C2SP tlog-witness), check each returned cosignature against the key the witness was registered with,
and store it on the checkpoint. This node holds no witness key, so it cannot cosign for a witness.

Unlike the rest of the ledger's API this takes an Engine, not a Connection: no database transaction is
held open while a witness answers over the network. The checkpoint is signed and stored first; each
cosignature is added afterwards in a short transaction of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, or_, select, update

from accord.ledger import repository as repo
from accord.ledger.checkpoint import (
    COSIGNATURE_V1,
    Checkpoint,
    CheckpointError,
    NoteSignature,
    SignedNote,
    VerifierKey,
    parse_checkpoint,
    parse_note,
    parse_signature_lines,
    signed_by,
)
from accord.ledger.rules import Refusal
from accord.ledger.service import Ledger, checkpoint_now, consistency_proof
from accord.ledger.witness_protocol import (
    ADD_CHECKPOINT_PATH,
    SIZE_CONTENT_TYPE,
    Reply,
    WitnessUnreachable,
    format_add_checkpoint,
    http_post,
    parse_size,
)
from accord.store.tables_ledger import ledger_witness


@dataclass(frozen=True)
class RemoteWitness:
    name: str
    url: str  # base URL; the request goes to url + /add-checkpoint
    key: VerifierKey
    size: int  # the size it last cosigned, as this node knows it (0 when none)


Post = Callable[[str, bytes], Reply]


@dataclass(frozen=True)
class Submission:
    """The outcome for one witness: `problem` is None when its cosignature was verified and stored."""

    witness: str
    size: int
    problem: str | None


class SubmissionFailed(Exception):
    """A witness that could not be reached, refused the checkpoint, or answered with no valid cosignature."""


def remote_witnesses(conn: Connection, ledger: str, names: Sequence[str] = ()) -> list[RemoteWitness]:
    """The named witnesses (all registered ones when none is named), in name order."""
    query = select(ledger_witness).where(ledger_witness.c.ledger == ledger).order_by(ledger_witness.c.name)
    found = [
        RemoteWitness(row.name, row.url, VerifierKey(row.name, row.public_key, COSIGNATURE_V1), row.size or 0)
        for row in conn.execute(query)
    ]
    unknown = sorted(set(names) - {w.name for w in found})
    if unknown:
        raise Refusal(f"witness {unknown[0]!r} is not registered (accord ledger witness add)")
    if not found:
        raise Refusal("no witness is registered (accord ledger witness add NAME --url URL --key KEY)")
    return [w for w in found if not names or w.name in names]


def submit_checkpoint(
    engine: Engine, ledger: Ledger, names: Sequence[str] = (), post: Post = http_post
) -> list[Submission]:
    """Sign (if needed) the checkpoint of the current head and have each named witness cosign it."""
    with engine.begin() as conn:
        note_text = checkpoint_now(conn, ledger)
        targets = remote_witnesses(conn, ledger.origin, names)
    note = parse_note(note_text)
    checkpoint = parse_checkpoint(note.body)
    results = []
    for witness in targets:
        try:
            signature = _cosignature(engine, witness, note_text, checkpoint, post)
        except SubmissionFailed as exc:
            results.append(Submission(witness.name, checkpoint.size, str(exc)))
            continue
        with engine.begin() as conn:
            _store(conn, witness, checkpoint, signature)
        results.append(Submission(witness.name, checkpoint.size, None))
    return results


def _cosignature(
    engine: Engine, witness: RemoteWitness, note_text: str, checkpoint: Checkpoint, post: Post
) -> NoteSignature:
    """Send the checkpoint with a proof from the size the witness holds; on a 409 that names another size
    (this node's record is stale), prove from that size and send once more."""
    if not witness.url:
        raise SubmissionFailed("registered without a URL (it cosigned in-process); register its own key anew")
    url = witness.url + ADD_CHECKPOINT_PATH
    try:
        reply = post(url, _request(engine, witness.size, checkpoint, note_text))
        if reply.status == 409 and reply.content_type == SIZE_CONTENT_TYPE:
            reply = post(url, _request(engine, _held_size(reply), checkpoint, note_text))
    except WitnessUnreachable as exc:
        raise SubmissionFailed(str(exc)) from None
    if reply.status != 200:
        raise SubmissionFailed(_refusal(reply))
    try:
        lines = parse_signature_lines(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, CheckpointError) as exc:
        raise SubmissionFailed(f"answered 200 without cosignature lines ({exc})") from None
    alone = SignedNote(parse_note(note_text).body, ())
    for line in lines:
        if signed_by(alone.with_signature(line), witness.key):
            return line
    raise SubmissionFailed(f"answered with no cosignature that verifies with its registered key {witness.key.text()}")


def _held_size(reply: Reply) -> int:
    try:
        return parse_size(reply.body)
    except ValueError as exc:
        raise SubmissionFailed(f"answered 409 with {exc}") from None


def _request(engine: Engine, old: int, checkpoint: Checkpoint, note_text: str) -> bytes:
    if old > checkpoint.size:
        raise SubmissionFailed(
            f"it has cosigned size {old}, beyond this checkpoint's {checkpoint.size}: a newer checkpoint was"
            " submitted meanwhile, or this log was rolled back"
        )
    proof: list[bytes] = []
    if 0 < old < checkpoint.size:
        with engine.connect() as conn:
            proof = consistency_proof(conn, checkpoint.origin, old, checkpoint.size)
    return format_add_checkpoint(old, proof, note_text)


_REFUSALS = {
    400: "refuses the request as malformed",
    403: "does not trust this log's key",
    404: "does not know this log's origin (or the URL is not a witness)",
    409: "refuses a checkpoint that conflicts with the one it cosigned",
    422: "refuses the consistency proof: this log does not extend the tree it cosigned",
}


def _refusal(reply: Reply) -> str:
    detail = reply.body[:300].decode("utf-8", "replace").strip()
    meaning = _REFUSALS.get(reply.status, "answered")
    if reply.status == 409 and reply.content_type == SIZE_CONTENT_TYPE:
        meaning = f"still holds size {detail} after proving from it"
        detail = ""
    return f"{reply.status}: {meaning}" + (f" ({detail})" if detail else "")


def _store(conn: Connection, witness: RemoteWitness, checkpoint: Checkpoint, signature: NoteSignature) -> None:
    """Add (or replace) the witness's line on the stored checkpoint and record the size it now holds."""
    repo.lock_head(conn, checkpoint.origin)  # one writer of a checkpoint's signature lines at a time
    stored = repo.checkpoint_note(conn, checkpoint.origin, checkpoint.size)
    assert stored is not None  # submit_checkpoint stored it before sending it
    note = parse_note(stored)
    others = tuple(s for s in note.signatures if s.name != witness.name)
    repo.store_checkpoint(
        conn, checkpoint.origin, checkpoint.size, SignedNote(note.body, others).with_signature(signature).text()
    )
    row = (ledger_witness.c.ledger == checkpoint.origin) & (ledger_witness.c.name == witness.name)
    newer = or_(ledger_witness.c.size.is_(None), ledger_witness.c.size <= checkpoint.size)
    conn.execute(update(ledger_witness).where(row, newer).values(size=checkpoint.size, root=checkpoint.root))

"""The witness in-process, on a real state file: any sequence of requests, honest or not, leaves the
held size non-decreasing, cosigns only consistent extensions, and keeps evidence exactly of what the
log signed against itself. Also the key file and the state's own guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.ledger.checkpoint import SignedNote, parse_note, parse_signature_lines, signed_by
from accord.witness.keyfile import KeyFileError, create_key_file, load_key_file
from accord.witness.service import Refused, Witness
from accord.witness.state import StateError, WitnessState
from tests.witnesses import MemoryLog

LOG = MemoryLog("accord.test/custody").grown(64)
FORK = MemoryLog(LOG.origin, LOG.private, LOG.leaves[:20]).grown(64, tag="fork")

# One request: (which history, old size, new size); old and new are taken modulo the log's size.
requests = st.lists(st.tuples(st.sampled_from(["log", "fork"]), st.integers(0, 64), st.integers(0, 64)), max_size=30)


def witness(directory: Path) -> Witness:
    key_file = directory / "w.key"
    key = load_key_file(key_file) if key_file.exists() else create_key_file(key_file, "auditor")
    return Witness(key, [LOG.key], WitnessState(directory / "state.db"), clock=lambda: 1_700_000_000)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests)
def test_the_held_size_never_decreases_and_only_extensions_are_cosigned(
    tmp_path_factory: pytest.TempPathFactory, sequence: list[tuple[str, int | None, int]]
) -> None:
    w = witness(tmp_path_factory.mktemp("w"))
    history: list[tuple[str, int]] = [("log", 0)]  # what was cosigned, in order
    for which, claimed, new in sequence:
        log = LOG if which == "log" else FORK
        before = w.state.held(LOG.origin)
        old = before.size if claimed is None else claimed
        try:
            lines = w.add_checkpoint(log.request(old, new))
        except Refused as refused:
            assert w.state.held(LOG.origin) == before
            assert refused.refusal.status in (400, 409, 422)
            continue
        after = w.state.held(LOG.origin)
        assert (old, after.size) == (before.size, new) and after.size >= before.size
        assert signed_by(SignedNote(parse_note(log.checkpoint(new)).body, parse_signature_lines(lines)), w.key.verifier)
        history.append((which, new))
    # Whatever was cosigned is one history: the fork only shares the first 20 leaves with the log.
    assert all(which == "log" or size <= 20 for which, size in history) or all(
        which == "fork" or size <= 20 for which, size in history
    )
    kinds = {record.kind for record in w.state.evidence()}
    assert kinds <= {"rollback", "fork", "inconsistent"}


def test_evidence_is_kept_with_the_refusal_and_nothing_else_changes(tmp_path: Path) -> None:
    w = witness(tmp_path)
    w.add_checkpoint(LOG.request(0, 30))
    for body, kind in (
        (FORK.request(30, 40), "inconsistent"),
        (FORK.request(30, 30), "fork"),
        (LOG.request(10, 20), "rollback"),
    ):
        with pytest.raises(Refused):
            w.add_checkpoint(body)
        record = w.state.evidence()[-1]
        assert (record.kind, record.held_checkpoint, record.request) == (kind, LOG.checkpoint(30), body)
    assert w.state.held(LOG.origin).size == 30 and len(w.state.evidence()) == 3


def test_unknown_origins_and_keys(tmp_path: Path) -> None:
    w = witness(tmp_path)
    with pytest.raises(Refused) as caught:
        w.add_checkpoint(MemoryLog("other").grown(2).request(0, 2))
    assert caught.value.refusal.status == 404
    with pytest.raises(Refused) as caught:
        w.add_checkpoint(MemoryLog(LOG.origin, leaves=LOG.leaves).request(0, 2))
    assert caught.value.refusal.status == 403
    with pytest.raises(ValueError, match="not an Ed25519 note key"):
        Witness(w.key, [w.key.verifier], w.state)


def test_every_trusted_key_of_an_origin_is_accepted(tmp_path: Path) -> None:
    """A log that rotated its key: checkpoints signed by either trusted key are cosigned."""
    rotated = MemoryLog(LOG.origin, leaves=LOG.leaves)
    w = witness(tmp_path)
    w = Witness(w.key, [LOG.key, rotated.key], w.state)
    w.add_checkpoint(LOG.request(0, 30))
    w.add_checkpoint(rotated.request(30, 40))
    assert w.state.held(LOG.origin).size == 40


def test_the_state_refuses_to_lower_a_size(tmp_path: Path) -> None:
    w = witness(tmp_path)
    w.add_checkpoint(LOG.request(0, 30))
    with sqlite3.connect(tmp_path / "state.db") as db, pytest.raises(sqlite3.IntegrityError, match="never decreases"):
        db.execute("UPDATE cosigned SET size = 29")
    assert w.state.held(LOG.origin).size == 30


def test_state_files_of_another_kind_or_version(tmp_path: Path) -> None:
    (tmp_path / "junk").write_bytes(b"x" * 200)
    with pytest.raises(StateError, match="not a witness state file"):
        WitnessState(tmp_path / "junk")
    with sqlite3.connect(tmp_path / "future.db") as db:
        db.execute("PRAGMA user_version = 9")
    with pytest.raises(StateError, match="version 9"):
        WitnessState(tmp_path / "future.db")
    with pytest.raises(StateError):
        WitnessState(tmp_path / "no-such-directory" / "state.db")


def test_key_files(tmp_path: Path) -> None:
    key = create_key_file(tmp_path / "w.key", "auditor")
    assert load_key_file(tmp_path / "w.key").verifier == key.verifier
    with pytest.raises(KeyFileError, match="already exists"):
        create_key_file(tmp_path / "w.key", "other")
    with pytest.raises(KeyFileError, match="No such file"):
        load_key_file(tmp_path / "none.key")
    text = (tmp_path / "w.key").read_text()
    for name, content, says in (
        ("a.key", "PUBLIC+KEY+auditor+00000000+AAAA\n", "not a witness key"),
        ("b.key", text.replace("+B", "+A", 1), "not a cosignature/v1 Ed25519 key"),
        ("c.key", text.strip()[:-1] + "\n", "base64"),
        ("d.key", text.replace("PRIVATE+KEY+auditor", "PRIVATE+KEY+judge"), "key hash does not match"),
    ):
        path = tmp_path / name
        path.write_text(content)
        path.chmod(0o600)
        with pytest.raises(KeyFileError, match=says):
            load_key_file(path)

"""`accord witness keygen|serve|evidence` as a user runs them: the key file is created once with mode
0600, and every mistake is one line with exit 2, before anything listens."""

from __future__ import annotations

import stat
from pathlib import Path

import typer
from typer.testing import CliRunner

from accord.cli import witness
from accord.ledger.checkpoint import COSIGNATURE_V1, VerifierKey
from tests.witnesses import MemoryLog, running_witness

app = typer.Typer()
witness.register(app)


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["witness", *args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_keygen_creates_a_private_file_once(tmp_path: Path) -> None:
    key_file = tmp_path / "w.key"
    key = VerifierKey.parse(run("keygen", "--name", "court", "--out", str(key_file)))
    assert (key.name, key.algorithm) == ("court", COSIGNATURE_V1)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("PRIVATE+KEY+court+")
    before = key_file.read_bytes()
    assert "never overwritten" in run("keygen", "--name", "court", "--out", str(key_file), code=2)
    assert key_file.read_bytes() == before
    assert "no spaces" in run("keygen", "--name", "a b", "--out", str(tmp_path / "x.key"), code=2)


def test_serve_refuses_bad_keys_and_files_before_listening(tmp_path: Path) -> None:
    key_file, log = tmp_path / "w.key", MemoryLog("accord.test/custody")
    witness_key = run("keygen", "--name", "court", "--out", str(key_file)).strip()
    state = str(tmp_path / "state.db")
    serve = ("serve", "--key", str(key_file), "--state", state, "--port", "0")
    assert "--log: verifier key court: an Ed25519 note key is needed, not a witness's cosignature/v1 key" in run(
        *serve, "--log", witness_key, code=2
    )
    assert "--log: verifier key" in run(*serve, "--log", "nonsense", code=2)
    key_file.chmod(0o644)
    assert "readable by others" in run(*serve, "--log", log.key.text(), code=2)
    key_file.chmod(0o600)
    key_file.write_text(key_file.read_text().replace("+court+", "+judge+"))
    assert "key hash does not match" in run(*serve, "--log", log.key.text(), code=2)
    (tmp_path / "junk.db").write_bytes(b"not sqlite" * 100)
    assert "not a witness state file" in run("evidence", "--state", str(tmp_path / "junk.db"), code=2)


def test_evidence_prints_both_checkpoints(tmp_path: Path) -> None:
    log = MemoryLog("accord.test/custody").grown(8)
    fork = MemoryLog(log.origin, log.private, log.leaves[:5]).grown(8, tag="fork")
    with running_witness(tmp_path, [log.key]) as running:
        assert "no evidence kept" in run("evidence", "--state", str(running.state))
        assert running.post(log.request(0, 8)).status == 200
        assert running.post(fork.request(8, 8)).status == 409
    output = run("evidence", "--state", str(running.state))
    assert "#1 fork of accord.test/custody at " in output
    before, _, presented = output.partition("presented:\n")
    assert log.checkpoint(8) in before and presented == fork.checkpoint(8)

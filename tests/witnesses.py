"""Witnesses for tests: a real `accord witness serve` process on a free loopback port, and a log held in
memory whose signed checkpoints and consistency proofs a test can shape at will (forks, rollbacks)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger.checkpoint import Checkpoint, VerifierKey, sign_checkpoint
from accord.ledger.keys import public_bytes
from accord.ledger.merkle import EMPTY_ROOT, consistency_ranges, leaf_hash, node_hash
from accord.ledger.witness_protocol import ADD_CHECKPOINT_PATH, Reply, format_add_checkpoint, http_post
from accord.witness.keyfile import create_key_file
from accord.witness.state import Evidence, WitnessState

ACCORD = Path(sys.executable).parent / "accord"


@dataclass
class RunningWitness:
    name: str
    url: str
    key: VerifierKey
    state: Path
    process: subprocess.Popen[str]

    def post(self, body: bytes) -> Reply:
        return http_post(self.url + ADD_CHECKPOINT_PATH, body)

    def evidence(self) -> list[Evidence]:
        return WitnessState(self.state).evidence()


@contextmanager
def running_witness(directory: Path, logs: Sequence[VerifierKey], name: str = "auditor") -> Iterator[RunningWitness]:
    """`accord witness serve` with a new key, trusting `logs`, on a port the system picks; stopped on exit."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file, state = directory / f"{name}.key", directory / f"{name}.db"
    key = create_key_file(key_file, name).verifier
    command = [str(ACCORD), "witness", "serve", "--key", str(key_file), "--state", str(state), "--port", "0"]
    for log in logs:
        command += ["--log", log.text()]
    with serving(command, directory / f"{name}.stderr") as (url, process):
        yield RunningWitness(name, url, key, state, process)


@contextmanager
def serving(command: list[str], errors: Path, cwd: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run a server that prints `... listening on URL ...` once it accepts connections; yield the URL and
    the process, and stop it (SIGTERM) on exit. Its stderr goes to `errors`."""
    with errors.open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=cwd)
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r" listening on (\S+)", line)
            if match is None:
                raise RuntimeError(f"{command[0]} did not start: {line}{errors.read_text()}")
            yield match.group(1), process
        finally:
            process.terminate()
            process.wait(timeout=30)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 MTH, straight from its definition (independent of the stored-node code under test)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(tree_hash(leaves[:split]), tree_hash(leaves[split:]))


@dataclass(frozen=True)
class MemoryLog:
    """A log of made-up leaves, signed by its own key, whose origin is the key's name."""

    origin: str
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    leaves: tuple[bytes, ...] = ()

    @property
    def key(self) -> VerifierKey:
        return VerifierKey(self.origin, public_bytes(self.private))

    def grown(self, size: int, tag: str = "") -> MemoryLog:
        """This log with leaves appended up to `size` (another `tag` grows another history)."""
        extra = [leaf_hash(f"{self.origin}/{tag}/{n}".encode()) for n in range(len(self.leaves), size)]
        return replace(self, leaves=(*self.leaves, *extra))

    def checkpoint(self, size: int) -> str:
        checkpoint = Checkpoint(self.origin, size, tree_hash(self.leaves[:size]))
        return sign_checkpoint(checkpoint, self.origin, self.private).text()

    def proof(self, old: int, new: int) -> list[bytes]:
        if old in (0, new) or old > new:  # nothing to prove (or, old > new, nothing that could be proved)
            return []
        return [tree_hash(self.leaves[lo:hi]) for lo, hi in consistency_ranges(old, new)]

    def request(self, old: int, new: int) -> bytes:
        """An honest add-checkpoint body: the checkpoint of `new` with a proof from `old`."""
        return format_add_checkpoint(old, self.proof(old, new), self.checkpoint(new))

"""The property of the issue: any single-byte change anywhere in an export makes verify fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.ledger import export_ledger, submit_checkpoint, verify_export
from accord.ledger.verify import TrustedKeys, VerificationFailed
from tests.hypothesis_budget import examples
from tests.integration.ledger.conftest import World
from tests.witnesses import RunningWitness

FILES = ("checkpoint", "entries.jsonl", "keys.json")


@pytest.fixture
def exported(busy_world: World, witness: RunningWitness) -> Path:
    """An export whose checkpoint a real witness process cosigned."""
    [submitted] = submit_checkpoint(busy_world.engine, busy_world.ledger)
    assert submitted.problem is None
    with busy_world.engine.begin() as conn:
        export_ledger(conn, busy_world.ledger, busy_world.directory / "export")
    return busy_world.directory / "export"


def _verify(directory: Path) -> None:
    keys = TrustedKeys.load(directory / "keys.json")
    verify_export(directory, keys, workers=1)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(FILES), st.integers(min_value=0), st.integers(1, 255))
def test_any_single_byte_change_fails(exported: Path, tmp_path: Path, name: str, position: int, delta: int) -> None:
    copy = tmp_path / f"copy-{name}-{position}-{delta}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(exported, copy)
    data = bytearray((copy / name).read_bytes())
    data[position % len(data)] = (data[position % len(data)] + delta) % 256
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(VerificationFailed):
        _verify(copy)


def test_the_unchanged_export_verifies(exported: Path) -> None:
    _verify(exported)
    assert "\n\u2014 auditor " in (exported / "checkpoint").read_text()

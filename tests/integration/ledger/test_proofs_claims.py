"""The ledger proves what it claims (issue 12): a revocation reaches back from its `revoked_at`, a receipt
says whether it proves the person's latest handover or inclusion only, and hostile JSON is refused with
the verifier's message, never a Python error."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger import (
    Refusal,
    VerificationFailed,
    add_witness,
    make_receipt,
    revoke_custodian_key,
    verify_export,
    verify_receipt,
)
from accord.ledger import repository as repo
from accord.ledger.checkpoint import COSIGNATURE_V1, VerifierKey
from accord.ledger.service import discredited_by_revocation
from accord.ledger.verify import TrustedKeys
from tests.integration.ledger.conftest import T0, World
from tests.integration.ledger.helpers import export

# busy_world: entries 0-4 register the organisations and keys; A-100 is handed to cecot at entry 6
# (T0+5 min), A-200 at entry 8 (T0+15 min) and A-300 at entry 10 (T0+25 min), all with cecot's one key.
A200_TO_CECOT = 8


def revoke_cecot(world: World, minutes: int) -> list[int]:
    revoked_at = T0 + timedelta(minutes=minutes)
    with world.engine.begin() as conn:
        key = repo.DatabaseView(conn, world.ledger.origin).active_key("cecot")
        assert key is not None
        revoke_custodian_key(
            conn, world.ledger, key=key, reason="key stolen", revoked_at=revoked_at, recorded_at=T0 + timedelta(hours=1)
        )
        return discredited_by_revocation(conn, world.ledger, key, revoked_at)


def test_handovers_that_occurred_after_revoked_at_do_not_verify_though_earlier_in_the_log(busy_world: World) -> None:
    assert revoke_cecot(busy_world, 7) == [A200_TO_CECOT, 10]
    directory, keys = export(busy_world)
    with pytest.raises(VerificationFailed, match="which entry 11 revokes from 2025-03-15T12:07:00Z") as caught:
        verify_export(directory, keys, workers=1)
    assert caught.value.index == A200_TO_CECOT
    assert str(caught.value).startswith(f"entry {A200_TO_CECOT}: signed with key")


def test_handovers_before_revoked_at_stay_trusted(busy_world: World) -> None:
    assert revoke_cecot(busy_world, 30) == []
    directory, keys = export(busy_world)
    assert verify_export(directory, keys, workers=1).kinds["key"] == 4


def receipt_of(world: World, person: str) -> tuple[dict[str, object], TrustedKeys]:
    _, keys = export(world)
    with world.engine.begin() as conn:
        return json.loads(make_receipt(conn, world.ledger, person)), keys


def test_a_receipt_proves_the_latest_handover_at_its_checkpoint(busy_world: World) -> None:
    receipt, keys = receipt_of(busy_world, "A-100")  # A-100's last handover (entry 6) is not the log's last
    report = verify_receipt(json.dumps(receipt).encode(), keys)
    assert (report.current, report.last_to, report.size, report.handovers) == (True, "cecot", 7, 2)


def test_a_receipt_with_its_last_handover_cut_off_proves_inclusion_only(busy_world: World) -> None:
    receipt, keys = receipt_of(busy_world, "A-200")
    handovers = receipt["handovers"]
    assert isinstance(handovers, list)
    receipt["handovers"] = handovers[:-1]
    report = verify_receipt(json.dumps(receipt).encode(), keys)
    assert (report.current, report.last_to, report.size) == (False, "ice-air", A200_TO_CECOT + 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("checkpoint", 5, "checkpoint: must be the text of a signed checkpoint"),
        ("handovers", {"index": 1}, "handovers: must be a list"),
        ("handovers", [[1, 2]], "handovers[0]: must be {index: integer, entry: base64, proof: [base64]}"),
        ("keys", [{"index": True, "entry": "", "proof": []}], "keys[0]: must be"),
        ("handovers", json.loads("[" * 40 + "]" * 40), "nested more than 32 levels deep"),
    ],
)
def test_a_malformed_receipt_is_a_verification_failure(
    busy_world: World, field: str, value: object, message: str
) -> None:
    receipt, keys = receipt_of(busy_world, "A-100")
    receipt[field] = value
    with pytest.raises(VerificationFailed, match="receipt: ") as caught:
        verify_receipt(json.dumps(receipt).encode(), keys)
    assert message in str(caught.value)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_in_an_export_is_refused_with_the_verifier_s_message(busy_world: World) -> None:
    directory, keys = export(busy_world)
    entries = directory / "entries.jsonl"
    lines = entries.read_text().splitlines(keepends=True)
    entries.write_text("".join([lines[0], f'{{"entry":{nested(100_000)},"index":1}}\n', *lines[2:]]))
    with pytest.raises(VerificationFailed, match=r"entries.jsonl line 2 \(entry 1\): nested more than 32"):
        verify_export(directory, keys, workers=1)
    deep_statement = b'{"kind":"org","signatures":{},"statement":' + nested(5000).encode() + b"}"
    entries.write_text("".join([lines[0], _line(1, deep_statement), *lines[2:]]))
    with pytest.raises(VerificationFailed, match=r"entry 1: nested more than 32"):
        verify_export(directory, keys, workers=1)


def _line(index: int, data: bytes) -> str:
    return json.dumps({"entry": base64.b64encode(data).decode(), "index": index}, separators=(",", ":")) + "\n"


def test_deep_json_in_keys_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text('{"ledger":' + nested(10_000) + "}")
    with pytest.raises(VerificationFailed, match=r"keys\.json: nested more than 32 levels deep"):
        TrustedKeys.load(path)


@pytest.mark.parametrize("name", ["w" * 129, "bad name", "-w", "w\x00"])
def test_a_witness_name_is_an_identifier_on_both_databases(world: World, name: str) -> None:
    key = VerifierKey("w", Ed25519PrivateKey.generate().public_key().public_bytes_raw(), COSIGNATURE_V1)
    with pytest.raises(Refusal, match="must be an identifier"), world.engine.begin() as conn:
        add_witness(conn, world.ledger, name=name, url="http://127.0.0.1:1", key=key)

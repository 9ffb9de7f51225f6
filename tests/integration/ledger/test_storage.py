"""Storage: proofs from stored subtree hashes, atomic appends, gap-free indices, custody queries."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from accord.ledger import (
    Keyring,
    add_custodian_key,
    consistency_proof,
    custody_periods,
    inclusion_proof,
    init_ledger,
    open_ledger,
    record_handover,
    register_organisation,
    where,
)
from accord.ledger import repository as repo
from accord.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from tests.integration.ledger.conftest import HOME, T0, World


def test_every_inclusion_and_consistency_proof_verifies(busy_world: World) -> None:
    origin = busy_world.ledger.origin
    with busy_world.engine.connect() as conn:
        size = repo.read_head(conn, origin).size
        entries = dict(repo.entry_rows(conn, origin))
        roots = {n: repo.root_at(conn, origin, n) for n in range(1, size + 1)}
        assert roots[size] == repo.read_head(conn, origin).frontier.root()
        for index in range(size):
            proof = inclusion_proof(conn, origin, index, size)
            verify_inclusion(index, size, leaf_hash(entries[index]), proof, roots[size])
        for old in range(1, size + 1):
            verify_consistency(old, size, consistency_proof(conn, origin, old, size), roots[old], roots[size])


def test_append_rolls_back_with_the_business_transaction(busy_world: World) -> None:
    origin = busy_world.ledger.origin
    with busy_world.engine.connect() as conn:
        before = repo.read_head(conn, origin).size
    with pytest.raises(RuntimeError), busy_world.engine.begin() as conn:
        record_handover(
            conn, busy_world.ledger, person_id="B-1", from_custodian="ice-air", to_custodian="cecot",
            place="X", occurred_at=T0, recorded_at=T0, legal_basis="d", home_country=HOME,
        )  # fmt: skip
        raise RuntimeError("the boarding failed after the handover was appended")
    with busy_world.engine.connect() as conn:
        assert repo.read_head(conn, origin).size == before
        assert where(conn, busy_world.ledger, "B-1") is None


def test_where_and_custody_periods(busy_world: World) -> None:
    with busy_world.engine.connect() as conn:
        assert where(conn, busy_world.ledger, "A-200", T0) is None
        first = where(conn, busy_world.ledger, "A-200", T0 + timedelta(minutes=12))
        now = where(conn, busy_world.ledger, "A-200")
        periods = custody_periods(conn, busy_world.ledger, "A-200")
    assert first is not None and first.custodian == "ice-air" and first.received_from == "ice-houston"
    assert now is not None and now.custodian == "cecot" and now.since == T0 + timedelta(minutes=15)
    assert [(p.custodian, p.intake, p.release) for p in periods] == [
        ("ice-air", T0 + timedelta(minutes=10), T0 + timedelta(minutes=15)),
        ("cecot", T0 + timedelta(minutes=15), None),
    ]


def test_the_log_holds_no_person_identifier(busy_world: World) -> None:
    with busy_world.engine.connect() as conn:
        blob = b"".join(data for _i, data in repo.entry_rows(conn, busy_world.ledger.origin))
    assert b"A-100" not in blob and busy_world.ledger.commitment("A-100").encode() in blob


def test_concurrent_appends_get_gap_free_indices(postgres_url: str, tmp_path: Path) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    keyring = Keyring.load(tmp_path / "keyring.json")
    with engine.begin() as conn:
        ledger = init_ledger(conn, keyring, "accord.test/concurrent")
        register_organisation(conn, ledger, org="o", name="O", country=HOME, recorded_at=T0)
        add_custodian_key(conn, ledger, org="o", custodian="a", recorded_at=T0)
        add_custodian_key(conn, ledger, org="o", custodian="b", recorded_at=T0)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for step in range(10):
                with engine.begin() as conn:
                    record_handover(
                        conn, open_ledger(conn, keyring), person_id=f"P-{number}-{step}", from_custodian="a",
                        to_custodian="b", place="X", occurred_at=T0, recorded_at=T0, legal_basis="d",
                        home_country=HOME,
                    )  # fmt: skip
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as conn:
        indices = [i for i, _d in repo.entry_rows(conn, "accord.test/concurrent")]
        assert indices == list(range(43))
        assert repo.read_head(conn, "accord.test/concurrent").frontier.root() == repo.root_at(
            conn, "accord.test/concurrent", 43
        )
    engine.dispose()

"""Custody ledger benchmarks: co-signed appends on SQLite against raw inserts of the same bytes, inclusion
proofs at a large tree size, and the offline verifier (extrapolated to one million entries)."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import BigInteger, Column, Engine, LargeBinary, MetaData, Table, insert

from accord.ledger import Keyring, add_custodian_key, init_ledger, record_handover, register_organisation
from accord.ledger import repository as repo
from accord.ledger.export import export_ledger, trusted_keys
from accord.ledger.merkle import CompactRange, leaf_hash, verify_inclusion
from accord.ledger.service import Ledger, custodian_key_name, inclusion_proof, open_ledger
from accord.ledger.statements import HandoverStatement, Party, encode_entry, signing_message, statement_bytes
from accord.ledger.verify import verify_export
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.tables_ledger import ledger_head, ledger_node

T0 = datetime(2025, 3, 15, 12, tzinfo=UTC)


def _ledger(directory: Path, name: str) -> tuple[Engine, Ledger, str, str]:
    engine = make_engine(f"sqlite:///{directory / name}")
    upgrade(engine)
    with engine.begin() as conn:
        ledger = init_ledger(conn, Keyring.load(directory / f"{name}.keys"), "bench/custody")
        register_organisation(conn, ledger, org="o", name="O", recorded_at=T0)
        a = add_custodian_key(conn, ledger, org="o", custodian="a", recorded_at=T0)
        b = add_custodian_key(conn, ledger, org="o", custodian="b", recorded_at=T0)
    return engine, ledger, a, b


def _signed_handovers(ledger: Ledger, a: str, b: str, count: int) -> list[bytes]:
    """`count` co-signed first handovers of distinct people, as the custodians' nodes would send them."""
    entries = []
    for n in range(count):
        t = T0 + timedelta(seconds=n)
        statement = HandoverStatement(
            "bench/custody", f"e{n}", t, ledger.commitment(f"P{n}"), None, Party("a", a), Party("b", b), "KIAH", t, "d"
        )
        message = signing_message("handover", statement_bytes(statement))
        signatures = {
            "from": ledger.keyring.sign(custodian_key_name(a), message),
            "to": ledger.keyring.sign(custodian_key_name(b), message),
        }
        entries.append(encode_entry(statement, signatures))
    return entries


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def bench_appends(directory: Path, count: int) -> Engine:
    engine, ledger, a, b = _ledger(directory, "append.db")
    entries = _signed_handovers(ledger, a, b, count)
    raw = Table("raw_append", MetaData(), Column("idx", BigInteger, primary_key=True), Column("data", LargeBinary))
    raw.create(engine)
    start = time.perf_counter()
    for index, data in enumerate(entries):
        with engine.begin() as conn:
            conn.execute(insert(raw).values(idx=index, data=data))
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    for data in entries:
        with engine.begin() as conn:
            repo.append_entry(conn, ledger.origin, data)
    ledgered = time.perf_counter() - start
    print(f"appends, one transaction each ({count:,} co-signed handovers, signatures verified on append):")
    print(f"  raw insert of the same bytes  {_rate(count, baseline):>10}")
    print(f"  ledger append_entry           {_rate(count, ledgered):>10}   ratio {ledgered / baseline:.1f}x")
    start = time.perf_counter()
    with engine.begin() as conn:
        for n in range(count // 4):
            record_handover(
                conn, ledger, person_id=f"Q{n}", from_custodian="a", to_custodian="b", place="KIAH",
                occurred_at=T0, recorded_at=T0, legal_basis="d",
            )  # fmt: skip
    signing = time.perf_counter() - start
    print(f"  record_handover (signs both)  {_rate(count // 4, signing):>10}   one transaction, single node")
    return engine


def bench_proofs(directory: Path, size: int) -> None:
    """Proof generation reads only the node table and the head, so a tree of synthetic leaves is enough."""
    engine = make_engine(f"sqlite:///{directory / 'proofs.db'}")
    upgrade(engine)
    tree, rows = CompactRange(), []
    start = time.perf_counter()
    with engine.begin() as conn:
        for n in range(size):
            for (level, idx), value in tree.append(leaf_hash(n.to_bytes(8, "big"))):
                rows.append({"ledger": "big", "level": level, "idx": idx, "hash": value})
            if len(rows) > 50_000:
                conn.execute(insert(ledger_node), rows)
                rows = []
        conn.execute(insert(ledger_node), rows)
        conn.execute(insert(ledger_head).values(ledger="big", size=size, frontier=tree.to_bytes(), log_key=bytes(32)))
    print(f"tree of {size:,} synthetic leaves built in {time.perf_counter() - start:.1f}s")
    root, samples = tree.root(), random.Random(7).sample(range(size), 500)
    proofs = []
    with engine.connect() as conn:
        start = time.perf_counter()
        for index in samples:
            proofs.append(inclusion_proof(conn, "big", index, size))
        generate = (time.perf_counter() - start) / len(samples)
    start = time.perf_counter()
    for index, proof in zip(samples, proofs, strict=True):
        verify_inclusion(index, size, leaf_hash(index.to_bytes(8, "big")), proof, root)
    check = (time.perf_counter() - start) / len(samples)
    print(f"  inclusion proof from the database  {generate * 1e3:.3f} ms   (target < 2 ms)")
    print(f"  verifying it                       {check * 1e3:.4f} ms  (target < 0.1 ms)")
    engine.dispose()


def bench_verify(directory: Path, engine: Engine) -> None:
    with engine.begin() as conn:
        ledger = repo.ledger_ids(conn)[0]
        opened = open_ledger(conn, Keyring.load(directory / "append.db.keys"), ledger)
        size = export_ledger(conn, opened, directory / "export")
        keys = trusted_keys(conn, opened)
    start = time.perf_counter()
    verify_export(directory / "export", keys)
    seconds = time.perf_counter() - start
    million = seconds / size * 1_000_000
    print(f"verify over {size:,} entries: {seconds:.1f}s = {_rate(size, seconds)};")
    print(f"  extrapolated linearly to 1,000,000 entries: {million / 60:.1f} min (target < 5 min)")


def main(quick: bool) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        engine = bench_appends(directory, 400 if quick else 4_000)
        bench_verify(directory, engine)
        engine.dispose()
        bench_proofs(directory, 20_000 if quick else 1_000_000)

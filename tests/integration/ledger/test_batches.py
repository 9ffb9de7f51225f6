"""Batched appends check every entry as single appends do, against the log and the batch's earlier entries,
write all or nothing, and store exactly the rows that single appends store (as does the benchmark's bulk
loader, which builds large logs without re-checking)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from bench.bench_ledger import bulk_append
from sqlalchemy import Connection, Engine, select

from accord.ledger import Handover, Refusal, export_ledger, record_handovers, trusted_keys, verify_export
from accord.ledger import repository as repo
from accord.ledger.keys import key_id
from accord.ledger.service import custodian_key_name, org_key_name
from accord.ledger.statements import HandoverStatement, KeyStatement, Party, decode_entry
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.tables_ledger import ledger_entry, ledger_head, ledger_key, ledger_node, ledger_org
from tests.integration.ledger.conftest import HOME, ORIGIN, T0, World
from tests.integration.ledger.helpers import next_handover, sign

Rows = dict[str, list[tuple[object, ...]]]
SET_UP = 5  # entries before the first handover in `world`: two organisations, three keys


def stored(engine: Engine) -> Rows:
    """Every row the ledger writes on append, in key order."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in (ledger_entry, ledger_node, ledger_head, ledger_key, ledger_org)
        }


def handover(person: str, sender: str, receiver: str, minutes: int) -> Handover:
    return Handover(person, sender, receiver, "KIAH", T0.replace(minute=minutes), T0, "decision-1")


def last_entry(world: World) -> bytes:
    with world.engine.connect() as conn:
        return repo.entry_at(conn, ORIGIN, repo.read_head(conn, ORIGIN).size - 1)


def test_a_batch_chains_a_person_through_it_and_the_export_verifies(busy_world: World) -> None:
    batch = [
        handover("A-300", "cecot", "ice-air", 40),  # continues the chain stored before the batch
        handover("B-1", "ice-houston", "ice-air", 41),
        handover("B-1", "ice-air", "cecot", 42),  # continues the chain begun earlier in this batch
    ]
    with busy_world.engine.begin() as conn:
        indices = record_handovers(conn, busy_world.ledger, batch, HOME)
        export_ledger(conn, busy_world.ledger, busy_world.directory / "export")
        keys = trusted_keys(conn, busy_world.ledger)
    assert indices == [11, 12, 13]
    verify_export(busy_world.directory / "export", keys, workers=1)


def test_one_bad_entry_refuses_the_whole_batch(busy_world: World) -> None:
    before = stored(busy_world.engine)
    batch = [handover("B-1", "ice-houston", "ice-air", 41), handover("B-1", "ice-houston", "cecot", 42)]
    with pytest.raises(Refusal, match="custody break"), busy_world.engine.begin() as conn:
        record_handovers(conn, busy_world.ledger, batch, HOME)
    assert stored(busy_world.engine) == before


def test_a_replay_inside_a_batch_is_refused(busy_world: World) -> None:
    again = next_handover(busy_world, last_entry(busy_world), "replayed")
    with pytest.raises(Refusal, match="already used by entry"), busy_world.engine.begin() as conn:
        repo.append_entries(conn, ORIGIN, [again, next_handover(busy_world, again, "replayed")])


def _rotation_and_handover(world: World, to_new_key: bool) -> list[bytes]:
    """A batch: rotate ice-air's key, then cecot hands A-300 back to ice-air, whose signature is by the
    new key or the old (now rotated) one."""
    with world.engine.connect() as conn:
        old = repo.DatabaseView(conn, ORIGIN).active_key("ice-air")
    assert old is not None
    public = world.ledger.keyring.generate_named(lambda key: custodian_key_name(key_id(key)))
    rotation = KeyStatement(ORIGIN, "rotate-1", T0, "us-dhs", "ice-air", "rotate", key_id(public), public, old)
    back = decode_entry(next_handover(world, last_entry(world), "after-rotation")).statement
    assert isinstance(back, HandoverStatement)
    receiver = Party("ice-air", key_id(public) if to_new_key else old)
    back = replace(back, receiver=receiver)
    signers = {"from": custodian_key_name(back.sender.key_id), "to": custodian_key_name(receiver.key_id)}
    return [sign(world, rotation, {"root": org_key_name("us-dhs")}), sign(world, back, signers)]


def test_a_key_rotated_earlier_in_the_batch_no_longer_signs(busy_world: World) -> None:
    before = stored(busy_world.engine)
    with pytest.raises(Refusal, match="rotated earlier in the log"), busy_world.engine.begin() as conn:
        repo.append_entries(conn, ORIGIN, _rotation_and_handover(busy_world, to_new_key=False))
    assert stored(busy_world.engine) == before


def test_a_key_added_earlier_in_the_batch_signs(busy_world: World) -> None:
    with busy_world.engine.begin() as conn:
        assert repo.append_entries(conn, ORIGIN, _rotation_and_handover(busy_world, to_new_key=True)) == [11, 12]
        assert [row.ended for row in conn.execute(select(ledger_key.c.ended).order_by(ledger_key.c.added_idx))] == [
            None, "rotated", None, None,
        ]  # fmt: skip


def _each(conn: Connection, entries: list[bytes]) -> None:
    for data in entries:
        repo.append_entry(conn, ORIGIN, data)


def _batch(conn: Connection, entries: list[bytes]) -> None:
    repo.append_entries(conn, ORIGIN, entries)


def _bulk(conn: Connection, entries: list[bytes]) -> None:
    """The set-up entries appended for real (they derive the key state), the handovers bulk-written."""
    repo.append_entries(conn, ORIGIN, entries[:SET_UP])
    bulk_append(conn, ORIGIN, [decode_entry(data) for data in entries[SET_UP:]])


@pytest.mark.parametrize("write", [_each, _batch, _bulk])
def test_every_way_of_appending_stores_the_same_rows(
    busy_world: World, tmp_path: Path, write: Callable[[Connection, list[bytes]], None]
) -> None:
    with busy_world.engine.connect() as conn:
        entries = [data for _index, data in repo.entry_rows(conn, ORIGIN)]
    engine = make_engine(f"sqlite:///{tmp_path / 'replica.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        repo.create_head(conn, ORIGIN, busy_world.ledger.log_verifier_key().public_key)
        write(conn, entries)
    assert stored(engine) == stored(busy_world.engine)
    engine.dispose()


@pytest.mark.parametrize("size", [7, 10])
def test_a_bad_signature_is_the_first_refusal_of_its_batch(busy_world: World, size: int) -> None:
    """Entry 6's signatures no longer verify; with 10 entries, entry 7 then also breaks the custody chain
    (its `previous` names the unaltered entry 6), but entry 6 is the one named."""
    chain = [last_entry(busy_world)]
    for n in range(size):
        chain.append(next_handover(busy_world, chain[-1], f"move-{n}"))
    batch = chain[1:]
    batch[6] = batch[6].replace(b'"place":"KIAH"', b'"place":"KIAX"')
    with pytest.raises(Refusal, match=r"signatures\.from: does not verify"), busy_world.engine.begin() as conn:
        repo.append_entries(conn, ORIGIN, batch)

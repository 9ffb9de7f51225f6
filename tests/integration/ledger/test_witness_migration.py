"""Revision 0004 on each database: a witness registered when witnesses cosigned in-process keeps its row
(its past cosignatures still verify) with an empty URL, and submitting to it is refused by name."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import insert, select

from accord.ledger import Keyring, init_ledger, open_ledger, submit_checkpoint
from accord.store.engine import make_engine
from accord.store.migrate import alembic_config, import_all_tables, upgrade
from accord.store.tables_ledger import ledger_witness


def test_a_witness_of_before_keeps_its_row_and_is_refused_by_name(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    import_all_tables()
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0003")
    keyring = Keyring.load(tmp_path / "keyring.json")
    with engine.begin() as conn:
        ledger = init_ledger(conn, keyring, "accord.test/custody")
        # The row as 0003 knew it (no url column): only the columns named here are inserted.
        conn.execute(insert(ledger_witness).values(ledger=ledger.origin, name="old", public_key=bytes(32)))
    upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(select(ledger_witness.c.name, ledger_witness.c.url)).one() == ("old", "")
        ledger = open_ledger(conn, keyring)
    [result] = submit_checkpoint(engine, ledger)
    assert result.problem is not None and "registered without a URL" in result.problem
    engine.dispose()

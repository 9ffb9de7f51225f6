"""Append-only storage: no-op re-imports, superseding versions, retractions, and the world as known at K."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from accord.store import NothingStored, UnitOfWork, import_document, load_world, summary
from accord.store.tables_world import WORLD_TABLES, imports, persons
from accord.world import WorldDocument, load_world_text

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
MAR = datetime(2026, 3, 1, tzinfo=UTC)


def world(persons_yaml: str, extra: str = "") -> WorldDocument:
    text = f"""format: accord.world/1
world:
  sending_state: USA
  facilities:
    - {{id: F1, country: SLV, kind: prison, timezone: America/El_Salvador}}
  agreements:
    - id: A1
      sending: USA
      receiving: SLV
      facility: F1
      versions:
        - {{from: 2025-03-14, status: in_force, fee: {{amount: "20000.00", currency: USD, per: year,
            proration: actual_365}}}}
  persons:
{persons_yaml}
{extra}"""
    return load_world_text(text, "test.yaml")


P1 = """    - id: P1
      status: undocumented
      nationalities: [SLV]
      orders: [{basis: title8, issued: 2019-10-10}]
      protections: [{kind: withholding_241b3, country: SLV, granted: 2019-10-10}]"""
P1_CORRECTED = """    - id: P1
      status: lpr
      nationalities: [SLV, VEN]
      orders: [{basis: title8, issued: 2019-10-10}]"""
P2 = """    - {id: P2, status: citizen, nationalities: [USA]}"""


def row_counts(connection: Connection) -> dict[str, int]:
    return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in WORLD_TABLES}


def test_reimporting_the_same_file_adds_no_rows(engine: Engine) -> None:
    document = world(P1)
    with engine.begin() as connection:
        first = import_document(connection, document, now=JAN, source="w.yaml")
        before = row_counts(connection)
        second = import_document(connection, document, now=FEB, source="w.yaml")
        assert first.changed and first.tables["persons"].added == 1
        assert not second.changed and second.import_id is None
        assert second.tables["persons"].unchanged == 1
        assert row_counts(connection) == before


def test_a_changed_record_supersedes_and_the_old_one_stays_readable(engine: Engine) -> None:
    with engine.begin() as connection:
        import_document(connection, world(P1), now=JAN, source="v1.yaml")
        report = import_document(connection, world(P1_CORRECTED), now=FEB, source="v2.yaml")
        assert report.tables["persons"].superseded == 1
        assert report.tables["person_orders"].unchanged == 1
        assert report.tables["person_protections"].retracted == 1

        rows = connection.execute(select(persons).order_by(persons.c.row_id)).all()
        assert [(r.status, r.superseded_at, r.supersedes) for r in rows] == [
            ("undocumented", FEB, None),
            ("lpr", None, rows[0].row_id),
        ]
        now = load_world(connection).person_by_id["P1"]
        then = load_world(connection, known_at=JAN).person_by_id["P1"]
    assert (now.status, now.nationalities, now.protections) == ("lpr", ("SLV", "VEN"), ())
    assert (then.status, len(then.protections)) == ("undocumented", 1)


def test_a_record_is_unknown_before_its_recorded_at(engine: Engine) -> None:
    extra = """  court_orders:
    - {id: CO1, binding_from: 2025-03-15T18:45:00-04:00, effect: bar_removal, scope: {nationalities: [VEN]},
       recorded_at: 2026-01-20T12:00:00+01:00}"""
    with engine.begin() as connection:
        import_document(connection, world(P1, extra), now=FEB, source="w.yaml")
        assert load_world(connection, known_at=datetime(2026, 1, 20, 10, 59, tzinfo=UTC)).court_orders == ()
        assert load_world(connection, known_at=datetime(2026, 1, 20, 11, 0, tzinfo=UTC)).court_orders[0].id == "CO1"
        # Records without their own recorded_at keep their file's meaning: known for every known_at, as
        # `accord decide FILE` reads them (docs/integrity.md); the import's own instant is kept apart.
        assert [p.id for p in load_world(connection, known_at=datetime(1999, 1, 1, tzinfo=UTC)).persons] == ["P1"]
        assert connection.execute(select(imports.c.imported_at)).scalar_one() == FEB


def test_a_replaced_record_is_known_from_the_import_that_replaced_it(engine: Engine) -> None:
    with engine.begin() as connection:
        import_document(connection, world(P1), now=JAN, source="v1.yaml")
        import_document(connection, world(P1_CORRECTED), now=FEB, source="v2.yaml")
        before, after = (load_world(connection, known_at=t).persons[0] for t in (JAN, FEB))
    assert (before.status, after.status) == ("undocumented", "lpr")  # first version: known from the start


def test_importing_another_file_keeps_records_it_does_not_mention(engine: Engine) -> None:
    with engine.begin() as connection:
        import_document(connection, world(P1), now=JAN, source="a.yaml")
        import_document(connection, world(P2), now=FEB, source="b.yaml")
        assert [p.id for p in load_world(connection).persons] == ["P1", "P2"]


def test_custody_of_an_imported_agreement_is_replaced(engine: Engine) -> None:
    held = """  custody:
    - {person: P1, agreement: A1, intake: 2025-03-16}
    - {count: 10, agreement: A1, intake: 2025-03-16}"""
    released = """  custody:
    - {person: P1, agreement: A1, intake: 2025-03-16, release: 2025-06-06}"""
    with engine.begin() as connection:
        import_document(connection, world(P1, held), now=JAN, source="a.yaml")
        report = import_document(connection, world(P1, released), now=FEB, source="b.yaml")
        assert (report.tables["custody"].superseded, report.tables["custody"].retracted) == (1, 1)
        assert [c.release for c in load_world(connection).custody] == [datetime(2025, 6, 6).date()]
        assert len(load_world(connection, known_at=JAN).custody) == 2


def test_one_current_row_per_key_is_enforced_by_the_database(engine: Engine) -> None:
    with engine.begin() as connection:
        import_document(connection, world(P1), now=JAN, source="a.yaml")
    row = {
        "id": "P1",
        "status": "lpr",
        "nationalities": "",
        "body": "{}",
        "digest": "x",
        "seq": 9,
        "recorded_at": FEB,
        "import_id": 1,
    }
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(persons).values(**row))


def test_uncommitted_unit_of_work_stores_nothing(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        import_document(uow.connection, world(P1), now=JAN, source="a.yaml")
    with UnitOfWork(engine) as uow:
        with pytest.raises(NothingStored):
            load_world(uow.connection)
        import_document(uow.connection, world(P1), now=JAN, source="a.yaml")
        uow.commit()
    with engine.connect() as connection:
        assert [p.id for p in load_world(connection).persons] == ["P1"]


def test_summary_counts_people_by_nationality_and_status(engine: Engine) -> None:
    with engine.begin() as connection:
        import_document(connection, world(P1_CORRECTED + "\n" + P2), now=JAN, source="a.yaml")
        result = summary(connection)
    assert result.people == {("SLV", "lpr"): 1, ("USA", "citizen"): 1, ("VEN", "lpr"): 1}
    assert result.persons == 2
    assert [(a.id, a.versions, a.latest_status) for a in result.agreements] == [("A1", 1, "in_force")]
    assert [f.id for f in result.facilities] == ["F1"]

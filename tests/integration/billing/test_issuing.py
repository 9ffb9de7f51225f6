"""Issuing and adjusting invoices against real databases (SQLite file and PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import Engine, func, select

from accord.billing.errors import BillingError
from accord.billing.issuing import Facts, adjust, issue
from accord.billing.months import Month
from accord.billing.preview import bill
from accord.billing.repository import documents_for, find_document
from accord.store import UnitOfWork, upgrade
from accord.store.engine import make_engine
from accord.store.tables_billing import billing_documents, billing_lines
from tests.unit.billing.worlds import fee, held, version, world

NOW = datetime(2025, 8, 1, 12, 0, tzinfo=UTC)
JULY = Month(2025, 7)
VERSIONS = [version("2025-03-14", fee())]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    upgrade(made)
    yield made
    made.dispose()


def facts(*custody: dict[str, str]) -> Facts:
    return Facts(world(VERSIONS, list(custody)))


def count(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        documents = conn.execute(select(func.count()).select_from(billing_documents)).scalar_one()
        lines = conn.execute(select(func.count()).select_from(billing_lines)).scalar_one()
    return documents, lines


def test_issue_freezes_number_versions_and_hash(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        result = issue(uow.connection, facts(held("P1", "2025-03-16", "2025-07-18")), "A", JULY, NOW)
        uow.commit()
    assert result.created
    with UnitOfWork(engine) as uow:
        stored = find_document(uow.connection, "INV-A-2025-07")
    assert stored == result.document
    assert stored is not None and stored.verifies()
    assert (stored.kind, stored.total, stored.agreement_versions) == ("invoice", 93151, ("2025-03-14",))
    assert stored.rule_version == "accord-fees/1" and stored.issued_at == NOW


def test_issuing_again_on_unchanged_facts_returns_the_first_invoice(engine: Engine) -> None:
    same = facts(held("P1", "2025-03-16", "2025-07-18"))
    with UnitOfWork(engine) as uow:
        first = issue(uow.connection, same, "A", JULY, NOW)
        again = issue(uow.connection, same, "A", JULY, NOW.replace(hour=13))
        uow.commit()
    assert not again.created and again.document == first.document
    assert count(engine) == (1, 1)


def test_changed_facts_are_refused_by_issue_and_corrected_by_a_credit_note(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        issue(uow.connection, facts(held("P1", "2025-03-16", "2025-07-18")), "A", JULY, NOW)
        uow.commit()
    late = facts(held("P1", "2025-03-16", "2025-07-10"), held("P2", "2025-07-28"))
    with UnitOfWork(engine) as uow, pytest.raises(BillingError, match="already issued as INV-A-2025-07"):
        issue(uow.connection, late, "A", JULY, NOW)
    with UnitOfWork(engine) as uow:
        note = adjust(uow.connection, late, "A", JULY, "release of P1 recorded late; P2 intake", NOW)
        uow.commit()
    assert note is not None
    assert note.references == "INV-A-2025-07" and note.number == "CN-A-2025-07-1" and note.kind == "credit_note"
    assert [(line.person, line.days, line.amount) for line in note.lines] == [("P1", -8, -43836), ("P2", 4, 21918)]
    # original + note == a fresh invoice on the corrected facts, and the original is untouched
    fresh = bill(late.world, "A", "2025-07", "2025-07")
    with UnitOfWork(engine) as uow:
        stored = documents_for(uow.connection, "A", JULY)
        assert adjust(uow.connection, late, "A", JULY, "replay", NOW) is None
    assert stored[0].total == 93151 and stored[0].verifies()
    assert sum(d.total for d in stored) == fresh.total


def test_a_debit_note_when_the_month_grows(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        issue(uow.connection, facts(held("P1", "2025-07-10", "2025-07-20")), "A", JULY, NOW)
        note = adjust(uow.connection, facts(held("P1", "2025-07-05", "2025-07-20")), "A", JULY, "intake", NOW)
        uow.commit()
    assert note is not None and note.kind == "debit_note" and note.number == "DN-A-2025-07-1" and note.total > 0


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda c: issue(c, facts(), "NOPE", JULY, NOW), "no agreement with id 'NOPE'"),
        (lambda c: issue(c, facts(), "A", Month(2025, 1), NOW), "no version of agreement A covers"),
        (lambda c: adjust(c, facts(), "A", JULY, "why", NOW), "has not been issued"),
        (lambda c: adjust(c, facts(), "A", JULY, "  ", NOW), "must say why"),
    ],
)
def test_refusals_store_nothing(engine: Engine, action, message) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow, pytest.raises(BillingError, match=message):
        action(uow.connection)
    assert count(engine) == (0, 0)


def test_a_currency_change_after_issue_is_refused(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        issue(uow.connection, facts(held("P1", "2025-07-01")), "A", JULY, NOW)
        uow.commit()
    euros = Facts(world([version("2025-03-14", fee(currency="EUR"))], [held("P1", "2025-07-01")]))
    with UnitOfWork(engine) as uow, pytest.raises(BillingError, match="currency mismatch"):
        adjust(uow.connection, euros, "A", JULY, "currency", NOW)
    assert count(engine) == (1, 1)


def test_a_flight_line_is_rounded_once_and_its_document_shows_quantity_and_unit_rate(engine: Engine) -> None:
    """The issue's example: 8 h 25 min of block time at 8,600.00 an hour is 72,383.33, stored exactly
    (hours 101/12, unit rate 8600) and shown on the PDF as "8 h 25 min" at "8600.00 per h"."""
    import pypdfium2 as pdfium

    from accord.billing.flown import FlownLeg, charged_legs
    from accord.billing.pdf import document_pdf
    from accord.billing.preview import schedule_for

    rate = {"amount": "8600.00", "currency": "USD"}
    flying = world([version("2025-03-14", fee(), flight_hour_rate=rate)], [held("P1", "2025-07-01", "2025-07-05")])
    departed = datetime(2025, 7, 2, 14, 0, tzinfo=UTC)
    flown = FlownLeg("GXA-2", 1, 1, "USA", "A", departed, departed + timedelta(hours=8, minutes=25))
    flights = charged_legs([flown], schedule_for(flying, "A"))
    with UnitOfWork(engine) as uow:
        issued = issue(uow.connection, Facts(flying, flights=flights), "A", JULY, NOW)
        uow.commit()
    with engine.connect() as conn:
        stored = find_document(conn, issued.document.number)
    assert stored is not None and stored.lines_hash == issued.document.lines_hash
    [line] = [x for x in stored.lines if x.kind == "flight"]
    assert (line.hours, line.unit_rate, line.amount) == (Fraction(101, 12), Fraction(8600), 7_238_333)
    pdf = pdfium.PdfDocument(document_pdf(stored))
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    for shown in ("Quantity", "Unit rate", "Flight GXA-2 on 2025-07-02", "8 h 25 min", "8600.00 per h", "72383.33"):
        assert shown in text, shown
    assert "4 days" in text  # a custody line's quantity

"""Record invariants: codes, intervals, money, custody shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from accord.domain import CourtOrder, CustodyRecord, FearClaim, Fee, Person, Stay, World
from accord.domain.money import format_amount, round_money


def test_country_and_language_codes_are_iso() -> None:
    Person(id="P1", status="undocumented", nationalities=("VEN",), languages=("spa",))
    with pytest.raises(ValidationError, match="ISO 3166-1"):
        Person(id="P1", status="undocumented", nationalities=("VE",))
    with pytest.raises(ValidationError, match="ISO 639-3"):
        Person(id="P1", status="undocumented", languages=("es",))


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Person.model_validate({"id": "P1", "status": "lpr", "nickname": "x"})


def test_intervals_end_after_they_start() -> None:
    with pytest.raises(ValidationError, match="after"):
        Stay.model_validate(
            {"kind": "judicial", "from": "2025-06-02T14:10:00-04:00", "until": "2025-06-02T14:10:00-04:00"}
        )
    with pytest.raises(ValidationError, match="after binding_from"):
        CourtOrder.model_validate(
            {
                "id": "O",
                "binding_from": "2025-03-15T18:45:00-04:00",
                "until": "2025-03-15T18:00:00-04:00",
                "effect": "bar_removal",
                "scope": {},
            }
        )


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValidationError, match="offset"):
        Stay.model_validate({"kind": "judicial", "from": "2025-06-02T14:10:00"})


def test_a_decided_fear_claim_needs_its_decision_instant() -> None:
    with pytest.raises(ValidationError, match="decided"):
        FearClaim.model_validate({"country": "SLV", "stated": "2025-07-13T10:00:00-04:00", "outcome": "negative"})


def test_custody_names_a_person_or_a_count() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        CustodyRecord.model_validate({"agreement": "A", "intake": "2025-03-16"})
    assert CustodyRecord.model_validate({"agreement": "A", "intake": "2025-03-16", "count": 3}).headcount == 3


def test_money_is_decimal_never_float() -> None:
    fee = Fee.model_validate({"amount": "20000.00", "currency": "USD", "per": "year", "proration": "actual_365"})
    assert fee.amount == Decimal("20000.00")
    with pytest.raises(ValidationError, match="float"):
        Fee.model_validate({"amount": 20000.0, "currency": "USD", "per": "year", "proration": "actual_365"})
    with pytest.raises(ValidationError, match="ISO 4217"):
        Fee.model_validate({"amount": "1", "currency": "USX", "per": "year", "proration": "actual_365"})


def test_rounding_is_half_even_to_the_minor_unit() -> None:
    assert round_money(Decimal("0.125"), "USD") == Decimal("0.12")
    assert round_money(Decimal("0.135"), "USD") == Decimal("0.14")
    assert format_amount(Decimal("5"), "JPY") == "5"
    assert format_amount(Decimal("1.0005"), "KWD") == "1.000"


def test_a_copied_world_indexes_its_own_records() -> None:
    world = World(sending_state="USA")
    assert world.person_by_id == {} and world.country_by_code == {}  # cached on the original
    person = Person(id="P1", status="undocumented")
    copy = world.model_copy(update={"persons": (person,)})
    assert copy.person_by_id == {"P1": person}
    assert world.person_by_id == {}

"""The flat CSV encoding of a person: parsing, its inverse, and errors that name the field."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from accord.domain import Person
from accord.store.persons_csv import RowInvalid, parse_person, person_row
from tests.hypothesis_budget import examples
from tests.strategies import persons


@settings(max_examples=examples(200), deadline=None)
@given(persons())
def test_a_person_survives_its_csv_row(person: Person) -> None:
    assert parse_person(person_row(person), "people.csv", "USA") == person


def test_entries_fields_and_lists_are_read_by_position() -> None:
    person = parse_person(
        {
            "id": "P1",
            "status": "undocumented",
            "nationalities": "SLV; HND",
            "identity_verified": "true",
            "orders": "title8|2019-10-10||SLV+GTM;aea|2025-03-15T10:00:00-04:00",
            "notices": "third_country|SLV|2025-03-15T09:00:00-04:00|spa|true",
        },
        "people.csv",
        None,
    )
    assert person.nationalities == ("SLV", "HND")
    assert person.identity is not None and person.identity.verified
    assert [(o.basis, o.final, o.designated) for o in person.orders] == [
        ("title8", None, ("SLV", "GTM")),
        ("aea", None, ()),
    ]
    assert person.notices[0].exigent and not person.notices[0].attorney_access


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"status": "lpr"}, "id: required key is missing"),
        (
            {"id": "P1", "status": "lpr", "stays": "judicial|2025-01-01|2025-02-01|2025-02-02T00:00:00Z|x"},
            "stays[0]: 5 fields, but an entry has at most 4: kind|from|until|recorded_at",
        ),
        (
            {"id": "P1", "status": "lpr", "stays": "judicial|2025-01-01|2025-02-01|yesterday"},
            "stays[0].recorded_at: ",
        ),
        ({"id": "P1", "status": "lpr", "protections": "cat_deferral|SLV|someday"}, "protections[0].granted: "),
        ({"id": "P1", "status": "lpr", "identity_verified": "maybe"}, "identity_verified: "),
        (
            {"id": "P1", "status": "lpr", "orders": "title8|2019-10-10||USA"},
            "orders[0].designated: an order may not designate the sending state USA",
        ),
    ],
)
def test_an_invalid_row_names_its_column_and_field(row: dict[str, str], reason: str) -> None:
    with pytest.raises(RowInvalid) as caught:
        parse_person(row, "people.csv", "USA")
    assert str(caught.value).startswith(reason)


def test_a_fact_carries_its_own_recorded_at_as_the_last_field() -> None:
    person = parse_person(
        {
            "id": "P1",
            "status": "lpr",
            "stays": "bia|2025-01-01||2025-01-02T09:00:00-05:00",
            "orders": "title8|2019-10-10|2019-11-09|SLV+HND|2019-11-12T00:00:00Z;aea|2025-03-15",
        },
        "people.csv",
        None,
    )
    assert person.stays[0].until is None
    assert person.stays[0].recorded_at is not None and person.stays[0].recorded_at.isoformat() == (
        "2025-01-02T09:00:00-05:00"
    )
    assert [o.recorded_at is None for o in person.orders] == [False, True]
    assert person_row(person)["stays"] == "bia|2025-01-01||2025-01-02T09:00:00-05:00"


def test_a_separator_inside_a_value_cannot_be_written() -> None:
    person = Person.model_validate(
        {"id": "P1", "status": "lpr", "convictions": [{"date": "2021-05-14", "offense": "theft|fraud"}]}
    )
    with pytest.raises(ValueError, match="contains a separator"):
        person_row(person)

"""The columnar engine against the scalar interpreter: the same pathways, in the same order, with the same
status, reason codes and warning codes, on generated worlds (decision_worlds) and on hand-made edges."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from accord.domain import Agreement, Country, Identity, Notice, Person, RemovalOrder, World
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar import decide_world_columnar
from accord.rules.decision import DecisionSet
from accord.rules.interpreter import UnknownPerson, decide
from tests.hypothesis_budget import examples
from tests.unit.rules_columnar.decision_worlds import decision_case

EST = timezone(timedelta(hours=-5))
# Only movements emit recheck_before_boarding; no decision from a world file can.
NOT_FROM_WORLDS = {"recheck_before_boarding"}


def outcome(decisions: DecisionSet) -> list[Any]:
    """Everything the two engines must agree on (the details are the interpreter's to explain)."""
    return [
        (
            d.person,
            [
                (
                    p.kind,
                    p.destination,
                    p.agreement,
                    p.status,
                    [r.code for r in p.reasons],
                    [w.code for w in p.warnings],
                    p.court_orders,
                )
                for p in d.pathways
            ],
        )
        for d in decisions.decisions
    ]


def assert_same(world: World, as_of: Any, known_at: Any) -> DecisionSet:
    expected = decide(world, as_of, known_at)
    got = decide_world_columnar(world, as_of, known_at)
    assert outcome(got) == outcome(expected)
    assert (got.era, got.rule_pack, got.as_of, got.known_at) == (
        expected.era,
        expected.rule_pack,
        expected.as_of,
        expected.known_at,
    )
    return expected


@pytest.fixture(scope="module")
def seen() -> Iterator[Counter[str]]:
    """The codes the generated cases produced; after the property test, every code must have appeared,
    or the generator has stopped exercising a gate."""
    codes: Counter[str] = Counter()
    yield codes
    missing = set(REASON_CODES) | set(WARNING_CODES)
    missing -= set(codes) | NOT_FROM_WORLDS
    assert not missing, f"generated worlds never produced {sorted(missing)}"


# The fast profile derandomises it, so the coverage check on `seen` is stable; `make test-deep` draws ten
# times as many fresh examples.
@settings(
    max_examples=examples(500),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=decision_case())
def test_columnar_agrees_with_interpreter(seen: Counter[str], case: tuple[World, Any, Any]) -> None:
    world, as_of, known_at = case
    expected = assert_same(world, as_of, known_at)
    for d in expected.decisions:
        for p in d.pathways:
            seen.update(r.code for r in p.reasons)
            seen.update(w.code for w in p.warnings)
            seen.update([p.status])


def cuban(**changes: Any) -> Person:
    """A removable Cuban man (Cuba refuses), notice of Eswatini in his language."""
    fields: dict[str, Any] = dict(
        id="P1",
        birth_date=date(1980, 1, 1),
        sex="M",
        status="undocumented",
        nationalities=("CUB",),
        languages=("spa",),
        identity=Identity(verified=True),
        orders=(RemovalOrder(basis="title8", issued=date(2020, 1, 1), final=date(2020, 1, 1), designated=("CUB",)),),
    )
    return Person(**{**fields, **changes})


def eswatini_world(*persons: Person, versions: list[dict[str, Any]] | None = None) -> World:
    versions = versions or [{"from": "2025-01-01", "status": "in_force"}]
    return World(
        sending_state="USA",
        countries=(
            Country.model_validate({"code": "CUB", "acceptance": [{"from": "2020-01-01", "status": "refuses"}]}),
        ),
        agreements=(
            Agreement.model_validate(
                {"id": "A", "sending": "USA", "receiving": "SWZ", "timezone": "UTC", "versions": versions}
            ),
        ),
        persons=persons,
    )


def test_exigent_period_is_elapsed_time_across_the_november_fold() -> None:
    served = datetime(2025, 11, 2, 1, 30, tzinfo=EST)  # the second 01:30 in New York
    notice = Notice(
        kind="third_country", country="SWZ", served=served, language="spa", exigent=True, attorney_access=True
    )
    world = eswatini_world(cuban(notices=(notice,)))
    early = assert_same(world, served + timedelta(hours=5, minutes=59), None)
    assert early.decisions[0].pathways[-1].codes == {"notice_period"}
    assert assert_same(world, served + timedelta(hours=6), None).decisions[0].pathways[-1].status == "allowed"


def test_repeated_nationalities_and_designations_give_one_pathway_each() -> None:
    order = RemovalOrder(basis="title8", issued=date(2020, 1, 1), final=date(2020, 1, 1), designated=("MEX", "MEX"))
    world = eswatini_world(cuban(nationalities=("CUB", "CUB"), orders=(order, order)))
    decision = assert_same(world, datetime(2025, 8, 1, tzinfo=EST), None).decisions[0]
    assert [(p.kind, p.destination) for p in decision.pathways] == [
        ("repatriation", "CUB"),
        ("designated", "MEX"),
        ("third_country", "SWZ"),
    ]


def test_person_unknown_at_known_at_gets_no_decision_and_cannot_be_asked_for() -> None:
    later = datetime(2025, 9, 1, tzinfo=EST)
    world = eswatini_world(cuban(), cuban(id="P2", recorded_at=later))
    as_of = datetime(2025, 8, 1, tzinfo=EST)
    assert [d.person for d in assert_same(world, as_of, None).decisions] == ["P1"]
    assert [d.person for d in assert_same(world, as_of, later).decisions] == ["P1", "P2"]
    asked = decide_world_columnar(world, as_of, later, person_ids=["P2", "P1"])
    assert [d.person for d in asked.decisions] == ["P2", "P1"]
    with pytest.raises(UnknownPerson):
        decide_world_columnar(world, as_of, person_ids=["P2"])


def test_agreement_whose_versions_are_all_unknown_is_not_in_force() -> None:
    learnt = "2025-12-01T00:00:00Z"
    world = eswatini_world(cuban(), versions=[{"from": "2025-01-01", "status": "in_force", "recorded_at": learnt}])
    decision = decide_world_columnar(world, datetime(2025, 8, 1, tzinfo=EST)).decisions[0]
    assert "agreement_not_in_force" in decision.pathways[-1].codes


def test_interpreter_on_agreement_whose_versions_are_all_unknown() -> None:
    learnt = "2025-12-01T00:00:00Z"
    world = eswatini_world(cuban(), versions=[{"from": "2025-01-01", "status": "in_force", "recorded_at": learnt}])
    assert_same(world, datetime(2025, 8, 1, tzinfo=EST), None)

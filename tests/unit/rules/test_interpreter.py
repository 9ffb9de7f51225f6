"""The interpreter's contract beyond the scenarios: unknown people, every reason listed once, the
vocabulary, and the knowledge filter."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.gates import GATES, WARNINGS
from accord.rules.interpreter import UnknownPerson, decide, decide_person
from accord.rules.knowledge import as_known_at
from accord.world import DecisionCheck, load_world_file

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def world(name: str):  # type: ignore[no-untyped-def]
    return load_world_file(next(SCENARIOS.glob(f"{name}-*.yaml"))).world


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_gates_cover_the_vocabulary_in_order() -> None:
    assert tuple(g.code for g in GATES) == REASON_CODES
    assert {w.code for w in WARNINGS} == set(WARNING_CODES) - {"recheck_before_boarding"}


def test_every_reason_code_is_exercised_by_some_scenario() -> None:
    expected: set[str] = set()
    for path in SCENARIOS.glob("*.yaml"):
        for check in load_world_file(path).checks:
            if isinstance(check, DecisionCheck):
                expected |= {code for ps in check.expect.values() for p in ps for code in (*p.reasons, *p.warnings)}
    assert set(REASON_CODES) <= expected
    assert {"motion_to_reopen_pending", "chain_refoulement_risk"} <= expected


def test_all_reasons_are_listed_each_once() -> None:
    decision = decide_person(world("s01"), "P2", at("2025-04-25T06:00:00-05:00"))
    [third] = decision.pathways
    codes = [r.code for r in third.reasons]
    assert len(codes) == len(set(codes))
    assert {"sending_state_national", "no_final_order", "agreement_not_in_force", "notice_missing"} <= set(codes)
    assert all(r.source and r.detail for r in third.reasons)


def test_several_causes_join_in_one_detail() -> None:
    decision = decide_person(world("x03"), "P2", at("2025-03-15T19:36:00-04:00"))
    [third] = [p for p in decision.pathways if p.kind == "third_country"]
    [reason] = third.reasons
    assert "JGG-TRO-CLASS" in reason.detail and "P2-HABEAS" in reason.detail


def test_unknown_person_is_an_error() -> None:
    with pytest.raises(UnknownPerson, match="no person with id 'P9'"):
        decide_person(world("s01"), "P9", at("2025-04-25T06:00:00-05:00"))


def test_a_person_recorded_after_known_at_does_not_exist() -> None:
    w = world("x04")
    with pytest.raises(UnknownPerson, match="recorded at 2025-05-01T09:00:00-04:00, after known_at"):
        decide(w, at("2025-06-05T00:00:00-04:00"), at("2025-04-30T00:00:00-04:00"), person_ids=["P3"])
    everyone = decide(w, at("2025-06-05T00:00:00-04:00"), at("2025-04-30T00:00:00-04:00"))
    assert [d.person for d in everyone.decisions] == ["P1", "P2"]
    # known_at later than as_of: "as of last Tuesday, as we know it today"
    later = decide(w, at("2025-04-30T00:00:00-04:00"), at("2025-06-05T00:00:00-04:00"))
    assert [d.person for d in later.decisions] == ["P1", "P2", "P3"]


def test_knowledge_filter_prunes_nested_records_and_keeps_lookups_fresh() -> None:
    w = world("x04")
    assert as_known_at(w, at("2030-01-01T00:00:00Z")) is w
    before = as_known_at(w, at("2025-06-02T18:00:00-04:00"))
    assert before.person_by_id["P1"].stays == ()
    assert w.person_by_id["P1"].stays != ()
    assert "P3" in before.person_by_id
    assert "P3" not in as_known_at(w, at("2025-04-30T00:00:00-04:00")).person_by_id


def test_decision_json_names_pack_and_era() -> None:
    decisions = decide(world("s13"), at("2025-03-15T19:36:00-04:00"), person_ids=["P1"])
    data = decisions.to_json()
    assert (data["rule_pack"], data["era"]) == ("us", "us-baseline")
    reason = data["decisions"][0]["pathways"][0]["reasons"][0]
    assert reason["code"] == "court_order" and "JGG-TRO-CLASS" in reason["detail"]


def test_no_era_gives_era_null() -> None:
    assert decide(world("x05"), at("1998-06-01T12:00:00-04:00")).era is None

"""The planner: limits always hold, CP-SAT never does worse than the greedy baseline, reasons for the left-off."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.movements.planner import (
    MAX_PRIORITY,
    SEAT_VALUE,
    Candidate,
    Option,
    Plan,
    plan,
    plan_greedy,
    priority_of,
)
from tests.hypothesis_budget import examples

A = Option("F1", "AGR")
R = Option("F2", None)


def test_priority_is_days_since_final_capped() -> None:
    assert priority_of(date(2025, 3, 1), date(2025, 3, 15)) == 14
    assert priority_of(date(2025, 3, 20), date(2025, 3, 15)) == 0
    assert priority_of(date(2000, 1, 1), date(2025, 3, 15)) == MAX_PRIORITY
    with pytest.raises(ValueError):
        Candidate("P", MAX_PRIORITY + 1, (A,))


def test_cp_sat_beats_greedy_when_an_early_choice_blocks_a_later_one() -> None:
    # X may go on either flight and has the top priority; greedy puts X on F1 and Y, who can only take F1,
    # is left off. The optimum sends X on F2.
    candidates = [Candidate("X", 900, (A, R)), Candidate("Y", 10, (A,))]
    seats = {"F1": 1, "F2": 1}
    greedy = plan_greedy(candidates, seats, {"AGR": 5})
    best = plan(candidates, seats, {"AGR": 5})
    assert len(greedy.assignment) == 1 and greedy.left_off[0].person == "Y"
    assert best.assignment == {"X": R, "Y": A}
    assert best.status == "OPTIMAL" and best.gap == 0.0
    assert best.objective == 2 * SEAT_VALUE + 910 and best.priority_score == 910


def test_agreement_places_bind_across_flights() -> None:
    candidates = [Candidate(f"P{i}", i, (Option("F1", "AGR"), Option("F2", "AGR"))) for i in range(6)]
    result = plan(candidates, {"F1": 3, "F2": 3}, {"AGR": 4})
    assert len(result.assignment) == 4
    assert set(result.assignment) == {"P2", "P3", "P4", "P5"}  # the highest priorities
    assert {lo.reason for lo in result.left_off} == {"agreement_capacity"}


def test_left_off_names_the_binding_limit_for_each_option() -> None:
    candidates = [Candidate("A", 5, (A,)), Candidate("B", 1, (A,)), Candidate("C", 1, ())]
    result = plan(candidates, {"F1": 1}, {"AGR": 10})
    reasons = {lo.person: (lo.reason, lo.detail) for lo in result.left_off}
    assert reasons["B"] == ("no_seat", "F1: no seat left")
    assert reasons["C"][0] == "no_option"


def test_no_room_at_all_yields_an_empty_plan() -> None:
    result = plan([Candidate("A", 5, (A,))], {"F1": 0}, {"AGR": 0})
    assert result.assignment == {} and result.objective == 0 and result.gap == 0.0


Problem = tuple[list[Candidate], dict[str, int], dict[str, int]]


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    flights = {f"F{i}": draw(st.sampled_from(["A1", "A2", None])) for i in range(draw(st.integers(1, 4)))}
    seats = {f: draw(st.integers(0, 6)) for f in flights}
    places = {"A1": draw(st.integers(0, 8)), "A2": draw(st.integers(0, 8))}
    candidates = []
    for i in range(draw(st.integers(0, 20))):
        chosen = draw(st.lists(st.sampled_from(sorted(flights)), unique=True, max_size=3))
        options = tuple(Option(f, flights[f]) for f in chosen)
        candidates.append(Candidate(f"P{i}", draw(st.integers(0, MAX_PRIORITY)), options))
    return candidates, seats, places


def _check_limits(result: Plan, candidates: list[Candidate], seats: dict[str, int], places: dict[str, int]) -> None:
    by_person = {c.person: c for c in candidates}
    for person, option in result.assignment.items():
        assert option in by_person[person].options
    for flight, used in Counter(o.flight for o in result.assignment.values()).items():
        assert used <= seats[flight]
    for agreement, used in Counter(o.agreement for o in result.assignment.values() if o.agreement).items():
        assert used <= places[agreement]
    assert {lo.person for lo in result.left_off} == set(by_person) - set(result.assignment)
    assert result.objective == sum(SEAT_VALUE + by_person[p].priority for p in result.assignment)


@settings(max_examples=examples(150), deadline=None)
@given(problems())
def test_limits_hold_and_cp_sat_is_at_least_greedy(problem: Problem) -> None:
    candidates, seats, places = problem
    best = plan(candidates, seats, places, workers=1)
    greedy = plan_greedy(candidates, seats, places)
    _check_limits(best, candidates, seats, places)
    _check_limits(greedy, candidates, seats, places)
    assert best.status == "OPTIMAL"
    assert best.objective >= greedy.objective
    assert best.bound >= best.objective

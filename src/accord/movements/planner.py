"""The planner: which allowed people go on which flight, within seats and each agreement's places.

A pure function over plain values. The service builds the candidates (people whose decision for a leg's
pathway is `allowed` at the flight's scheduled departure), the flights' free seats and each agreement's
remaining places; this module only chooses. CP-SAT solves the multi-flight assignment; `plan_greedy` is
the baseline it is measured against.

The objective is the sum, over the people placed, of `SEAT_VALUE + priority`. `priority` is at most
`MAX_PRIORITY < SEAT_VALUE`, so filling one more seat is worth more than trading any one person for
another of higher priority: the planner moves as many people as the law and the places allow, and among
equal counts prefers the higher priorities.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

SEAT_VALUE = 1000
MAX_PRIORITY = SEAT_VALUE - 1
DEFAULT_TIME_LIMIT_SECONDS = 8.0


def priority_of(final_order: date, departure: date) -> int:
    """The documented priority: whole days the person's earliest final order has been final at the
    departure date (older orders first), capped at `MAX_PRIORITY`."""
    return max(0, min(MAX_PRIORITY, (departure - final_order).days))


@dataclass(frozen=True)
class Option:
    """One flight a candidate may take, and the agreement it would use (None for a repatriation)."""

    flight: str
    agreement: str | None


@dataclass(frozen=True)
class Candidate:
    person: str
    priority: int
    options: tuple[Option, ...]

    def __post_init__(self) -> None:
        if not 0 <= self.priority <= MAX_PRIORITY:
            raise ValueError(f"{self.person}: priority must be within 0..{MAX_PRIORITY}")


@dataclass(frozen=True)
class LeftOff:
    person: str
    reason: str  # no_seat | agreement_capacity | no_seat_or_capacity | not_chosen | no_option
    detail: str


@dataclass(frozen=True)
class Plan:
    assignment: Mapping[str, Option]  # person -> the option chosen
    objective: int
    bound: int  # the solver's best bound on the objective (equal to it when proven optimal)
    status: str  # OPTIMAL | FEASIBLE (time limit reached) | GREEDY
    left_off: tuple[LeftOff, ...]

    @property
    def gap(self) -> float:
        """Relative optimality gap, (bound - objective) / bound; 0.0 when proven optimal."""
        return 0.0 if self.bound <= 0 else (self.bound - self.objective) / self.bound

    @property
    def priority_score(self) -> int:
        return self.objective - SEAT_VALUE * len(self.assignment)


def plan(
    candidates: Sequence[Candidate],
    seats: Mapping[str, int],
    places: Mapping[str, int],
    time_limit: float = DEFAULT_TIME_LIMIT_SECONDS,
    workers: int = 2,
) -> Plan:
    """Assign each candidate at most one option so that no flight has more people than `seats[flight]`
    and no agreement more than `places[agreement]`, maximising the objective above.

    Candidates with the same usable options are interchangeable for the limits, so the model has one
    "chosen" variable per candidate and one count per (group of options, option) instead of one variable
    per candidate and flight: the same optimum, found in a fraction of the time. Within a group a person
    is chosen only if everyone of higher weight is (a dominance that removes symmetric solutions)."""
    from ortools.sat.python import cp_model  # ~0.3 s to import (it loads pandas): only planning pays it

    groups = _groups(candidates, seats, places)
    model = cp_model.CpModel()
    chosen: dict[str, cp_model.IntVar] = {}
    counts: list[tuple[tuple[Candidate, ...], Option, cp_model.IntVar]] = []
    for options, members in groups.items():
        flags = [model.new_bool_var(c.person) for c in members]
        chosen.update((c.person, flag) for c, flag in zip(members, flags, strict=True))
        for better, worse in itertools.pairwise(flags):
            model.add_implication(worse, better)
        per_option = [
            (members, o, model.new_int_var(0, min(len(members), seats[o.flight]), f"n{len(counts) + i}"))
            for i, o in enumerate(options)
        ]
        counts.extend(per_option)
        model.add(sum(n for _, _, n in per_option) == sum(flags))
    _limit(model, counts, lambda o: o.flight, seats)
    _limit(model, counts, lambda o: o.agreement, places)
    weights = {c.person: _weight(c) for c in candidates}
    model.maximize(sum(weights[person] * flag for person, flag in chosen.items()))
    # The greedy plan is a feasible start: the solver improves on it instead of searching for one.
    baseline = plan_greedy(candidates, seats, places)
    for person, flag in chosen.items():
        model.add_hint(flag, person in baseline.assignment)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return baseline  # nothing better than the baseline within the time limit
    assignment = _distribute(groups, counts, {p for p, flag in chosen.items() if solver.boolean_value(flag)}, solver)
    objective = sum(weights[person] for person in assignment)
    bound = max(objective, math.floor(solver.best_objective_bound))
    name = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
    return Plan(assignment, objective, bound, name, _left_off(candidates, assignment, seats, places))


def _groups(
    candidates: Sequence[Candidate], seats: Mapping[str, int], places: Mapping[str, int]
) -> dict[tuple[Option, ...], tuple[Candidate, ...]]:
    """Candidates keyed by their usable options, each group heaviest first."""
    grouped: dict[tuple[Option, ...], list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        usable = set(_usable(candidate.options, seats, places))
        options = tuple(sorted(usable, key=lambda o: (o.flight, o.agreement or "")))
        if options:
            grouped[options].append(candidate)
    return {k: tuple(sorted(v, key=lambda c: (-c.priority, c.person))) for k, v in grouped.items()}


def _distribute(
    groups: Mapping[tuple[Option, ...], tuple[Candidate, ...]],
    counts: Sequence[tuple[tuple[Candidate, ...], Option, cp_model.IntVar]],
    chosen: set[str],
    solver: cp_model.CpSolver,
) -> dict[str, Option]:
    """Seat the chosen members of each group on its options, as many on each as the solver counted."""
    queues = {id(members): [c for c in members if c.person in chosen] for members in groups.values()}
    assignment: dict[str, Option] = {}
    for members, option, count in counts:
        queue = queues[id(members)]
        for _ in range(solver.value(count)):
            assignment[queue.pop(0).person] = option
    return assignment


def plan_greedy(candidates: Sequence[Candidate], seats: Mapping[str, int], places: Mapping[str, int]) -> Plan:
    """The baseline: highest priority first, each to the first of their options that still has room."""
    seats_left = dict(seats)
    places_left = dict(places)
    assignment: dict[str, Option] = {}
    for candidate in sorted(candidates, key=lambda c: (-c.priority, c.person)):
        for option in candidate.options:
            if _room(option, seats_left, places_left):
                assignment[candidate.person] = option
                seats_left[option.flight] -= 1
                if option.agreement is not None:
                    places_left[option.agreement] -= 1
                break
    objective = sum(_weight(c) for c in candidates if c.person in assignment)
    return Plan(assignment, objective, objective, "GREEDY", _left_off(candidates, assignment, seats, places))


def _weight(candidate: Candidate) -> int:
    return SEAT_VALUE + candidate.priority


def _usable(options: Iterable[Option], seats: Mapping[str, int], places: Mapping[str, int]) -> list[Option]:
    return [o for o in options if _room(o, seats, places)]


def _limit(
    model: cp_model.CpModel,
    counts: Sequence[tuple[tuple[Candidate, ...], Option, cp_model.IntVar]],
    key: Callable[[Option], str | None],
    limits: Mapping[str, int],
) -> None:
    groups: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for _, option, variable in counts:
        name = key(option)
        if name is not None:
            groups[name].append(variable)
    for name, variables in groups.items():
        model.add(sum(variables) <= limits[name])


def _room(option: Option, seats_left: Mapping[str, int], places_left: Mapping[str, int]) -> bool:
    if seats_left.get(option.flight, 0) <= 0:
        return False
    return option.agreement is None or places_left.get(option.agreement, 0) > 0


def _left_off(
    candidates: Sequence[Candidate],
    assignment: Mapping[str, Option],
    seats: Mapping[str, int],
    places: Mapping[str, int],
) -> tuple[LeftOff, ...]:
    """Why each candidate who got no seat was left off: which limit binds on each of their options."""
    seats_used: dict[str, int] = defaultdict(int)
    places_used: dict[str, int] = defaultdict(int)
    for option in assignment.values():
        seats_used[option.flight] += 1
        if option.agreement is not None:
            places_used[option.agreement] += 1
    result = []
    for candidate in candidates:
        if candidate.person in assignment:
            continue
        causes = []
        for option in candidate.options:
            # The agreement's places bind before the seats: more seats would not have helped.
            if option.agreement is not None and places_used[option.agreement] >= places.get(option.agreement, 0):
                causes.append(("agreement_capacity", f"{option.flight}: {option.agreement} has no place left"))
            elif seats_used[option.flight] >= seats.get(option.flight, 0):
                causes.append(("no_seat", f"{option.flight}: no seat left"))
            else:
                causes.append(("not_chosen", f"{option.flight}: room left, not chosen within the time limit"))
        details = "; ".join(detail for _, detail in causes)
        result.append(LeftOff(candidate.person, _summary({code for code, _ in causes}), details))
    return tuple(result)


def _summary(codes: set[str]) -> str:
    """One reason code for a candidate's options taken together."""
    if not codes:
        return "no_option"
    if len(codes) == 1:
        return next(iter(codes))
    return "not_chosen" if "not_chosen" in codes else "no_seat_or_capacity"

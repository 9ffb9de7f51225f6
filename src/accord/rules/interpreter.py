"""The scalar reference interpreter: decides one person at a time, every gate of docs/spec/rules.md in order,
and keeps each gate's outcome so that a decision can be explained. The columnar engine must agree with
it on every case."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from accord.domain import Person, World
from accord.rules.decision import DecisionSet, Pathway, PersonDecision, Reason
from accord.rules.gates import GATES, WARNINGS, Candidate, Gate, Situation
from accord.rules.knowledge import as_known_at, narrowed_to
from accord.rules.pack import Pack, pack_for_world
from accord.rules.predicates import administratively_final_orders, court_orders_covering, version_in_effect


class UnknownPerson(LookupError):
    """A person id with no record in the world as known at `known_at`."""


@dataclass(frozen=True)
class Outcome:
    """One gate applied to one pathway: `detail` is None when the gate held."""

    gate: Gate
    detail: str | None


@dataclass(frozen=True)
class PathwayTrace:
    candidate: Candidate
    outcomes: tuple[Outcome, ...]
    warnings: tuple[Outcome, ...]

    def to_pathway(self, situation: Situation) -> Pathway:
        return Pathway(
            kind=self.candidate.kind,
            destination=self.candidate.destination,
            agreement=self.candidate.agreement_id,
            reasons=_reasons(self.outcomes, situation),
            warnings=_reasons(self.warnings, situation),
            court_orders=self._court_orders(situation),
        )

    def _court_orders(self, s: Situation) -> tuple[str, ...]:
        """The ids of the orders behind the court_order reason (asked again only when it blocks)."""
        if not any(o.gate.code == "court_order" and o.detail is not None for o in self.outcomes):
            return ()
        c = self.candidate
        return tuple(o.id for o in court_orders_covering(s.world, s.person, c.kind, c.destination, s.as_of, s.tz))


@dataclass(frozen=True)
class PersonTrace:
    """Everything the interpreter looked at for one person: the basis of a decision and its explanation."""

    situation: Situation
    pathways: tuple[PathwayTrace, ...]

    def decision(self) -> PersonDecision:
        return PersonDecision(
            person=self.situation.person.id,
            pathways=tuple(t.to_pathway(self.situation) for t in self.pathways),
        )


def _reasons(outcomes: Iterable[Outcome], s: Situation) -> tuple[Reason, ...]:
    return tuple(
        Reason(o.gate.code, o.detail, s.pack.source_for(o.gate.code, s.era)) for o in outcomes if o.detail is not None
    )


def candidates(s: Situation) -> list[Candidate]:
    """Every candidate pathway of docs/spec/rules.md §1, in a stable order: nationalities, designated countries,
    then agreements in the world's order. A country is designated only by an order final at as_of; one
    named only in an order that is not final is, like any receiving state, a third country."""
    world, person = s.world, s.person
    sending = world.sending_state
    nationals = [n for n in dict.fromkeys(person.nationalities) if n != sending]
    found = [Candidate("repatriation", code) for code in nationals]
    finals = administratively_final_orders(person, s.as_of, s.tz)
    designated = [d for order in finals for d in order.designated if d not in person.nationalities]
    found += [Candidate("designated", code) for code in dict.fromkeys(designated)]
    for agreement in world.agreements:
        if agreement.sending != sending:
            continue
        version = version_in_effect(agreement, s.as_of, world.agreement_timezone(agreement))
        if agreement.receiving in person.nationalities:
            found.append(Candidate("agreement_repatriation", agreement.receiving, agreement, version))
        elif agreement.receiving not in designated:
            found.append(Candidate("third_country", agreement.receiving, agreement, version))
    return found


def trace_person(world: World, person: Person, as_of: datetime, pack: Pack) -> PersonTrace:
    """Apply every gate to every candidate pathway of a person in an already-pruned world."""
    situation = Situation(world=world, person=person, as_of=as_of, pack=pack, era=pack.era_at(as_of))
    return _trace(situation)


def _trace(situation: Situation) -> PersonTrace:
    traces = []
    for candidate in candidates(situation):
        outcomes = tuple(Outcome(g, g.check(situation, candidate)) for g in GATES if candidate.kind in g.kinds)
        warnings = tuple(Outcome(w, w.check(situation, candidate)) for w in WARNINGS if candidate.kind in w.kinds)
        traces.append(PathwayTrace(candidate, outcomes, warnings))
    return PersonTrace(situation, tuple(traces))


def known_person(original: World, known: World, person_id: str, known_at: datetime) -> Person:
    """The person as known at `known_at`; an error that says why when there is none."""
    person = known.person_by_id.get(person_id)
    if person is not None:
        return person
    if person_id in original.person_by_id:
        recorded = original.person_by_id[person_id].recorded_at
        when = recorded.isoformat() if recorded is not None else "later"
        raise UnknownPerson(f"person {person_id!r} was recorded at {when}, after known_at {known_at.isoformat()}")
    raise UnknownPerson(f"no person with id {person_id!r} in this world")


def explain_trace(
    world: World, person_id: str, as_of: datetime, known_at: datetime | None = None, pack: Pack | None = None
) -> PersonTrace:
    known_at = known_at or as_of
    known = as_known_at(narrowed_to(world, person_id), known_at)
    person = known_person(world, known, person_id, known_at)
    return trace_person(known, person, as_of, pack or pack_for_world(world))


def decide_person(
    world: World, person_id: str, as_of: datetime, known_at: datetime | None = None, pack: Pack | None = None
) -> PersonDecision:
    """Decide one person at `as_of`, as known at `known_at` (default `as_of`)."""
    return explain_trace(world, person_id, as_of, known_at, pack).decision()


def decide(
    world: World,
    as_of: datetime,
    known_at: datetime | None = None,
    person_ids: Iterable[str] | None = None,
    pack: Pack | None = None,
) -> DecisionSet:
    """Decide every person known at `known_at` (or those asked for, in the order asked) at `as_of`."""
    known_at = known_at or as_of
    pack = pack or pack_for_world(world)
    known = as_known_at(world, known_at)
    if person_ids is None:
        persons = list(known.persons)
    else:
        persons = [known_person(world, known, pid, known_at) for pid in dict.fromkeys(person_ids)]
    era = pack.era_at(as_of)
    occupancy: dict[tuple[str, date], int] = {}  # shared: the same for every person at this instant
    decisions = []
    for person in persons:
        situation = Situation(known, person, as_of, pack, era, occupancy)
        decisions.append(_trace(situation).decision())
    return DecisionSet(
        as_of=as_of, known_at=known_at, rule_pack=pack.name, era=era.id if era else None, decisions=tuple(decisions)
    )

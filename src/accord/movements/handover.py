"""The handover to a foreign custodian, which is the legal moment.

A `HandoverPermit` can only come out of `permit_handover`, and `permit_handover` only grants one from a
decision made at the very instant of the handover whose pathway for the leg is `allowed`. The service
records a foreign handover in the custody ledger only from a permit, so a handover of a person blocked at
that instant cannot even be expressed: it comes back as a `HandoverRefusal` with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from accord.domain.people import Person, RemovalOrder
from accord.domain.time import rfc3339
from accord.domain.world import World
from accord.movements.flights import Serves
from accord.rules.decision import Pathway, PersonDecision, Reason
from accord.rules.predicates import administratively_final_orders, scope_matches

_SEAL = object()


@dataclass(frozen=True)
class Decided:
    """One person's decision together with the instants it was made for and with."""

    decision: PersonDecision
    as_of: datetime
    known_at: datetime
    rule_pack: str
    era: str | None
    decision_id: str | None = None  # the stored decision's content address; a handover needs one

    def pathway_for(self, serves: Serves) -> Pathway | None:
        return next((p for p in self.decision.pathways if serves.accepts(p)), None)

    def reasons_against(self, serves: Serves) -> tuple[Reason, ...]:
        """Why the person may not go where `serves` leads; empty when they may."""
        pathway = self.pathway_for(serves)
        if pathway is None:
            return (Reason("no_pathway", f"no decided pathway matches {serves.label}", "accord movements"),)
        return pathway.reasons


@dataclass(frozen=True)
class HandoverPermit:
    person: str
    to_custodian: str
    at: datetime
    pathway: Pathway
    legal_basis: str  # compact, as the ledger stores it: kind/destination/agreement/basis:final...
    explanation: str  # the same in words, with the decision's instants and pack
    _seal: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            raise TypeError("a HandoverPermit is granted only by permit_handover, from an allowed decision")


@dataclass(frozen=True)
class HandoverRefusal:
    person: str
    at: datetime
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def permit_handover(
    world: World, decided: Decided, serves: Serves, to_custodian: str, at: datetime, tz: str
) -> HandoverPermit | HandoverRefusal:
    """A permit when the decision made at `at` allows the leg's pathway; otherwise the refusal."""
    person = decided.decision.person
    if decided.as_of != at:
        raise ValueError(f"{person}: a handover at {rfc3339(at)} needs a decision made at that instant")
    pathway = decided.pathway_for(serves)
    if pathway is None or pathway.reasons:
        return HandoverRefusal(person, at, decided.reasons_against(serves))
    if decided.decision_id is None:
        raise ValueError(f"{person}: a handover must rest on a stored decision (its id is the legal basis)")
    relied = relied_orders(world, world.person_by_id[person], decided, pathway, tz)
    basis, words = _legal_basis(decided.decision_id, relied), _words(decided, pathway, relied)
    return HandoverPermit(person, to_custodian, at, pathway, basis, words, _SEAL)


def relied_orders(
    world: World, person: Person, decided: Decided, pathway: Pathway, tz: str
) -> tuple[RemovalOrder, ...]:
    """The final orders a handover rests on. When a court order in effect matches the person but releases
    them through its carve-out, the orders of the bases it restricts are not relied on: only the
    independent ones are."""
    orders = administratively_final_orders(person, decided.as_of, tz)
    restricted = _restricted_bases(world, person, pathway, decided.as_of, tz)
    return tuple(o for o in orders if o.basis not in restricted) or orders


def _legal_basis(decision: str, relied: tuple[RemovalOrder, ...]) -> str:
    """The legal basis as the ledger stores it: the id of the stored decision that allowed the handover
    (it names the pathway, and anyone holding the decision can recompute the id), then the final orders
    relied on, as many as the ledger's 128-character identifier holds (letters, digits, . _ : / -)."""
    basis = f"decision:{decision}"
    for order in relied:
        longer = f"{basis}/{order.basis}:{_final(order)}"
        if len(longer) > 128:
            break
        basis = longer
    return basis


def _words(decided: Decided, pathway: Pathway, relied: tuple[RemovalOrder, ...]) -> str:
    where = f"{pathway.kind} to {pathway.destination}" + (f" under {pathway.agreement}" if pathway.agreement else "")
    return (
        f"{where}; decision allowed as of {rfc3339(decided.as_of)} as known at {rfc3339(decided.known_at)} "
        f"(pack {decided.rule_pack}, era {decided.era or 'none'}); final order relied on: "
        + ", ".join(f"{o.basis} (final {_final(o)})" for o in relied)
    )


def _restricted_bases(world: World, person: Person, pathway: Pathway, at: datetime, tz: str) -> set[str]:
    return {
        basis
        for order in world.court_orders
        if order.in_effect(at)
        and scope_matches(order.scope, person, pathway.kind, pathway.destination, at, order.binding_from, tz)
        for basis in order.scope.order_basis or ()
    }


def _final(order: RemovalOrder) -> str:
    return order.final.isoformat() if order.final is not None else "not-final"

"""Movements as use cases: add flights, plan, lock, board, depart, arrive, record court orders, status.

Every step re-decides through the rule interpreter, on the stored world as known at the step's instant:
a person is lawful to move at the instant of each step, or is not moved. Each function works in the
caller's transaction (a Connection from the store's unit of work) and writes nothing when it refuses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert

from accord.domain import Person, World
from accord.domain.errors import Refused
from accord.domain.time import check_plausible, local_date, rfc3339, to_instant
from accord.ledger.repository import ledger_ids
from accord.ledger.service import Ledger, record_handover, where
from accord.movements.flights import Flight, Serves, flight_problems
from accord.movements.handover import Decided, HandoverPermit, HandoverRefusal, permit_handover
from accord.movements.manifest import (
    RESERVING_STATES,
    SEATED,
    Manifest,
    ManifestState,
    MovementError,
    PassengerEvent,
    PassengerStatus,
    StrikeReason,
)
from accord.movements.planner import Candidate, LeftOff, Option, Plan, plan, priority_of
from accord.rules.decision import DecisionSet, Reason, with_warning
from accord.rules.inputs import inputs_hash
from accord.rules.interpreter import trace_person
from accord.rules.knowledge import as_known_at
from accord.rules.pack import Pack, pack_for_world
from accord.rules.predicates import administratively_final_orders, occupancy, version_in_effect
from accord.services import movements_repository as repo
from accord.services.steps import Step
from accord.store.reader import load_world, stored_sending_state
from accord.store.tables_decisions import record_decisions
from accord.store.tables_movements import movement_incidents, movement_return_proposals

UNLIMITED = 10**9
# Away from the sending state's detention after a handover or a flight: not planned again until returned.
AWAY = (PassengerStatus.HANDED_OVER, PassengerStatus.RETURN_REQUIRED)

# docs/spec/rules.md §2: a decision made for a planned departure more than 24 hours away carries the
# `recheck_before_boarding` warning (only movements emit it).
RECHECK_HORIZON = timedelta(hours=24)


def recheck_warning(pack: Pack, as_of: datetime, decided_at: datetime) -> Reason | None:
    """The warning a movement's decision carries when it is made more than RECHECK_HORIZON before the
    departure it is for (docs/spec/rules.md §2: only movements emit it); None otherwise. Its instants are written in
    UTC, as they are stored, so that a replay of the stored decision gives the same words."""
    if as_of - decided_at <= RECHECK_HORIZON:
        return None
    return Reason(
        "recheck_before_boarding",
        f"decided at {rfc3339(decided_at.astimezone(UTC))} for a departure at {rfc3339(as_of.astimezone(UTC))}, "
        f"more than {RECHECK_HORIZON} ahead: the facts may change, so it is decided again at lock and boarding",
        pack.source_for("recheck_before_boarding"),
    )


@dataclass
class Context:
    """The stored world as known at one instant (pruned once), with its pack, and the decisions made on it."""

    conn: Connection
    world: World
    pack: Pack
    known_at: datetime

    @classmethod
    def at(cls, conn: Connection, known_at: datetime) -> Context:
        world = load_world(conn, known_at=known_at)
        return cls(conn, as_known_at(world, known_at), pack_for_world(world), known_at)

    @classmethod
    def of(cls, conn: Connection, step: Step) -> Context:
        """What a step decides with: everything recorded by its recording instant, whatever its `--at`
        (so every court order recorded by then counts, a backdated step included)."""
        return cls.at(conn, step.recorded_at)

    def decide(
        self, person_ids: Iterable[str], as_of: datetime, decided_at: datetime, record: bool = True
    ) -> dict[str, Decided]:
        """Decide people known at `known_at` with the interpreter. With `record`, the decisions are also
        stored with their inputs hash; court-order propagation, which must be fast over thousands of
        people, keeps its reasons in the manifest events instead."""
        known = [self.world.person_by_id[p] for p in dict.fromkeys(person_ids) if p in self.world.person_by_id]
        if not known:
            return {}
        era = self.pack.era_at(as_of)
        decisions = tuple(trace_person(self.world, person, as_of, self.pack).decision() for person in known)
        warning = recheck_warning(self.pack, as_of, decided_at)
        if warning is not None:
            decisions = tuple(with_warning(d, warning) for d in decisions)
        result = DecisionSet(as_of, self.known_at, self.pack.name, era.id if era else None, decisions)
        ids: dict[str, str] = {}
        if record:
            digest = inputs_hash(self.world, self.pack, as_of, self.known_at)
            ids = record_decisions(self.conn, result, digest, decided_at, self.known_at)
        return {
            d.person: Decided(d, as_of, self.known_at, result.rule_pack, result.era, ids.get(d.person))
            for d in result.decisions
        }

    def person(self, person_id: str) -> Person:
        person = self.world.person_by_id.get(person_id)
        if person is None:
            raise MovementError(f"no person {person_id!r} in the stored world as known at {self.known_at}")
        return person


# ---- flights ------------------------------------------------------------------------------------------


def add_flights(conn: Connection, flights: Sequence[Flight], step: Step) -> list[str]:
    """Store flights after checking their references against the stored world; returns the ids added."""
    for flight in flights:
        for leg in flight.legs:
            check_plausible(leg.scheduled_departure, f"flight {flight.id}: scheduled_departure")
            check_plausible(leg.scheduled_arrival, f"flight {flight.id}: scheduled_arrival")
    world = load_world(conn, known_at=None)
    for index, flight in enumerate(flights):
        problems = [f"{p}: {m}" for p, m in flight_problems(flight, world, ("flights", index))]
        if problems:
            raise MovementError(f"flight {flight.id}: " + "; ".join(problems))
    return [f.id for f in flights if repo.save_flight(conn, f, step.recorded)]


# ---- planning -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    person: str
    flight: str
    leg: int
    priority: int


@dataclass(frozen=True)
class PlanReport:
    known_at: datetime
    earliest_departure: datetime | None
    plan: Plan
    placements: tuple[Placement, ...]
    not_allowed: tuple[LeftOff, ...]  # people with no allowed pathway on any of the flights
    places: Mapping[str, int]  # agreement -> places it had left for this plan

    @property
    def left_off(self) -> tuple[LeftOff, ...]:
        return (*self.plan.left_off, *self.not_allowed)

    @property
    def recheck_before_boarding(self) -> bool:
        """Planned more than 24 h ahead: every decision carries the `recheck_before_boarding` warning."""
        return self.earliest_departure is not None and self.earliest_departure - self.known_at > RECHECK_HORIZON


def plan_flights(
    conn: Connection, flight_ids: Sequence[str], step: Step, time_limit: float = 8.0, *, reserve: bool = True
) -> PlanReport:
    """Choose people for the flights: those allowed on a leg's pathway at each flight's scheduled
    departure (as known at the step's recording instant), within free seats and each agreement's places
    left. The step's `at` is when the plan is made: a departure more than 24 h later gets the
    `recheck_before_boarding` warning.

    With `reserve` (a plan to apply), the planning lock and the flights' locks are taken first, so that the
    plan sees every plan committed before it: two plans never seat one person twice, nor count the same
    places twice. A dry run passes `reserve=False` and locks nothing."""
    if reserve:
        repo.lock_planning(conn)
    flights = repo.load_flights(conn, flight_ids, lock=reserve)
    for flight in flights.values():
        manifest = repo.load_manifest(conn, flight)
        if manifest.state is not None:
            raise MovementError(f"flight {flight.id} already has a manifest ({manifest.state.value})")
    ctx = Context.of(conn, step)
    pool = _unplaced_people(conn, ctx)
    options: dict[str, list[tuple[Option, int]]] = defaultdict(list)
    blocked: dict[str, list[str]] = defaultdict(list)
    for flight in sorted(flights.values(), key=lambda f: f.scheduled_departure):
        decided = ctx.decide(pool, flight.scheduled_departure, step.at)
        for person, decision in decided.items():
            _classify(flight, decision, options[person], blocked[person])
    places = {a: _places_left(ctx, a, _latest_departure(flights.values(), a)) for a in _agreements(flights.values())}
    candidates = [
        Candidate(p, _priority(ctx, p, flights[opts[0][0].flight].scheduled_departure), tuple(o for o, _ in opts))
        for p, opts in options.items()
        if opts
    ]
    result = plan(candidates, {f.id: f.seats for f in flights.values()}, places, time_limit=time_limit)
    legs = {(p, o.flight): leg for p, opts in options.items() for o, leg in opts}
    by_person = {c.person: c for c in candidates}
    placements = tuple(
        Placement(p, o.flight, legs[(p, o.flight)], by_person[p].priority) for p, o in sorted(result.assignment.items())
    )
    not_allowed = tuple(
        LeftOff(p, "not_allowed", "; ".join(reasons)) for p, reasons in sorted(blocked.items()) if not options.get(p)
    )
    earliest = min((f.scheduled_departure for f in flights.values()), default=None)
    return PlanReport(step.at, earliest, result, placements, not_allowed, places)


def _classify(flight: Flight, decided: Decided, options: list[tuple[Option, int]], blocked: list[str]) -> None:
    for number, leg in enumerate(flight.legs, start=1):
        if leg.serves is None:
            continue
        reasons = decided.reasons_against(leg.serves)
        if not reasons:
            options.append((Option(flight.id, leg.serves.agreement), number))
            return
        blocked.append(f"{flight.id} leg {number}: " + ", ".join(sorted({r.code for r in reasons})))


def _unplaced_people(conn: Connection, ctx: Context) -> list[str]:
    """Everyone not already on an open manifest, in foreign custody or awaiting return; never a national
    of the sending state (the decision blocks them too; this keeps them out of the candidate list)."""
    taken = {r.person_id for r in repo.passengers(conn, [*SEATED, *AWAY])}
    sending = ctx.world.sending_state
    return [
        p.id
        for p in ctx.world.persons
        if p.id not in taken and p.status != "citizen" and sending not in p.nationalities
    ]


def apply_plan(conn: Connection, report: PlanReport, step: Step) -> dict[str, Manifest]:
    """Create a draft manifest for each planned flight with the people placed on it."""
    by_flight: dict[str, list[Placement]] = defaultdict(list)
    for placement in report.placements:
        by_flight[placement.flight].append(placement)
    return {
        flight_id: draft_manifest(conn, flight_id, [(p.person, p.leg) for p in placed], step)
        for flight_id, placed in by_flight.items()
    }


def draft_manifest(conn: Connection, flight_id: str, people: Sequence[tuple[str, int]], step: Step) -> Manifest:
    """A draft manifest: a proposal, holding no firm place (the lock takes the places)."""
    flight = repo.load_flight(conn, flight_id)
    if len(people) > flight.seats:
        raise MovementError(f"flight {flight_id}: {len(people)} people for {flight.seats} seats")
    events: list[repo.Event] = [step.life("create", "planned")]
    events += [step.change("add", p, "planned", leg=leg) for p, leg in people]
    return _append(conn, flight, repo.load_manifest(conn, flight), events, step)


# ---- lock ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Struck:
    person: str
    reason: StrikeReason
    detail: str


@dataclass(frozen=True)
class LockReport:
    flight: str
    kept: tuple[str, ...]
    struck: tuple[Struck, ...]


def lock(conn: Connection, flight_id: str, step: Step) -> LockReport:
    """Re-decide everyone at the scheduled departure; strike the blocked, then, under the agreements'
    capacity guards, strike the lowest priorities beyond the places firmly left."""
    flight = repo.load_flight(conn, flight_id)
    manifest = repo.load_manifest(conn, flight)
    if manifest.state is not ManifestState.DRAFT:
        raise MovementError(f"flight {flight_id}: only a draft manifest can be locked ({_state(manifest)})")
    agreements = {s.agreement for s in _serves(flight) if s.agreement is not None}
    repo.guard_agreements(conn, agreements)
    ctx = Context.of(conn, step)
    departure = flight.scheduled_departure
    seated = [p.person for p in manifest.seated()]
    decided = ctx.decide(seated, departure, step.at)
    struck = [_blocked(p, decided.get(p), _leg_serves(flight, manifest, p)) for p in seated]
    struck_now = [s for s in struck if s is not None]
    out = {s.person for s in struck_now}
    struck_now += _over_capacity(ctx, flight, manifest, [p for p in seated if p not in out], departure)
    events = [step.change("strike", s.person, s.detail, strike=s.reason) for s in struck_now]
    _append(conn, flight, manifest, [*events, step.life("lock", "re-decided at the scheduled departure")], step)
    gone = {s.person for s in struck_now}
    return LockReport(flight_id, tuple(p for p in seated if p not in gone), tuple(struck_now))


def _blocked(person: str, decided: Decided | None, serves: Serves) -> Struck | None:
    if decided is None:
        return Struck(person, StrikeReason.OTHER, "no longer in the stored world")
    reasons = decided.reasons_against(serves)
    return _strike_for(person, reasons) if reasons else None


def _strike_for(person: str, reasons: Sequence[Reason]) -> Struck:
    """A court order's reason names the order; any other block is `blocked_by_decision`."""
    codes = ", ".join(f"{r.code} ({r.detail})" for r in reasons)
    court = any(r.code == "court_order" for r in reasons)
    return Struck(person, StrikeReason.COURT_ORDER if court else StrikeReason.BLOCKED_BY_DECISION, codes)


def _over_capacity(
    ctx: Context, flight: Flight, manifest: Manifest, kept: list[str], departure: datetime
) -> list[Struck]:
    by_agreement: dict[str, list[str]] = defaultdict(list)
    for person in kept:
        agreement = _leg_serves(flight, manifest, person).agreement
        if agreement is not None:
            by_agreement[agreement].append(person)
    struck = []
    for agreement, people in by_agreement.items():
        left = _places_left(ctx, agreement, departure, RESERVING_STATES, exclude_flight=flight.id)
        if len(people) <= left:
            continue
        ranked = sorted(people, key=lambda p: (-_priority(ctx, p, departure), p))
        struck += [
            Struck(p, StrikeReason.CAPACITY, f"{agreement}: {left} places left at lock") for p in ranked[max(left, 0) :]
        ]
    return struck


# ---- board, depart, arrive ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardOutcome:
    person: str
    boarded: bool
    detail: str
    ledger_index: int | None = None


def board(conn: Connection, ledger: Ledger, flight_id: str, person_id: str, identity: str, step: Step) -> BoardOutcome:
    """Re-decide at the instant of boarding and check the identity presented. A mismatch strikes the
    person and opens an incident (nobody is substituted); a block strikes them with its reasons. Boarding
    hands the person from detention to the escort in the custody ledger."""
    flight = repo.load_flight(conn, flight_id)
    manifest = repo.load_manifest(conn, flight)
    passenger = manifest.passengers.get(person_id)
    if passenger is None or passenger.status is not PassengerStatus.PLANNED:
        was = passenger.status.value if passenger else "not on the manifest"
        raise MovementError(f"flight {flight_id}: {person_id} cannot board ({was})")
    opening = [step.life("begin_boarding", "first person boards")] if manifest.state is ManifestState.LOCKED else []
    ctx = Context.of(conn, step)
    person = ctx.person(person_id)
    if not _identity_matches(person, identity):
        _incident(conn, flight_id, person_id, step, f"identity presented {identity!r} does not match the record")
        strike = step.change(
            "strike", person_id, "identity presented does not match", strike=StrikeReason.IDENTITY_MISMATCH
        )
        _append(conn, flight, manifest, [*opening, strike], step)
        return BoardOutcome(person_id, False, "identity mismatch: struck, incident opened")
    serves = _serves_leg(flight, passenger.leg)
    decided = ctx.decide([person_id], step.at, step.at)[person_id]
    verdict = permit_handover(ctx.world, decided, serves, flight.escort, step.at, ctx.pack.timezone)
    if isinstance(verdict, HandoverRefusal):
        struck = _strike_for(person_id, verdict.reasons)
        strike = step.change("strike", person_id, struck.detail, strike=struck.reason)
        _append(conn, flight, manifest, [*opening, strike], step)
        return BoardOutcome(person_id, False, f"blocked at boarding: {struck.detail}")
    _append(conn, flight, manifest, [*opening, step.change("board", person_id, verdict.explanation)], step)
    place = f"{flight.origin.code} boarding {flight.id}"
    index = _record(conn, ledger, verdict, flight.detention_custodian, place, step)
    return BoardOutcome(person_id, True, verdict.explanation, index)


def _identity_matches(person: Person, presented: str) -> bool:
    identity = person.identity
    return identity is not None and identity.verified and identity.reference == presented


def _incident(conn: Connection, flight_id: str, person_id: str, step: Step, detail: str) -> None:
    conn.execute(
        insert(movement_incidents).values(
            flight_id=flight_id,
            person_id=person_id,
            kind="identity_mismatch",
            occurred_at=step.at,
            recorded_at=step.recorded,
            actor=step.actor,
            detail=detail,
        )
    )


def depart(conn: Connection, flight_id: str, step: Step) -> list[str]:
    """The next leg departs. People planned but not boarded are struck first; returns their ids."""
    flight = repo.load_flight(conn, flight_id)
    manifest = repo.load_manifest(conn, flight)
    no_shows = [p.person for p in manifest.with_status(PassengerStatus.PLANNED)]
    events = [step.change("strike", p, "not boarded before departure", strike=StrikeReason.OTHER) for p in no_shows]
    wheels_up = step.life("depart", "wheels up", leg=manifest.departed_legs + 1)
    _append(conn, flight, manifest, [*events, wheels_up], step)
    return no_shows


@dataclass(frozen=True)
class Handed:
    person: str
    handed_over: bool
    detail: str  # why: the decision relied on, or the reasons for the refusal
    legal_basis: str | None = None  # as recorded in the ledger
    ledger_index: int | None = None


@dataclass(frozen=True)
class ArrivalReport:
    flight: str
    leg: int
    outcomes: tuple[Handed, ...]
    return_leg: str | None  # the proposed return, when anyone must be returned


def arrive(conn: Connection, ledger: Ledger, flight_id: str, leg: int, step: Step) -> ArrivalReport:
    """The leg arrives; each person disembarking here is decided again at this instant, as known at the
    recording instant. An allowed decision hands them to the receiving custodian; a blocked one refuses
    the handover: they stay with the escort, are marked return_required, and a return leg is proposed.
    Anyone held in flight by a court order is refused without a decision: a hold ends only when the
    order is lifted, never by an arrival."""
    flight = repo.load_flight(conn, flight_id)
    before = repo.load_manifest(conn, flight)
    manifest = _append(conn, flight, before, [step.life("arrive", "on blocks", leg=leg)], step)
    held = {p.person for p in manifest.with_status(PassengerStatus.HELD) if p.leg == leg}
    here = [p.person for p in manifest.with_status(PassengerStatus.BOARDED, PassengerStatus.HELD) if p.leg == leg]
    ctx = Context.of(conn, step)
    decided = ctx.decide([p for p in here if p not in held], step.at, step.at)
    holds = repo.last_reasons(conn, flight_id, held, "hold")
    arriving = flight.leg(leg)
    serves = _serves_leg(flight, leg)
    outcomes, events = [], []
    for person in here:
        receiver = arriving.receiving_custodian or ""
        verdict: HandoverPermit | HandoverRefusal
        if person in held:
            verdict = HandoverRefusal(person, step.at, (Reason("held", holds.get(person, "held"), "accord movements"),))
        else:
            verdict = permit_handover(ctx.world, decided[person], serves, receiver, step.at, ctx.pack.timezone)
        if isinstance(verdict, HandoverPermit):
            index = _record(conn, ledger, verdict, flight.escort, f"{arriving.to.code} arrival {flight.id}", step)
            events.append(step.change("hand_over", person, verdict.explanation))
            outcomes.append(Handed(person, True, verdict.explanation, verdict.legal_basis, index))
        else:
            detail = ", ".join(f"{r.code} ({r.detail})" for r in verdict.reasons)
            events.append(step.change("refuse_handover", person, detail))
            _propose_return(conn, flight, leg, person, step, detail)
            outcomes.append(Handed(person, False, detail))
    repo.append(conn, flight, manifest, events)
    refused = any(not o.handed_over for o in outcomes)
    route = f"{arriving.to.code} -> {flight.origin.code} with escort {flight.escort}" if refused else None
    return ArrivalReport(flight_id, leg, tuple(outcomes), route)


def _propose_return(conn: Connection, flight: Flight, leg: int, person: str, step: Step, reason: str) -> None:
    conn.execute(
        insert(movement_return_proposals).values(
            flight_id=flight.id,
            leg=leg,
            person_id=person,
            from_airport=flight.leg(leg).to.code,
            to_airport=flight.origin.code,
            proposed_at=step.recorded,
            reason=reason,
        )
    )


RETURN_BASIS = "return_required"  # the ledger's legal basis of a return; the manifest event says why


@dataclass(frozen=True)
class Returned:
    person: str
    from_custodian: str  # who held them: the receiving custodian, or the escort after a refused handover
    to_custodian: str  # the flight's detention custodian in the sending state
    ledger_index: int


def return_person(conn: Connection, ledger: Ledger, flight_id: str, person_id: str, step: Step) -> Returned:
    """Bring back someone marked return_required on this flight (a refused handover, or a court order
    after a handover): one handover from whoever holds them now to the flight's detention custodian,
    co-signed by both. From then on they hold no place of the agreement and accrue no fee. Anyone not
    return_required on this manifest is refused (MovementError), and nothing is written."""
    flight = repo.load_flight(conn, flight_id)
    manifest = repo.load_manifest(conn, flight)
    why = f"returned to {flight.detention_custodian} at {flight.origin.code}"
    _append(conn, flight, manifest, [step.change("return", person_id, why)], step)  # refused unless return_required
    custody = where(conn, ledger, person_id)
    holder = flight.escort if custody is None else custody.custodian
    index = record_handover(
        conn,
        ledger,
        person_id=person_id,
        from_custodian=holder,
        to_custodian=flight.detention_custodian,
        place=f"return to {flight.origin.code} after flight {flight.id}",
        occurred_at=step.at,
        recorded_at=step.recorded,
        legal_basis=RETURN_BASIS,
        home_country=_home(conn),
    )
    return Returned(person_id, holder, flight.detention_custodian, index)


def cancel(conn: Connection, flight_id: str, step: Step, reason: str) -> None:
    """Cancel a manifest that has nobody aboard (draft, locked, or boarding with everyone struck)."""
    flight = repo.load_flight(conn, flight_id)
    _append(conn, flight, repo.load_manifest(conn, flight), [step.life("cancel", reason)], step)


def close(conn: Connection, flight_id: str, step: Step) -> None:
    flight = repo.load_flight(conn, flight_id)
    _append(conn, flight, repo.load_manifest(conn, flight), [step.life("close")], step)


def _record(conn: Connection, ledger: Ledger, permit: HandoverPermit, sender: str, place: str, step: Step) -> int:
    """The only way a movement reaches the custody ledger: from a permit granted at this instant."""
    return record_handover(
        conn,
        ledger,
        person_id=permit.person,
        from_custodian=sender,
        to_custodian=permit.to_custodian,
        place=place,
        occurred_at=permit.at,
        recorded_at=step.recorded,
        legal_basis=permit.legal_basis,
        home_country=_home(conn),
    )


def return_to_detention(conn: Connection, ledger: Ledger, flight: Flight, person: str, step: Step, basis: str) -> int:
    """Someone taken off a plane before it leaves goes back from the escort to detention (a domestic
    handover: it needs no permit, only the reason)."""
    return record_handover(
        conn,
        ledger,
        person_id=person,
        from_custodian=flight.escort,
        to_custodian=flight.detention_custodian,
        place=f"{flight.origin.code} {flight.id}",
        occurred_at=step.at,
        recorded_at=step.recorded,
        legal_basis=basis,
        home_country=_home(conn),
    )


# ---- helpers ------------------------------------------------------------------------------------------


def _append(conn: Connection, flight: Flight, manifest: Manifest, events: Sequence[repo.Event], step: Step) -> Manifest:
    """Append a step's events to a manifest, refusing them as an unannounced late entry when the step
    claims to have happened before the last event already recorded for the flight or for one of the
    people it concerns (docs/integrity.md, "Late entries")."""
    if step.late_entry is None:
        people = {e.person for e in events if isinstance(e, PassengerEvent)}
        latest = repo.latest_event(conn, flight.id, people)
        if latest is not None and step.at < latest.occurred_at:
            raise Refused(
                f"late entry: --at {rfc3339(step.at)} is earlier than {latest.describe()}, already recorded; "
                "a step that happened before events already recorded needs --late-entry REASON"
            )
    return repo.append(conn, flight, manifest, events)


def _home(conn: Connection) -> str:
    """The sending state of the stored world: custody anywhere else is foreign custody."""
    home = stored_sending_state(conn)
    if home is None:
        raise MovementError("no world has been imported into this database (run `accord import FILE`)")
    return home


def _serves(flight: Flight) -> list[Serves]:
    return [leg.serves for leg in flight.legs if leg.serves is not None]


def _serves_leg(flight: Flight, number: int) -> Serves:
    serves = flight.leg(number).serves
    if serves is None:
        raise MovementError(f"flight {flight.id}: leg {number} serves no agreement or repatriation")
    return serves


def _leg_serves(flight: Flight, manifest: Manifest, person: str) -> Serves:
    return _serves_leg(flight, manifest.passengers[person].leg)


def _agreements(flights: Iterable[Flight]) -> set[str]:
    return {s.agreement for f in flights for s in _serves(f) if s.agreement is not None}


def _latest_departure(flights: Iterable[Flight], agreement: str) -> datetime:
    return max(f.scheduled_departure for f in flights if any(s.agreement == agreement for s in _serves(f)))


def _places_left(
    ctx: Context,
    agreement_id: str,
    at: datetime,
    states: Iterable[ManifestState] = (ManifestState.DRAFT, *RESERVING_STATES),
    exclude_flight: str | None = None,
) -> int:
    """The version's capacity at `at`, less the people held under the agreement that day (custody
    records, and people handed over by movements and still abroad, return_required included, not yet in
    them) and the places held on manifests."""
    agreement = ctx.world.agreement_by_id.get(agreement_id)
    if agreement is None:
        raise MovementError(f"no agreement {agreement_id!r} in the stored world as known at {ctx.known_at}")
    tz = ctx.world.agreement_timezone(agreement)
    version = version_in_effect(agreement, at, tz)
    if version is None or version.capacity is None:
        return UNLIMITED
    day = local_date(at, tz)
    in_records = {r.person for r in ctx.world.custody if r.agreement == agreement_id and r.held_on(day)}
    handed = repo.held_abroad_under(ctx.conn, agreement_id) - in_records
    held = occupancy(ctx.world, agreement_id, day) + len(handed)
    return max(0, version.capacity - held - repo.seated_under(ctx.conn, agreement_id, states, exclude_flight))


def _priority(ctx: Context, person_id: str, departure: datetime) -> int:
    orders = administratively_final_orders(ctx.person(person_id), departure, ctx.pack.timezone)
    finals = [to_instant(o.final, ctx.pack.timezone) for o in orders if o.final is not None]
    if not finals:
        return 0
    tz = ctx.pack.timezone
    return priority_of(local_date(min(finals), tz), local_date(departure, tz))


def _state(manifest: Manifest) -> str:
    return manifest.state.value if manifest.state is not None else "no manifest"


@dataclass(frozen=True)
class ShownManifest:
    flight: Flight
    manifest: Manifest

    @property
    def state_name(self) -> str:
        return _state(self.manifest)


def show_manifest(conn: Connection, flight_id: str) -> ShownManifest:
    flight = repo.load_flight(conn, flight_id)
    return ShownManifest(flight, repo.load_manifest(conn, flight))


def ledger_exists(conn: Connection) -> bool:
    return bool(ledger_ids(conn))

"""A court order takes effect at once: recording it re-decides, in the same transaction, every person it
may cover who is on an open manifest, in flight, or in foreign custody.

The new order is the only fact that changed, so only the `court_order` gate can change for anyone, and
only for people the new order's scope matches (another order's carve-out can only stop releasing someone
the new order matches). Each person is judged at the instant of their next step, never earlier than now:
the scheduled departure for people not yet in the air, the scheduled arrival of their leg for people in
flight, now for people already handed over.

1. The passengers are read from the manifests' projection; the world without its people, and only the
   court-order facts of those passengers (`movements_world`), are loaded.
2. The new order's scope is matched with the shared `scope_matches` on the pathway of each leg.
3. For those matched, the rules' own `court_order` gate (orders in effect, carve-outs included) says
   whether the pathway of their leg is now blocked, with the reason's words.
4. The changes are written with one statement per table (`movements_repository.append_many`).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from accord.domain import CourtOrder, Person, World
from accord.domain.errors import InvalidInput, NotFound, Refused
from accord.ledger.service import Ledger
from accord.movements.flights import Flight, Serves
from accord.movements.manifest import (
    ManifestState,
    MovementError,
    PassengerEvent,
    PassengerKind,
    PassengerStatus,
    StrikeReason,
)
from accord.rules import gates
from accord.rules.decision import Pathway
from accord.rules.interpreter import candidates
from accord.rules.pack import Pack, pack_for_world
from accord.rules.predicates import scope_matches
from accord.services import movements_repository as repo
from accord.services.movements import return_to_detention
from accord.services.movements_world import Coverage, load_coverage, load_frame
from accord.services.steps import Step
from accord.store.court_orders import OrderEvent, OrderVersion, log_order_event, order_history, stored_court_order
from accord.store.court_orders import amended_by as _amended_by
from accord.store.records import COURT_ORDERS, flatten
from accord.store.writer import Writer

_NOT_YET_FLOWN = frozenset({ManifestState.DRAFT, ManifestState.LOCKED, ManifestState.BOARDING})
# Where a person may be for a court order to reach them: on an open manifest, in flight, or handed over.
_REACHABLE = (PassengerStatus.PLANNED, PassengerStatus.BOARDED, PassengerStatus.HELD, PassengerStatus.HANDED_OVER)


@dataclass(frozen=True)
class Affected:
    person: str
    flight: str
    action: str  # struck | held | return_required | already_held | no_action (bar_removal in foreign custody)
    detail: str


@dataclass(frozen=True)
class _Judge:
    """The world frame as known now, with the new order, and the people's court-order facts."""

    world: World
    pack: Pack
    order: CourtOrder
    coverage: Coverage

    def blocking(self, person: Person, serves: Serves, destination: str, as_of: datetime) -> str | None:
        """The `court_order` reason's words when the new order matches the pathway of the leg and an
        order in effect at `as_of` covers it; None when the person keeps their previous status."""
        situation = gates.Situation(self.world, person, as_of, self.pack, self.pack.era_at(as_of))
        for candidate in candidates(situation):
            if candidate.destination != destination or not serves.accepts(_pathway(candidate)):
                continue
            if scope_matches(
                self.order.scope,
                person,
                candidate.kind,
                destination,
                as_of,
                self.order.binding_from,
                self.pack.timezone,
            ):
                return gates.court_order(situation, candidate)
        return None


@dataclass(frozen=True)
class OrderEffects:
    """What recording, amending or lifting an order did: `action` is recorded, unchanged (the same order
    again: nothing written), amended or lifted; `affected` the people it struck, held or flagged;
    `released` the holds it ended."""

    order: str
    action: str
    affected: tuple[Affected, ...] = ()
    released: tuple[Affected, ...] = ()


def record_court_order(
    conn: Connection, ledger: Ledger | None, order: CourtOrder, step: Step, source: str
) -> OrderEffects:
    """Store the order (recorded at the step's recording instant) and apply it to everyone it now blocks.
    The same id again with the same content changes nothing; with different content it is refused: an
    order changes only by `amend_court_order` or `lift_court_order`. The ledger is needed only to take
    people off a plane still boarding (escort back to detention)."""
    _refuse_claimed_recording(order)
    existing = stored_court_order(conn, order.id)
    if existing is not None:
        if _terms(existing) == _terms(order):
            return OrderEffects(order.id, "unchanged")
        raise Refused(
            f"court order {order.id} is already recorded with different terms ({_difference(existing, order)}); "
            f"an order is never replaced: `accord court-order amend {order.id} FILE` records an amending order, "
            f"`accord court-order lift {order.id} --reason TEXT` ends it"
        )
    stored = order.model_copy(update={"recorded_at": step.recorded_at})
    _write(conn, [stored], step, source)
    log_order_event(conn, order.id, "record", step, source=source)
    with _cycle_collection_paused():
        return OrderEffects(order.id, "recorded", tuple(_propagate(conn, ledger, stored, step)))


def amend_court_order(
    conn: Connection, ledger: Ledger | None, order_id: str, amending: CourtOrder, step: Step, source: str
) -> OrderEffects:
    """Record `amending`, a new order with its own id, which replaces `order_id` from its `binding_from`
    on: the amended order ends at that instant (a new version of it, attributed), the amending order
    takes effect as if recorded, and holds that no order still justifies are released."""
    _refuse_claimed_recording(amending)
    old = _existing(conn, order_id)
    if amending.id == order_id:
        raise Refused(f"the amending order needs its own id (not {order_id}): the court's amended order")
    again = stored_court_order(conn, amending.id)
    if again is not None:
        if _terms(again) == _terms(amending) and _amended_by(conn, order_id) == amending.id:
            return OrderEffects(amending.id, "unchanged")
        raise Refused(f"court order {amending.id} is already recorded; an amending order needs a new id")
    cut = amending.binding_from
    _check_cut(old, cut, "the amending order's binding_from")
    ended = old.model_copy(update={"until": cut, "recorded_at": step.recorded_at})
    stored = amending.model_copy(update={"recorded_at": step.recorded_at})
    _write(conn, [ended, stored], step, source)
    log_order_event(conn, order_id, "amend", step, source=source, refers=amending.id)
    with _cycle_collection_paused():
        affected = tuple(_propagate(conn, ledger, stored, step))
        return OrderEffects(amending.id, "amended", affected, tuple(_release_holds(conn, step, order_id)))


def lift_court_order(conn: Connection, order_id: str, reason: str, step: Step) -> OrderEffects:
    """End `order_id` at the step's instant (`--at`: when the lifting order binds), attributed and with
    its reason, and release the holds that no order still justifies."""
    if not reason.strip():
        raise Refused("--reason: say why the order is lifted (the lifting order, its docket entry)")
    old = _existing(conn, order_id)
    _check_cut(old, step.at, "--at")
    ended = old.model_copy(update={"until": step.at, "recorded_at": step.recorded_at})
    _write(conn, [ended], step, f"lift: {reason}")
    log_order_event(conn, order_id, "lift", step, reason=reason)
    with _cycle_collection_paused():
        return OrderEffects(order_id, "lifted", (), tuple(_release_holds(conn, step, order_id)))


def _refuse_claimed_recording(order: CourtOrder) -> None:
    if order.recorded_at is not None:
        raise InvalidInput(
            f"court order {order.id}: recorded_at is set by Accord's clock when the order is recorded; "
            "remove it (--at says when the order was entered)"
        )


def _existing(conn: Connection, order_id: str) -> CourtOrder:
    order = stored_court_order(conn, order_id)
    if order is None:
        raise NotFound(f"no court order {order_id!r} is recorded")
    return order


def _check_cut(order: CourtOrder, cut: datetime, what: str) -> None:
    if cut <= order.binding_from:
        raise Refused(f"{what} {cut.isoformat()} is not after court order {order.id} binds ({order.binding_from})")
    if order.until is not None and order.until <= cut:
        raise Refused(f"court order {order.id} already ended at {order.until.isoformat()}")


def _terms(order: CourtOrder) -> dict[str, object]:
    return order.model_dump(exclude={"recorded_at"})


def _difference(old: CourtOrder, new: CourtOrder) -> str:
    a, b = _terms(old), _terms(new)
    return ", ".join(f"{k}: {a[k]!r} -> {b[k]!r}" for k in a if a[k] != b[k])


def _write(conn: Connection, orders: Sequence[CourtOrder], step: Step, source: str) -> None:
    Writer(conn, now=step.recorded_at, kind="court_order", source=source).write(flatten(COURT_ORDERS, orders))


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Propagation over thousands of people allocates hundreds of thousands of objects that reference
    counting frees; meanwhile the cyclic collector would walk the whole heap a few times (a third of the run
    at 10,000 people), so it is paused for the run and resumed after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _propagate(conn: Connection, ledger: Ledger | None, stored: CourtOrder, step: Step) -> list[Affected]:
    """Strike, hold or flag everyone the stored order now blocks."""
    rows = repo.passengers(conn, _REACHABLE, repo.NOT_CANCELLED)
    if not rows:
        return []
    world = load_frame(conn, step.recorded)
    by_id = any(o.scope.persons is not None for o in world.court_orders)
    coverage = load_coverage(conn, step.recorded, repo.person_ids(_REACHABLE, repo.NOT_CANCELLED), by_id)
    judge = _Judge(world, pack_for_world(world), stored, coverage)
    flights = repo.load_flights(conn, {r.flight_id for r in rows})
    blocked = _blocked(judge, rows, flights, step.at)
    return _apply(conn, ledger, flights, blocked, stored, step)


def _blocked(
    judge: _Judge, rows: Sequence[repo.PassengerRow], flights: dict[str, Flight], now: datetime
) -> list[tuple[repo.PassengerRow, str]]:
    """Each passenger the orders now block on their leg, with the reason's words. People with equal
    court-order facts, on the same kind of leg, judged at the same instant, are judged once."""
    found: list[tuple[repo.PassengerRow, str]] = []
    judged: dict[tuple[object, ...], str | None] = {}
    for row in rows:
        flight = flights[row.flight_id]
        leg = flight.leg(row.leg)
        person = judge.coverage.person(row.person_id)
        if leg.serves is None or person is None:
            continue
        as_of = _next_step(row, flight, now)
        key = (judge.coverage.group_of[row.person_id], leg.serves.label, leg.to.country, as_of)
        if key not in judged:
            judged[key] = judge.blocking(person, leg.serves, leg.to.country, as_of)
        detail = judged[key]
        if detail is not None:
            found.append((row, f"court_order ({detail})"))
    return found


def _pathway(candidate: gates.Candidate) -> Pathway:
    return Pathway(candidate.kind, candidate.destination, candidate.agreement_id, ())


def _next_step(row: repo.PassengerRow, flight: Flight, now: datetime) -> datetime:
    if row.status is PassengerStatus.HANDED_OVER:
        return now
    if row.state in _NOT_YET_FLOWN:
        return max(now, flight.scheduled_departure)
    return max(now, flight.leg(row.leg).scheduled_arrival)


def _apply(
    conn: Connection,
    ledger: Ledger | None,
    flights: dict[str, Flight],
    blocked: Sequence[tuple[repo.PassengerRow, str]],
    order: CourtOrder,
    step: Step,
) -> list[Affected]:
    """Strike, hold or flag each person, taking off the plane those already boarded; the manifest
    events of every flight are appended together."""
    events: dict[str, list[repo.Event]] = defaultdict(list)
    affected = []
    changes = _Changes(step)
    for row, detail in blocked:
        action, event = _action(row, order, changes, detail)
        if event is not None:
            events[row.flight_id].append(event)
        if row.status is PassengerStatus.BOARDED and action == "struck":
            if ledger is None:
                raise MovementError(f"{row.person_id} must be taken off flight {row.flight_id}: the ledger is needed")
            return_to_detention(conn, ledger, flights[row.flight_id], row.person_id, step, "struck:court_order")
        affected.append(Affected(row.person_id, row.flight_id, action, detail))
    changed = {f: flights[f] for f in sorted(events)}
    manifests = repo.projected_manifests(conn, changed.values())
    repo.append_many(conn, [(flight, manifests[f], events[f]) for f, flight in changed.items()])
    return affected


@dataclass
class _Changes:
    """The order's manifest events for one step. The first event of each kind is built (and validated) by
    `Step.change`; the others are copies of it with their own person and words, valid as it is."""

    step: Step
    first: dict[PassengerKind, PassengerEvent] = field(default_factory=dict)

    def change(self, kind: PassengerKind, person: str, why: str) -> PassengerEvent:
        if kind in self.first:
            return self.first[kind].model_copy(update={"person": person, "reason": why})
        strike = StrikeReason.COURT_ORDER if kind == "strike" else None
        self.first[kind] = self.step.change(kind, person, why, strike=strike)
        return self.first[kind]


def _action(
    row: repo.PassengerRow, order: CourtOrder, changes: _Changes, detail: str
) -> tuple[str, PassengerEvent | None]:
    why = f"court order {order.id}: {detail}"
    if row.status is PassengerStatus.HANDED_OVER:
        if order.effect == "require_return":
            return "return_required", changes.change("mark_return_required", row.person_id, why)
        return "no_action", None
    if row.state in _NOT_YET_FLOWN:
        return "struck", changes.change("strike", row.person_id, why)
    if row.status is PassengerStatus.HELD:
        return "already_held", None
    return "held", changes.change("hold", row.person_id, why)


def _release_holds(conn: Connection, step: Step, order_id: str) -> list[Affected]:
    """Release everyone held in flight whose leg no court order in effect blocks any more (as known at
    the step's recording instant, at their leg's arrival): the hold ends, and the arrival decides them."""
    rows = repo.passengers(conn, (PassengerStatus.HELD,), (ManifestState.DEPARTED,))
    if not rows:
        return []
    world = load_frame(conn, step.recorded_at)
    pack = pack_for_world(world)
    coverage = load_coverage(conn, step.recorded_at, repo.person_ids((PassengerStatus.HELD,), _IN_FLIGHT), True)
    flights = repo.load_flights(conn, {r.flight_id for r in rows})
    events: dict[str, list[repo.Event]] = defaultdict(list)
    released = []
    for row in rows:
        flight = flights[row.flight_id]
        leg = flight.leg(row.leg)
        person = coverage.person(row.person_id)
        if leg.serves is None or person is None:
            continue
        as_of = _next_step(row, flight, step.at)
        if _court_blocks(world, pack, person, leg.serves, leg.to.country, as_of):
            continue
        why = f"court order {order_id} no longer covers this leg; no other order holds them"
        events[row.flight_id].append(step.change("release", row.person_id, why))
        released.append(Affected(row.person_id, row.flight_id, "released", why))
    changed = {f: flights[f] for f in sorted(events)}
    manifests = repo.projected_manifests(conn, changed.values())
    repo.append_many(conn, [(flight, manifests[f], events[f]) for f, flight in changed.items()])
    return released


_IN_FLIGHT = (ManifestState.DEPARTED,)


def _court_blocks(world: World, pack: Pack, person: Person, serves: Serves, destination: str, as_of: datetime) -> bool:
    situation = gates.Situation(world, person, as_of, pack, pack.era_at(as_of))
    return any(
        gates.court_order(situation, candidate) is not None
        for candidate in candidates(situation)
        if candidate.destination == destination and serves.accepts(_pathway(candidate))
    )


@dataclass(frozen=True)
class OrderHistory:
    """An order as known at an instant, with every stored version and every event about it."""

    order_id: str
    known: CourtOrder | None
    versions: tuple[OrderVersion, ...]
    events: tuple[OrderEvent, ...]

    def lines(self) -> list[str]:
        lines = []
        if self.known is None:
            lines.append(f"{self.order_id}: not known at that instant")
        else:
            o = self.known
            until = o.until.isoformat() if o.until else "open"
            scope = o.scope.model_dump(exclude_defaults=True)
            lines.append(f"{o.id}: {o.effect} from {o.binding_from.isoformat()} until {until}; scope {scope}")
        lines.append("versions (recorded -> superseded):")
        for v in self.versions:
            recorded = v.recorded_at.isoformat() if v.recorded_at else "as its file says"
            superseded = v.superseded_at.isoformat() if v.superseded_at else "current"
            until = v.order.until.isoformat() if v.order.until else "open"
            lines.append(f"  {recorded} -> {superseded}: until {until}")
        lines.append("events:")
        for e in self.events:
            extra = "".join(
                f"; {label} {value}" for label, value in (("amended by", e.refers), ("reason", e.reason)) if value
            )
            lines.append(
                f"  {e.kind} at {e.occurred_at.isoformat()} (recorded {e.recorded_at.isoformat()}) by {e.actor}{extra}"
            )
        return lines


def court_order_history(conn: Connection, order_id: str, known_at: datetime | None = None) -> OrderHistory:
    """The order as known at `known_at` (now when None), its versions and events; NotFound when never
    recorded."""
    versions, events = order_history(conn, order_id)
    if not versions:
        raise NotFound(f"no court order {order_id!r} is recorded")
    return OrderHistory(order_id, stored_court_order(conn, order_id, known_at), tuple(versions), tuple(events))

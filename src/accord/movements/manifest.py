"""The manifest of one flight as an explicit state machine over events.

A manifest is never edited: it is the fold of its events. Each event carries when it happened
(`occurred_at`), when Accord learnt it (`recorded_at`), who recorded it and why. Two tables say what may
happen: `LIFECYCLE` for the manifest itself and `PASSENGER` for each person on it, together with
`PASSENGER_CHANGES_IN`, the manifest states in which each kind of change to a person is accepted.
Everything else is refused with `TransitionRefused`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Discriminator, Field, model_validator

from accord.domain.base import Record
from accord.domain.errors import Refused
from accord.domain.limits import Name
from accord.domain.time import Instant


class MovementError(Refused):
    """A movement that may not happen as asked; the message names the flight, person and rule."""


class TransitionRefused(MovementError):
    """An event the state machine does not accept in the current state."""


class ManifestState(StrEnum):
    DRAFT = "draft"
    LOCKED = "locked"
    BOARDING = "boarding"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# Open manifests hold seats and agreement places; an arrived manifest's people are either in foreign
# custody (counted as occupancy) or with the escort awaiting return (holding no place).
OPEN_STATES = frozenset({ManifestState.DRAFT, ManifestState.LOCKED, ManifestState.BOARDING, ManifestState.DEPARTED})
# Locked and later manifests are firm reservations; drafts are proposals that a lock may still cut.
RESERVING_STATES = frozenset({ManifestState.LOCKED, ManifestState.BOARDING, ManifestState.DEPARTED})


class PassengerStatus(StrEnum):
    PLANNED = "planned"
    STRUCK = "struck"
    BOARDED = "boarded"
    HELD = "held"  # in flight and covered by a court order: the escort keeps them, no handover
    HANDED_OVER = "handed_over"
    RETURN_REQUIRED = "return_required"
    RETURNED = "returned"  # back in the sending state's detention: a co-signed handover in the ledger


# People who still occupy a seat (and an agreement place) on an open manifest.
SEATED = frozenset({PassengerStatus.PLANNED, PassengerStatus.BOARDED, PassengerStatus.HELD})


class StrikeReason(StrEnum):
    BLOCKED_BY_DECISION = "blocked_by_decision"
    COURT_ORDER = "court_order"
    IDENTITY_MISMATCH = "identity_mismatch"
    MEDICAL = "medical"
    CAPACITY = "capacity"
    OTHER = "other"


LifecycleKind = Literal["create", "lock", "begin_boarding", "depart", "arrive", "close", "cancel"]
PassengerKind = Literal[
    "add", "strike", "board", "hold", "release", "hand_over", "refuse_handover", "mark_return_required", "return"
]


class _Event(Record):
    occurred_at: Instant
    recorded_at: Instant
    actor: Name = Field(min_length=1)
    reason: str = ""  # why, in words; for a strike the enumerated `strike_reason` says it in a code
    # Set on an event that claims to have happened before events already recorded: why it comes late
    # (docs/integrity.md, "Late entries").
    late_entry: str | None = None


class LifecycleEvent(_Event):
    type: Literal["lifecycle"] = "lifecycle"
    kind: LifecycleKind
    leg: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _leg_where_needed(self) -> LifecycleEvent:
        if (self.kind in ("depart", "arrive")) != (self.leg is not None):
            raise ValueError("depart and arrive name their leg; other lifecycle events do not")
        return self


class PassengerEvent(_Event):
    type: Literal["passenger"] = "passenger"
    kind: PassengerKind
    person: str = Field(min_length=1)
    leg: int | None = Field(default=None, ge=1)  # on `add`: the leg where the person disembarks
    strike_reason: StrikeReason | None = None

    @model_validator(mode="after")
    def _payload(self) -> PassengerEvent:
        if (self.kind == "add") != (self.leg is not None):
            raise ValueError("an `add` names the leg where the person disembarks; other changes do not")
        if (self.kind == "strike") != (self.strike_reason is not None):
            raise ValueError("a strike carries a strike_reason, and only a strike does")
        if self.strike_reason is StrikeReason.OTHER and not self.reason.strip():
            raise ValueError("a strike for `other` reasons must say the reason in words")
        return self


ManifestEvent = Annotated[LifecycleEvent | PassengerEvent, Discriminator("type")]


class EventEnvelope(Record):
    """Wraps one event so that it can be stored as JSON and read back to the right type."""

    event: ManifestEvent


S = ManifestState
P = PassengerStatus

LIFECYCLE: Mapping[tuple[ManifestState | None, LifecycleKind], ManifestState] = {
    (None, "create"): S.DRAFT,
    (S.DRAFT, "lock"): S.LOCKED,
    (S.LOCKED, "begin_boarding"): S.BOARDING,
    (S.BOARDING, "depart"): S.DEPARTED,
    (S.DEPARTED, "depart"): S.DEPARTED,  # the next leg, after an intermediate stop
    (S.DEPARTED, "arrive"): S.ARRIVED,  # an intermediate stop keeps DEPARTED (see `_arrive`)
    (S.ARRIVED, "close"): S.CLOSED,
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.LOCKED, "cancel"): S.CANCELLED,
    (S.BOARDING, "cancel"): S.CANCELLED,
}

PASSENGER: Mapping[tuple[PassengerStatus | None, PassengerKind], PassengerStatus] = {
    (None, "add"): P.PLANNED,
    (P.PLANNED, "strike"): P.STRUCK,
    (P.BOARDED, "strike"): P.STRUCK,  # taken off before departure
    (P.PLANNED, "board"): P.BOARDED,
    (P.BOARDED, "hold"): P.HELD,
    # A hold ends only when the court order that caused it is lifted or narrowed (never by an arrival).
    (P.HELD, "release"): P.BOARDED,
    (P.BOARDED, "hand_over"): P.HANDED_OVER,
    (P.BOARDED, "refuse_handover"): P.RETURN_REQUIRED,
    (P.HELD, "refuse_handover"): P.RETURN_REQUIRED,
    (P.HANDED_OVER, "mark_return_required"): P.RETURN_REQUIRED,
    (P.RETURN_REQUIRED, "return"): P.RETURNED,
}

PASSENGER_CHANGES_IN: Mapping[PassengerKind, frozenset[ManifestState]] = {
    "add": frozenset({S.DRAFT}),
    "strike": frozenset({S.DRAFT, S.LOCKED, S.BOARDING}),
    "board": frozenset({S.BOARDING}),
    "hold": frozenset({S.DEPARTED}),
    "release": frozenset({S.DEPARTED}),
    "hand_over": frozenset({S.DEPARTED, S.ARRIVED}),
    "refuse_handover": frozenset({S.DEPARTED, S.ARRIVED}),
    # A require_return order reaches people already in foreign custody, after the flight is closed too.
    "mark_return_required": frozenset({S.ARRIVED, S.CLOSED}),
    # Someone refused at an intermediate stop flies on with the escort (DEPARTED) and may be returned later.
    "return": frozenset({S.DEPARTED, S.ARRIVED, S.CLOSED}),
}


@dataclass(frozen=True)
class Passenger:
    person: str
    leg: int
    status: PassengerStatus
    strike_reason: StrikeReason | None = None


@dataclass(frozen=True)
class Manifest:
    flight: str
    legs: int
    state: ManifestState | None = None  # None until the `create` event
    departed_legs: int = 0
    arrived_legs: int = 0
    passengers: Mapping[str, Passenger] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def seated(self) -> list[Passenger]:
        return [p for p in self.passengers.values() if p.status in SEATED]

    def with_status(self, *statuses: PassengerStatus) -> list[Passenger]:
        return [p for p in self.passengers.values() if p.status in statuses]


def apply(manifest: Manifest, event: LifecycleEvent | PassengerEvent) -> Manifest:
    """The manifest after `event`, or `TransitionRefused` naming what forbids it."""
    if isinstance(event, LifecycleEvent):
        return _lifecycle(manifest, event)
    passenger = _passenger(manifest, event)
    return replace(manifest, passengers={**manifest.passengers, passenger.person: passenger})


def replay(flight: str, legs: int, events: Iterable[LifecycleEvent | PassengerEvent]) -> Manifest:
    """Fold the events in order from an empty manifest."""
    return fold(Manifest(flight=flight, legs=legs), events)


def fold(start: Manifest, events: Iterable[LifecycleEvent | PassengerEvent]) -> Manifest:
    """The manifest after `events`, all accepted, or `TransitionRefused` (and `start` untouched). The
    passenger map is copied once and built in place, not copied per event, so that a manifest of
    thousands of people folds in linear time."""
    passengers = dict(start.passengers)
    manifest = replace(start, passengers=passengers)
    for event in events:
        if isinstance(event, LifecycleEvent):
            manifest = _lifecycle(manifest, event)
        else:
            passenger = _passenger(manifest, event)
            passengers[passenger.person] = passenger
    return manifest


def _lifecycle(manifest: Manifest, event: LifecycleEvent) -> Manifest:
    target = LIFECYCLE.get((manifest.state, event.kind))
    if target is None:
        raise TransitionRefused(f"flight {manifest.flight}: cannot {event.kind} a manifest that is {_name(manifest)}")
    if event.kind == "depart":
        return _depart(manifest, event.leg or 0, target)
    if event.kind == "arrive":
        return _arrive(manifest, event.leg or 0)
    if event.kind in ("close", "cancel"):
        _nobody_aboard(manifest, event.kind)
    return replace(manifest, state=target)


def _depart(manifest: Manifest, leg: int, target: ManifestState) -> Manifest:
    if leg != manifest.departed_legs + 1 or manifest.departed_legs != manifest.arrived_legs or leg > manifest.legs:
        raise TransitionRefused(
            f"flight {manifest.flight}: leg {leg} cannot depart "
            f"({manifest.departed_legs} departed, {manifest.arrived_legs} arrived of {manifest.legs})"
        )
    planned = manifest.with_status(P.PLANNED)
    if planned:
        raise TransitionRefused(
            f"flight {manifest.flight}: {len(planned)} planned passengers have neither boarded nor been struck "
            f"(first: {planned[0].person})"
        )
    return replace(manifest, state=target, departed_legs=leg)


def _arrive(manifest: Manifest, leg: int) -> Manifest:
    if leg != manifest.arrived_legs + 1 or leg != manifest.departed_legs:
        raise TransitionRefused(
            f"flight {manifest.flight}: leg {leg} cannot arrive "
            f"({manifest.departed_legs} departed, {manifest.arrived_legs} arrived of {manifest.legs})"
        )
    state = S.ARRIVED if leg == manifest.legs else S.DEPARTED
    return replace(manifest, state=state, arrived_legs=leg)


def _nobody_aboard(manifest: Manifest, kind: str) -> None:
    aboard = manifest.with_status(P.BOARDED, P.HELD)
    if aboard:
        raise TransitionRefused(
            f"flight {manifest.flight}: cannot {kind} while {len(aboard)} people are still with the escort "
            f"(first: {aboard[0].person})"
        )


def _passenger(manifest: Manifest, event: PassengerEvent) -> Passenger:
    """The person's entry after `event`, validated against both tables."""
    if manifest.state not in PASSENGER_CHANGES_IN[event.kind]:
        raise TransitionRefused(
            f"flight {manifest.flight}: cannot {event.kind} {event.person} on a manifest that is {_name(manifest)}"
        )
    current = manifest.passengers.get(event.person)
    status = PASSENGER.get((current.status if current else None, event.kind))
    if status is None:
        was = current.status.value if current else "not on the manifest"
        raise TransitionRefused(f"flight {manifest.flight}: cannot {event.kind} {event.person}, who is {was}")
    leg = event.leg if current is None else current.leg
    if leg is None or leg > manifest.legs:
        raise TransitionRefused(f"flight {manifest.flight}: {event.person} would disembark at a leg {leg} it lacks")
    if event.kind in ("hand_over", "refuse_handover") and leg > manifest.arrived_legs:
        raise TransitionRefused(f"flight {manifest.flight}: leg {leg} of {event.person} has not arrived")
    return Passenger(event.person, leg, status, event.strike_reason)


def _name(manifest: Manifest) -> str:
    return manifest.state.value if manifest.state is not None else "not created"

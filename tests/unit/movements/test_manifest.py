"""The manifest state machine, transition by transition, and its invariants over random event sequences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from accord.movements.manifest import (
    LIFECYCLE,
    PASSENGER,
    PASSENGER_CHANGES_IN,
    LifecycleEvent,
    LifecycleKind,
    Manifest,
    ManifestState,
    PassengerEvent,
    PassengerKind,
    PassengerStatus,
    StrikeReason,
    TransitionRefused,
    apply,
    replay,
)
from tests.hypothesis_budget import examples

T0 = datetime(2025, 3, 15, 20, 0, tzinfo=UTC)
LIFECYCLE_KINDS: tuple[LifecycleKind, ...] = ("create", "lock", "begin_boarding", "depart", "arrive", "close", "cancel")
PASSENGER_KINDS: tuple[PassengerKind, ...] = (
    "add",
    "strike",
    "board",
    "hold",
    "hand_over",
    "refuse_handover",
    "mark_return_required",
    "return",
)


def life(kind: LifecycleKind, leg: int | None = None) -> LifecycleEvent:
    return LifecycleEvent(kind=kind, leg=leg, occurred_at=T0, recorded_at=T0, actor="officer")


def change(kind: PassengerKind, person: str = "P1", leg: int | None = None) -> PassengerEvent:
    strike = StrikeReason.MEDICAL if kind == "strike" else None
    leg = 1 if kind == "add" and leg is None else leg
    return PassengerEvent(
        kind=kind, person=person, leg=leg, strike_reason=strike, occurred_at=T0, recorded_at=T0, actor="officer"
    )


# The shortest path of events that brings a one-leg manifest, with P1 aboard where possible, to a state.
Event = LifecycleEvent | PassengerEvent
PATHS: dict[ManifestState, list[Event]] = {
    ManifestState.DRAFT: [life("create"), change("add")],
    ManifestState.LOCKED: [life("create"), change("add"), life("lock")],
    ManifestState.BOARDING: [life("create"), change("add"), life("lock"), life("begin_boarding"), change("board")],
}
PATHS[ManifestState.DEPARTED] = [*PATHS[ManifestState.BOARDING], life("depart", 1)]
PATHS[ManifestState.ARRIVED] = [*PATHS[ManifestState.DEPARTED], life("arrive", 1)]
PATHS[ManifestState.CLOSED] = [*PATHS[ManifestState.ARRIVED], change("hand_over"), life("close")]
PATHS[ManifestState.CANCELLED] = [life("create"), change("add"), life("cancel")]


def in_state(state: ManifestState) -> Manifest:
    return replay("F1", 1, PATHS[state])


@pytest.mark.parametrize("state", list(ManifestState))
@pytest.mark.parametrize("kind", ["lock", "begin_boarding", "close", "cancel"])
def test_lifecycle_transition_follows_the_table(state: ManifestState, kind: LifecycleKind) -> None:
    manifest = in_state(state)
    target = LIFECYCLE.get((state, kind))
    # The guard on close and cancel: nobody may still be with the escort.
    guarded = kind in ("close", "cancel") and manifest.with_status(PassengerStatus.BOARDED, PassengerStatus.HELD)
    if target is None or guarded:
        with pytest.raises(TransitionRefused):
            apply(manifest, life(kind))
    else:
        assert apply(manifest, life(kind)).state is target


def test_create_only_once() -> None:
    with pytest.raises(TransitionRefused):
        apply(in_state(ManifestState.DRAFT), life("create"))


def test_depart_and_arrive_walk_the_legs_in_order() -> None:
    manifest = replay("F1", 2, PATHS[ManifestState.BOARDING])
    with pytest.raises(TransitionRefused):
        apply(manifest, life("depart", 2))
    manifest = apply(manifest, life("depart", 1))
    with pytest.raises(TransitionRefused):
        apply(manifest, life("depart", 2))  # leg 1 has not arrived
    manifest = apply(manifest, life("arrive", 1))
    assert manifest.state is ManifestState.DEPARTED  # an intermediate stop
    manifest = apply(apply(manifest, life("depart", 2)), life("arrive", 2))
    assert manifest.state is ManifestState.ARRIVED
    with pytest.raises(TransitionRefused):
        apply(manifest, life("arrive", 3))


def test_depart_refused_while_someone_planned_has_not_boarded() -> None:
    events: list[Event] = [
        life("create"),
        change("add"),
        change("add", "P2"),
        life("lock"),
        life("begin_boarding"),
        change("board"),
    ]
    manifest = replay("F1", 1, events)
    with pytest.raises(TransitionRefused, match="neither boarded nor been struck"):
        apply(manifest, life("depart", 1))
    struck = PassengerEvent(
        kind="strike",
        person="P2",
        strike_reason=StrikeReason.IDENTITY_MISMATCH,
        occurred_at=T0,
        recorded_at=T0,
        actor="officer",
    )
    assert apply(apply(manifest, struck), life("depart", 1)).state is ManifestState.DEPARTED


def test_close_and_cancel_refused_while_people_are_with_the_escort() -> None:
    with pytest.raises(TransitionRefused, match="still with the escort"):
        apply(in_state(ManifestState.ARRIVED), life("close"))
    with pytest.raises(TransitionRefused, match="still with the escort"):
        apply(in_state(ManifestState.BOARDING), life("cancel"))


# P1's status in each state's path above.
STATUS_IN: dict[ManifestState, PassengerStatus] = {
    ManifestState.DRAFT: PassengerStatus.PLANNED,
    ManifestState.LOCKED: PassengerStatus.PLANNED,
    ManifestState.BOARDING: PassengerStatus.BOARDED,
    ManifestState.DEPARTED: PassengerStatus.BOARDED,
    ManifestState.ARRIVED: PassengerStatus.BOARDED,
    ManifestState.CLOSED: PassengerStatus.HANDED_OVER,
    ManifestState.CANCELLED: PassengerStatus.PLANNED,
}


@pytest.mark.parametrize("state", list(ManifestState))
@pytest.mark.parametrize("kind", [k for k in PASSENGER_KINDS if k != "add"])
def test_passenger_change_follows_both_tables(state: ManifestState, kind: PassengerKind) -> None:
    manifest = in_state(state)
    assert manifest.passengers["P1"].status is STATUS_IN[state]
    target = PASSENGER.get((STATUS_IN[state], kind))
    # The guard on handovers: the person's leg must have arrived.
    in_the_air = kind in ("hand_over", "refuse_handover") and manifest.arrived_legs < 1
    if target is None or state not in PASSENGER_CHANGES_IN[kind] or in_the_air:
        with pytest.raises(TransitionRefused):
            apply(manifest, change(kind))
    else:
        assert apply(manifest, change(kind)).passengers["P1"].status is target


@pytest.mark.parametrize(
    "path",
    [
        [change("refuse_handover")],  # refused at arrival: still with the escort
        [change("hand_over"), change("mark_return_required")],  # ordered back after the handover
        [change("hand_over"), change("mark_return_required"), life("close")],
    ],
)
def test_only_someone_return_required_is_returned(path: list[Event]) -> None:
    arrived = replay("F1", 1, [*PATHS[ManifestState.ARRIVED], *path])
    returned = apply(arrived, change("return"))
    assert returned.passengers["P1"].status is PassengerStatus.RETURNED
    with pytest.raises(TransitionRefused, match="cannot return P1, who is returned"):
        apply(returned, change("return"))


@pytest.mark.parametrize("state", list(ManifestState))
def test_add_only_to_a_draft(state: ManifestState) -> None:
    manifest = in_state(state)
    if state is ManifestState.DRAFT:
        assert apply(manifest, change("add", "P9")).passengers["P9"].status is PassengerStatus.PLANNED
    else:
        with pytest.raises(TransitionRefused):
            apply(manifest, change("add", "P9"))


def test_add_twice_is_refused() -> None:
    with pytest.raises(TransitionRefused, match="who is planned"):
        apply(in_state(ManifestState.DRAFT), change("add"))


def test_handover_waits_for_the_persons_leg() -> None:
    events: list[Event] = [life("create"), change("add", leg=2), life("lock"), life("begin_boarding"), change("board")]
    manifest = replay("F1", 2, [*events, life("depart", 1), life("arrive", 1)])
    with pytest.raises(TransitionRefused, match="has not arrived"):
        apply(manifest, change("hand_over"))
    arrived = apply(apply(manifest, life("depart", 2)), life("arrive", 2))
    assert apply(arrived, change("hand_over")).passengers["P1"].status is PassengerStatus.HANDED_OVER


def test_strike_needs_an_enumerated_reason_and_words_for_other() -> None:
    with pytest.raises(ValidationError):
        PassengerEvent(kind="strike", person="P1", occurred_at=T0, recorded_at=T0, actor="a")
    with pytest.raises(ValidationError, match="say the reason in words"):
        PassengerEvent(
            kind="strike", person="P1", strike_reason=StrikeReason.OTHER, occurred_at=T0, recorded_at=T0, actor="a"
        )
    with pytest.raises(ValidationError):
        PassengerEvent(kind="strike", person="P1", strike_reason="tired", occurred_at=T0, recorded_at=T0, actor="a")
    ok = PassengerEvent(
        kind="strike",
        person="P1",
        strike_reason=StrikeReason.OTHER,
        reason="no escort seat",
        occurred_at=T0,
        recorded_at=T0,
        actor="a",
    )
    assert ok.strike_reason is StrikeReason.OTHER


def test_events_need_an_actor_and_aware_instants() -> None:
    with pytest.raises(ValidationError):
        LifecycleEvent(kind="lock", occurred_at=T0, recorded_at=T0, actor="")
    with pytest.raises(ValidationError):
        LifecycleEvent(kind="lock", occurred_at=datetime(2025, 3, 15), recorded_at=T0, actor="a")
    with pytest.raises(ValidationError):
        LifecycleEvent(kind="arrive", occurred_at=T0, recorded_at=T0, actor="a")  # which leg?


EVENTS = st.one_of(
    st.sampled_from(LIFECYCLE_KINDS).flatmap(
        lambda k: st.builds(life, st.just(k), st.just(1) if k in ("depart", "arrive") else st.none())
    ),
    st.builds(change, st.sampled_from(PASSENGER_KINDS), st.sampled_from(["P1", "P2", "P3"])),
)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(EVENTS, max_size=30))
def test_any_sequence_keeps_the_invariants(events: list[LifecycleEvent | PassengerEvent]) -> None:
    manifest = Manifest(flight="F1", legs=1)
    for event in events:
        try:
            after = apply(manifest, event)
        except TransitionRefused:
            continue
        for person, passenger in after.passengers.items():
            before = manifest.passengers.get(person)
            if before is not None and before.status is not passenger.status:
                assert (before.status, event.kind) in PASSENGER  # only tabled moves
            if passenger.status is PassengerStatus.HANDED_OVER:
                assert after.arrived_legs >= passenger.leg  # never handed over in the air
        if after.state in (ManifestState.DEPARTED, ManifestState.ARRIVED):
            assert not after.with_status(PassengerStatus.PLANNED)  # nobody left behind as "planned"
        manifest = after
    assert replay("F1", 1, _accepted(events)) == manifest


def _accepted(events: list[LifecycleEvent | PassengerEvent]) -> list[LifecycleEvent | PassengerEvent]:
    manifest = Manifest(flight="F1", legs=1)
    kept = []
    for event in events:
        try:
            manifest = apply(manifest, event)
        except TransitionRefused:
            continue
        kept.append(event)
    return kept


def test_timestamps_are_kept_on_the_events() -> None:
    late = LifecycleEvent(kind="lock", occurred_at=T0, recorded_at=T0 + timedelta(hours=1), actor="officer")
    assert late.recorded_at - late.occurred_at == timedelta(hours=1)

"""Decisions "as known at" an instant (the pruning itself is `domain.knowledge.as_known_at`: a record
learnt after `known_at` does not exist for that decision, a whole person, agreement or identity
included; docs/spec/rules.md §3), and the narrowing of a world to the one person a decision reads."""

from __future__ import annotations

from accord.domain.knowledge import as_known_at, rebuild
from accord.domain.world import World

__all__ = ["as_known_at", "narrowed_to"]


def narrowed_to(world: World, person_id: str) -> World:
    """The world with only one person (or none, when the id is unknown): everything a decision about that
    person reads, so that deciding one person does not walk the whole caseload."""
    person = world.person_by_id.get(person_id)
    return rebuild(world, {"persons": (person,) if person is not None else ()})

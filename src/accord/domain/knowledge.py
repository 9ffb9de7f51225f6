"""The world "as known at" an instant: a record whose `recorded_at` is after `known_at` does not exist
for that decision, a whole person or agreement included (docs/spec: rules, time). A pure function over
the domain records, shared by the file path and the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from accord.domain.base import Fact
from accord.domain.world import World

M = TypeVar("M", bound=BaseModel)


def as_known_at(world: World, known_at: datetime) -> World:
    """The world with every record learnt after `known_at` removed; the same object when none was."""
    return _prune(world, known_at)


def _prune(model: M, known_at: datetime) -> M:
    changed: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
            kept = tuple(_prune(item, known_at) for item in value if _known(item, known_at))
            if len(kept) != len(value) or any(a is not b for a, b in zip(kept, value, strict=True)):
                changed[name] = kept
        elif isinstance(value, BaseModel):
            # A single nested record learnt later (a person's identity) is absent, as if never recorded.
            pruned = _prune(value, known_at) if _known(value, known_at) else None
            if pruned is not value:
                changed[name] = pruned
    return rebuild(model, changed) if changed else model


def rebuild(model: M, changed: dict[str, Any]) -> M:
    """`model` with some fields replaced, without validation (a pruned world may hold an agreement with
    no version known yet). Rebuilt rather than copied: a copy would carry the cached lookups
    (person_by_id, ...) of the original world along with it."""
    fields = {name: getattr(model, name) for name in type(model).model_fields}
    return type(model).model_construct(_fields_set=model.model_fields_set, **{**fields, **changed})


def _known(item: BaseModel, known_at: datetime) -> bool:
    return not isinstance(item, Fact) or item.known_at(known_at)

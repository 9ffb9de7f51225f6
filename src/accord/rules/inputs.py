"""The hash of a decision's inputs: the world as known, the rule pack, `as_of` and `known_at`. A stored
decision carries it, so a replay can show it read exactly the same inputs."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from accord.domain import World
from accord.rules.pack import Pack


def inputs_hash(world: World, pack: Pack, as_of: datetime, known_at: datetime) -> str:
    """SHA-256 of canonical JSON (sorted keys, instants in UTC) of everything the decision read."""
    document = {
        "world": world.model_dump(mode="json", by_alias=True),
        "pack": pack.model_dump(mode="json", by_alias=True),
        "as_of": as_of.timestamp(),
        "known_at": known_at.timestamp(),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

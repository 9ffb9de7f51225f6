"""Replaying stored decisions: what was known when a decision was made, and whether the same record and
the same rules decide the same again (docs/rules.md, "Replaying stored decisions").

A stored decision keeps its instants (`as_of`, `known_at`, `decided_at`), the pack and era, the hash of
its inputs and its content id. A replay loads the stored world as known at `known_at` again, decides the
person with the pack of the same name at `as_of`, re-attaches the warning a movement adds
(`recheck_before_boarding`, which depends only on the stored `as_of` and `decided_at`) when the stored
decision carries it, and compares. The inputs hash says whether the record as known at `known_at` is
still what the decision read (append-only storage keeps it so); the decision whether the rules still
decide the same; the content id covers both, so a handover's legal basis that cites it is confirmed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from accord.domain import World
from accord.rules.decision import DecisionSet, PersonDecision, decision_id, with_warning
from accord.rules.inputs import inputs_hash
from accord.rules.interpreter import decide
from accord.rules.knowledge import as_known_at
from accord.rules.pack import Pack, UnknownPack, load_pack
from accord.services.movements import recheck_warning
from accord.store.reader import load_world
from accord.store.tables_decisions import StoredDecision

RECHECK = "recheck_before_boarding"


@dataclass(frozen=True)
class Replay:
    """One stored decision and what replaying it gave; `differences` is empty when it came out the same."""

    stored: StoredDecision
    decision_id: str | None  # the replayed decision's content id; None when it could not be decided again
    differences: tuple[str, ...]

    @property
    def same(self) -> bool:
        return not self.differences


def replay_decisions(conn: Connection, stored: Sequence[StoredDecision]) -> list[Replay]:
    """Replay each stored decision; the answers come in the order given. The world is loaded once per
    `known_at`, and the persons of one (as_of, known_at, pack) are decided together."""
    groups: dict[tuple[datetime, datetime, str], list[StoredDecision]] = defaultdict(list)
    for decision in stored:
        groups[(decision.known_at, decision.as_of, decision.rule_pack)].append(decision)
    worlds: dict[datetime, World] = {}
    replayed: dict[int, Replay] = {}
    for (known_at, as_of, pack_name), members in groups.items():
        if known_at not in worlds:
            worlds[known_at] = as_known_at(load_world(conn, known_at), known_at)
        replayed.update((r.stored.id, r) for r in _replay_group(worlds[known_at], as_of, known_at, pack_name, members))
    return [replayed[decision.id] for decision in stored]


def _replay_group(
    world: World, as_of: datetime, known_at: datetime, pack_name: str, members: Sequence[StoredDecision]
) -> list[Replay]:
    try:
        pack = load_pack(pack_name)
    except UnknownPack:
        return [Replay(d, None, (f"rule pack {pack_name!r} no longer exists",)) for d in members]
    present = [d.person for d in members if d.person in world.person_by_id]
    decided = decide(world, as_of, known_at, present, pack)
    fresh = {d.person: d for d in decided.decisions}
    digest = inputs_hash(world, pack, as_of, known_at)
    return [_replay_one(d, decided, fresh.get(d.person), digest, pack) for d in members]


def _replay_one(
    stored: StoredDecision, decided: DecisionSet, fresh: PersonDecision | None, digest: str, pack: Pack
) -> Replay:
    if fresh is None:  # append-only storage never forgets a person: say so rather than fail every replay
        return Replay(stored, None, (f"no person {stored.person!r} in the stored world as known at then",))
    warning = recheck_warning(pack, stored.as_of, stored.decided_at) if _warned(stored.body) else None
    if warning is not None:
        fresh = with_warning(fresh, warning)
    differences = []
    if digest != stored.inputs_hash:
        differences.append("inputs: the stored world as known at known_at is no longer what the decision read")
    if decided.era != stored.era:
        differences.append(f"era: {stored.era} when decided, {decided.era} now")
    differences += _pathway_differences(stored.body, fresh.to_json())
    replayed_id = decision_id(decided, fresh, digest)
    if not differences and replayed_id != stored.decision_id:
        differences.append("content id: differs although the inputs and the decision agree")
    return Replay(stored, replayed_id, tuple(differences))


def _warned(body: Mapping[str, Any]) -> bool:
    return any(w.get("code") == RECHECK for p in body.get("pathways", []) for w in p.get("warnings", []))


def _pathway_differences(then: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Each pathway whose status, reasons or warnings differ, named by kind, destination and agreement."""

    def keyed(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        return {_name(p): p for p in body.get("pathways", [])}

    before, after = keyed(then), keyed(now)
    out = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            out.append(f"{name}: {'not a pathway when decided' if old is None else 'no longer a pathway'}")
        elif old != new:
            was, is_now = _summary(old), _summary(new)
            change = f"{was} when decided, {is_now} now" if was != is_now else "the reasons' details or sources differ"
            out.append(f"{name}: {change}")
    return out


def _name(pathway: Mapping[str, Any]) -> str:
    agreement = f" under {pathway['agreement']}" if pathway.get("agreement") else ""
    return f"{pathway['kind']} to {pathway['destination']}{agreement}"


def _summary(pathway: Mapping[str, Any]) -> str:
    codes = [r["code"] for r in pathway.get("reasons", [])] + [
        f"warning {w['code']}" for w in pathway.get("warnings", [])
    ]
    return f"{pathway['status']} ({', '.join(codes) or 'no reason'})"

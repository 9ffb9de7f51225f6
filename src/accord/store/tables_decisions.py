"""Stored decisions: every decision made from the database is appended with the rule pack, the era and a
hash of its inputs, so that it can be replayed ("as of T, as known at K") and checked to come out the same.
Rows are never updated; a later decision for the same person is a new row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, Connection, Index, String, Table, Text, insert, select

from accord.rules.decision import DecisionSet, decision_id
from accord.store.schema import metadata
from accord.store.types import Id, UtcDateTime

decisions = Table(
    "decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("decision_id", String(64), nullable=False),  # rules.decision.decision_id: the content address
    # When the step it was made for happened (a movement's --at; `decide db`: the recording instant): a
    # movement's decision made more than 24 h before the departure carries `recheck_before_boarding`.
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),  # when Accord stored it (its own clock)
    Column("as_of", UtcDateTime(), nullable=False),
    Column("known_at", UtcDateTime(), nullable=False),
    Column("person", String(200), nullable=False),
    Column("rule_pack", String(64), nullable=False),
    Column("era", String(64)),  # null: no era covered as_of (no_policy_in_force)
    Column("inputs_hash", String(64), nullable=False),
    Column("allowed", Boolean, nullable=False),  # some pathway allowed
    Column("body", Text, nullable=False),  # the person's decision JSON (docs/spec/world-format.md)
)
Index("ix_decisions_person_as_of", decisions.c.person, decisions.c.as_of)
Index("ix_decisions_decision_id", decisions.c.decision_id)


@dataclass(frozen=True)
class StoredDecision:
    id: int
    decision_id: str
    decided_at: datetime
    as_of: datetime
    known_at: datetime
    person: str
    rule_pack: str
    era: str | None
    inputs_hash: str
    body: dict[str, object]


def record_decisions(
    connection: Connection, decided: DecisionSet, inputs_hash: str, decided_at: datetime, recorded_at: datetime
) -> dict[str, str]:
    """Append one row per person decided; returns each person's decision id."""
    ids = {d.person: decision_id(decided, d, inputs_hash) for d in decided.decisions}
    rows = [
        {
            "decision_id": ids[d.person],
            "decided_at": decided_at,
            "recorded_at": recorded_at,
            "as_of": decided.as_of,
            "known_at": decided.known_at,
            "person": d.person,
            "rule_pack": decided.rule_pack,
            "era": decided.era,
            "inputs_hash": inputs_hash,
            "allowed": any(p.status == "allowed" for p in d.pathways),
            "body": json.dumps(d.to_json(), sort_keys=True, ensure_ascii=False),
        }
        for d in decided.decisions
    ]
    if rows:
        connection.execute(insert(decisions), rows)
    return ids


def stored_decisions(
    connection: Connection, person: str | None = None, decision_ids: Sequence[str] | None = None
) -> list[StoredDecision]:
    """Stored decisions, oldest first; only one person's when `person` is given, only those with the
    given content ids when `decision_ids` is."""
    query = select(decisions).order_by(decisions.c.id)
    if person is not None:
        query = query.where(decisions.c.person == person)
    if decision_ids is not None:
        query = query.where(decisions.c.decision_id.in_(list(decision_ids)))
    return [
        StoredDecision(
            id=row.id,
            decision_id=row.decision_id,
            decided_at=row.decided_at,
            as_of=row.as_of,
            known_at=row.known_at,
            person=row.person,
            rule_pack=row.rule_pack,
            era=row.era,
            inputs_hash=row.inputs_hash,
            body=json.loads(row.body),
        )
        for row in connection.execute(query)
    ]

"""What a decision says: for one person at one instant, each candidate pathway allowed or blocked, with
every reason (code, detail, citation) and warnings. The JSON shape is the decision JSON of docs/spec/world-format.md."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

Status = Literal["allowed", "blocked"]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail, "source": self.source}


@dataclass(frozen=True, slots=True)
class Pathway:
    kind: str
    destination: str
    agreement: str | None
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...] = ()
    # The ids of the court orders in effect that cover the pathway: those its court_order reason names.
    # Not in the decision JSON (the reason's detail names them); the decisions Parquet lists them.
    court_orders: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        # Allowed only when nothing blocks it: the status is derived, never stored separately.
        return "blocked" if self.reasons else "allowed"

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "destination": self.destination,
            "agreement": self.agreement,
            "status": self.status,
            "reasons": [r.to_json() for r in self.reasons],
            "warnings": [w.to_json() for w in self.warnings],
        }


@dataclass(frozen=True, slots=True)
class PersonDecision:
    person: str
    pathways: tuple[Pathway, ...]

    def pathway(self, kind: str, destination: str, agreement: str | None = None) -> Pathway | None:
        for p in self.pathways:
            if p.kind == kind and p.destination == destination and (agreement is None or p.agreement == agreement):
                return p
        return None

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "pathways": [p.to_json() for p in self.pathways]}


@dataclass(frozen=True, slots=True)
class DecisionSet:
    as_of: datetime
    known_at: datetime
    rule_pack: str
    era: str | None
    decisions: tuple[PersonDecision, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at.isoformat(),
            "rule_pack": self.rule_pack,
            "era": self.era,
            "decisions": [d.to_json() for d in self.decisions],
        }


def json_pieces(head: DecisionSet, persons: Iterable[PersonDecision]) -> Iterator[str]:
    """The text of `json.dumps(DecisionSet.to_json(), indent=2, ensure_ascii=False)` for `head`'s run and
    `persons`, piece by piece as the persons come: a whole caseload's JSON is never held at once."""
    shell = json.dumps(head.to_json() | {"decisions": []}, indent=2, ensure_ascii=False)
    opening = shell.removesuffix("[]\n}")  # up to `"decisions": `
    first = True
    for person in persons:
        text = json.dumps(person.to_json(), indent=2, ensure_ascii=False).replace("\n", "\n    ")
        yield (opening + "[\n    " if first else ",\n    ") + text
        first = False
    yield shell if first else "\n  ]\n}"


def with_warning(person: PersonDecision, warning: Reason) -> PersonDecision:
    """The same decision with `warning` on every pathway (once): warnings never change a status."""
    return PersonDecision(
        person.person,
        tuple(
            p if any(w.code == warning.code for w in p.warnings) else replace(p, warnings=(*p.warnings, warning))
            for p in person.pathways
        ),
    )


def decision_id(decided: DecisionSet, person: PersonDecision, inputs_hash: str) -> str:
    """A content address for one person's decision: SHA-256 over the decision JSON with the instants,
    the pack, the era and the hash of the inputs. The same inputs give the same id on any node, and an
    auditor holding the stored decision can recompute it, so a handover's legal basis can cite it."""
    content = {  # instants in UTC: the same instant written with another offset is the same decision
        "as_of": decided.as_of.astimezone(UTC).isoformat(),
        "known_at": decided.known_at.astimezone(UTC).isoformat(),
        "rule_pack": decided.rule_pack,
        "era": decided.era,
        "inputs_hash": inputs_hash,
        "decision": person.to_json(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

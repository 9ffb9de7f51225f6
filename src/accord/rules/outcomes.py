"""What a reader of a whole caseload's decisions wants first: how many people could lawfully be moved, the
pathways by outcome, and why the others are blocked. Counted from a `DecisionSet` (a world file, a few
people) or, for a bulk caseload, from the columnar engine's coded rows chunk by chunk
(`accord.rules.columnar.output.chunk_outcomes`), never by building a record per person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from accord.rules.decision import DecisionSet

# One chunk's part: persons with a pathway allowed, pathways by (kind, to, status), blocked by (kind, code).
ChunkCounts = tuple[int, Counter[tuple[str, str, str]], Counter[tuple[str, str]]]


@dataclass(frozen=True)
class Outcomes:
    as_of: datetime
    known_at: datetime
    rule_pack: str
    era: str | None
    persons: int = 0  # decided
    movable: int = 0  # with at least one pathway allowed
    by_pathway: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (kind, to, status)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, code): pathways blocked

    @classmethod
    def of_decisions(cls, decisions: DecisionSet) -> Outcomes:
        outcomes = cls(decisions.as_of, decisions.known_at, decisions.rule_pack, decisions.era)
        return outcomes.plus(
            persons=len(decisions.decisions),
            movable=sum(any(p.status == "allowed" for p in d.pathways) for d in decisions.decisions),
            by_pathway=Counter((p.kind, p.destination, p.status) for d in decisions.decisions for p in d.pathways),
            reasons=Counter((p.kind, r.code) for d in decisions.decisions for p in d.pathways for r in p.reasons),
        )

    def plus(
        self,
        persons: int,
        movable: int,
        by_pathway: Counter[tuple[str, str, str]],
        reasons: Counter[tuple[str, str]],
    ) -> Outcomes:
        """These counts added to another part of the same run's (a chunk of people)."""
        return Outcomes(
            self.as_of,
            self.known_at,
            self.rule_pack,
            self.era,
            self.persons + persons,
            self.movable + movable,
            self.by_pathway + by_pathway,
            self.reasons + reasons,
        )

    def summary(self) -> str:
        return (
            f"as of {self.as_of.isoformat()} (known at {self.known_at.isoformat()}), pack {self.rule_pack}, "
            f"era {self.era or 'none'}: {self.movable} of {self.persons} people could lawfully be moved"
        )

    def pathways(self) -> Iterable[tuple[str, str, int, int]]:
        """(kind, to, allowed, blocked) for every pathway kind and destination, in order."""
        for kind, destination in sorted({(k, d) for k, d, _ in self.by_pathway}):
            allowed = self.by_pathway[(kind, destination, "allowed")]
            yield kind, destination, allowed, self.by_pathway[(kind, destination, "blocked")]

    def blocking(self) -> Iterable[tuple[str, str, int]]:
        """(kind, reason code, pathways blocked), by kind, the most frequent reason first."""
        for (kind, code), count in sorted(self.reasons.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
            yield kind, code, count

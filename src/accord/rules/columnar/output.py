"""What the columnar engine's rows become: the interpreter's `DecisionSet` (for comparison and for the
JSON of `accord decide`), or the counts of a caseload; and the `Codebook` that says what a run's codes
mean, which the decisions Parquet (`decisions_file`) carries in its metadata."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from accord.domain.orders import PATHWAY_KINDS
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar.compile import Run
from accord.rules.columnar.engine import WORD, Block, Rows
from accord.rules.columnar.layout import COUNTRIES
from accord.rules.decision import DecisionSet, Pathway, PersonDecision, Reason
from accord.rules.gates import GATES, WARNINGS
from accord.rules.outcomes import ChunkCounts

_ASKS = {gate.code: gate.asks for gate in (*GATES, *WARNINGS)}


@dataclass(frozen=True, slots=True)
class Codebook:
    """What the codes of one decided run mean beyond the fixed vocabularies (pathway kinds, countries,
    reason and warning codes): everything, besides the persons' ids, needed to turn coded rows into a
    `DecisionSet`. The decisions Parquet stores it as JSON in its schema metadata."""

    as_of: datetime
    known_at: datetime
    rule_pack: str
    era: str | None
    agreements: tuple[str, ...]  # by `agreement` code (-1: none), in the order a person's pathways list them
    court_orders: tuple[str, ...]  # bit j of the court-order words: the order's id
    court_order_details: tuple[str, ...]  # and how a court_order reason names it
    sources: Mapping[str, str]  # the citation of each reason and warning code in this run's era

    @classmethod
    def of(cls, run: Run) -> Codebook:
        return cls(
            as_of=run.as_of,
            known_at=run.known_at,
            rule_pack=run.pack.name,
            era=run.era.id if run.era is not None else None,
            agreements=tuple(a.id for a in run.agreements),
            court_orders=tuple(o.id for o in run.court_orders),
            court_order_details=tuple(
                f"court order {o.id} ({o.effect}) binding from {o.binding_from.isoformat()}" for o in run.court_orders
            ),
            sources={code: run.pack.source_for(code, run.era) for code in (*REASON_CODES, *WARNING_CODES)},
        )

    def to_json(self) -> dict[str, Any]:
        raw: dict[str, Any] = {name: getattr(self, name) for name in self.__dataclass_fields__}
        raw.update(as_of=self.as_of.isoformat(), known_at=self.known_at.isoformat())
        return raw

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Codebook:
        fields = {name: raw[name] for name in cls.__dataclass_fields__}
        fields.update(as_of=datetime.fromisoformat(raw["as_of"]), known_at=datetime.fromisoformat(raw["known_at"]))
        for name, value in fields.items():
            if isinstance(value, list):
                fields[name] = tuple(value)
        return cls(**fields)


def decision_set(book: Codebook, rows: Rows, ids: Sequence[str], wanted: Sequence[int]) -> DecisionSet:
    """The decisions of the persons at rows `wanted` (in that order), pathways in the interpreter's order.
    Details are short: the columnar engine knows which gates failed, not the facts behind them (ask the
    interpreter for an explanation); a court_order reason names its orders."""
    order = np.lexsort((np.arange(len(rows)), rows.group, rows.person))
    person = rows.person[order]
    starts = np.searchsorted(person, np.asarray(wanted, dtype=np.int32), side="left")
    ends = np.searchsorted(person, np.asarray(wanted, dtype=np.int32), side="right")
    decisions = []
    for row, start, end in zip(wanted, starts, ends, strict=True):
        pathways = tuple(_pathway(book, rows, int(i)) for i in order[start:end])
        decisions.append(PersonDecision(person=ids[row], pathways=pathways))
    return DecisionSet(
        as_of=book.as_of, known_at=book.known_at, rule_pack=book.rule_pack, era=book.era, decisions=tuple(decisions)
    )


def _pathway(book: Codebook, rows: Rows, i: int) -> Pathway:
    agreement = int(rows.agreement[i])
    court_orders = sum(int(word) << (WORD * k) for k, word in enumerate(rows.court_orders[i]))
    return Pathway(
        kind=PATHWAY_KINDS[int(rows.kind[i])],
        destination=COUNTRIES[int(rows.destination[i])],
        agreement=book.agreements[agreement] if agreement >= 0 else None,
        reasons=tuple(_reason(book, code, court_orders) for code in _codes(int(rows.reasons[i]), REASON_CODES)),
        warnings=tuple(_reason(book, code, 0) for code in _codes(int(rows.warnings[i]), WARNING_CODES)),
        court_orders=tuple(_codes(court_orders, book.court_orders)),
    )


def _codes(mask: int, vocabulary: Sequence[str]) -> list[str]:
    return [code for bit, code in enumerate(vocabulary) if mask >> bit & 1]


def _reason(book: Codebook, code: str, court_orders: int) -> Reason:
    if code == "court_order":
        detail = "; ".join(_codes(court_orders, book.court_order_details))
    else:
        detail = f"fails: {_ASKS[code]}"
    return Reason(code, detail, book.sources[code])


def chunk_outcomes(book: Codebook, blocks: list[Block]) -> ChunkCounts:
    """One chunk's part of `rules.outcomes.Outcomes`, counted with array operations: the persons with a
    pathway allowed, pathways per (kind, destination, status), blocked pathways per (kind, reason)."""
    rows = Rows.of(blocks)
    allowed = rows.reasons == 0
    movable = len(np.unique(rows.person[allowed]))
    countries = len(COUNTRIES)
    key = rows.kind.astype(np.int64) * countries + rows.destination.astype(np.int64)
    by_pathway: Counter[tuple[str, str, str]] = Counter()
    for status, chosen in (("allowed", allowed), ("blocked", ~allowed)):
        values, counts = np.unique(key[chosen], return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            by_pathway[(PATHWAY_KINDS[value // countries], COUNTRIES[value % countries], status)] = count
    reasons: Counter[tuple[str, str]] = Counter()
    kinds = len(PATHWAY_KINDS)
    for bit, code in enumerate(REASON_CODES):
        per_kind = np.bincount(rows.kind[(rows.reasons & np.uint32(1 << bit)) != 0], minlength=kinds)
        reasons.update({(PATHWAY_KINDS[k], code): int(n) for k, n in enumerate(per_kind.tolist()) if n})
    return movable, by_pathway, reasons

"""What the columnar engine's rows become: the interpreter's `DecisionSet` (for comparison and for the
JSON of `accord decide`), or the coded decisions table of the bulk path (docs/bulk-format.md, "The
decisions Parquet"), which decodes back to the same `DecisionSet`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from accord.domain.orders import PATHWAY_KINDS
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar.compile import Run
from accord.rules.columnar.engine import WORD, Block, Rows, court_words
from accord.rules.columnar.layout import COUNTRIES
from accord.rules.decision import DecisionSet, Pathway, PersonDecision, Reason
from accord.rules.gates import GATES, WARNINGS
from accord.rules.outcomes import ChunkCounts

FORMAT = "accord.decisions/2"
METADATA_KEY = b"accord.decisions"
_ASKS = {gate.code: gate.asks for gate in (*GATES, *WARNINGS)}
# Fixed-width columns of the decisions table, in file order (`person`, the ids, only when asked for).
DECISION_SCHEMA = pa.schema(
    [
        pa.field("person_row", pa.int32(), nullable=False),
        pa.field("pathway", pa.int8(), nullable=False),
        pa.field("destination", pa.uint16(), nullable=False),
        pa.field("agreement", pa.int16(), nullable=False),
        pa.field("reasons", pa.uint32(), nullable=False),
        pa.field("warnings", pa.uint8(), nullable=False),
        pa.field("court_orders", pa.uint64(), nullable=False),
    ]
)
PERSON_FIELD = pa.field("person", pa.string(), nullable=False)


def court_order_columns(words: int) -> list[str]:
    """The court-order columns of a run with `words` words of order bits: `court_orders` holds orders
    0..63; only a run with more than 64 orders in effect has `court_orders_1` (64..127) and so on."""
    return ["court_orders", *(f"court_orders_{k}" for k in range(1, words))]


@dataclass(frozen=True, slots=True)
class Codebook:
    """What the codes of one decided run mean: everything, besides the persons' ids, needed to turn coded
    rows into a `DecisionSet`. The decisions Parquet stores it as JSON in its schema metadata, so a
    file decodes with its own tables rather than with whatever vocabularies the reader's code has."""

    as_of: datetime
    known_at: datetime
    rule_pack: str
    era: str | None
    pathway_kinds: tuple[str, ...]  # by `pathway` code
    countries: tuple[str, ...]  # by `destination` code
    agreements: tuple[str, ...]  # by `agreement` code (-1: none)
    reason_bits: tuple[str, ...]  # bit i of `reasons`
    warning_bits: tuple[str, ...]  # bit i of `warnings`
    court_orders: tuple[str, ...]  # bit j of the court-order columns (`court_order_columns`): the order's id
    court_order_details: tuple[str, ...]  # and how a court_order reason names it
    sources: Mapping[str, str]  # the citation of each reason and warning code in this run's era

    @classmethod
    def of(cls, run: Run) -> Codebook:
        return cls(
            as_of=run.as_of,
            known_at=run.known_at,
            rule_pack=run.pack.name,
            era=run.era.id if run.era is not None else None,
            pathway_kinds=tuple(PATHWAY_KINDS),
            countries=COUNTRIES,
            agreements=tuple(a.id for a in run.agreements),
            reason_bits=tuple(REASON_CODES),
            warning_bits=tuple(WARNING_CODES),
            court_orders=tuple(o.id for o in run.court_orders),
            court_order_details=tuple(
                f"court order {o.id} ({o.effect}) binding from {o.binding_from.isoformat()}" for o in run.court_orders
            ),
            sources={code: run.pack.source_for(code, run.era) for code in (*REASON_CODES, *WARNING_CODES)},
        )

    def to_json(self) -> dict[str, Any]:
        raw: dict[str, Any] = {name: getattr(self, name) for name in self.__dataclass_fields__}
        raw.update(format=FORMAT, as_of=self.as_of.isoformat(), known_at=self.known_at.isoformat())
        return raw

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Codebook:
        if raw.get("format") != FORMAT:
            raise ValueError(f"not an {FORMAT} file (format {raw.get('format')!r})")
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
        kind=book.pathway_kinds[int(rows.kind[i])],
        destination=book.countries[int(rows.destination[i])],
        agreement=book.agreements[agreement] if agreement >= 0 else None,
        reasons=tuple(_reason(book, code, court_orders) for code in _codes(int(rows.reasons[i]), book.reason_bits)),
        warnings=tuple(_reason(book, code, 0) for code in _codes(int(rows.warnings[i]), book.warning_bits)),
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
    countries = len(book.countries)
    key = rows.kind.astype(np.int64) * countries + rows.destination.astype(np.int64)
    by_pathway: Counter[tuple[str, str, str]] = Counter()
    for status, chosen in (("allowed", allowed), ("blocked", ~allowed)):
        values, counts = np.unique(key[chosen], return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            by_pathway[(book.pathway_kinds[value // countries], book.countries[value % countries], status)] = count
    reasons: Counter[tuple[str, str]] = Counter()
    kinds = len(book.pathway_kinds)
    for bit, code in enumerate(book.reason_bits):
        per_kind = np.bincount(rows.kind[(rows.reasons & np.uint32(1 << bit)) != 0], minlength=kinds)
        reasons.update({(book.pathway_kinds[k], code): int(n) for k, n in enumerate(per_kind.tolist()) if n})
    return movable, by_pathway, reasons


def decisions_table(
    book: Codebook, rows: Rows, ids: pa.ChunkedArray | None = None, person_rows: Sequence[int] | None = None
) -> pa.Table:
    """One row per pathway, every column fixed-width (zero-copy from the rows); the codes' meanings are
    the codebook, in the schema metadata. `ids` (the caseload's, by row) adds the `person` id column;
    `person_rows` records which persons were asked for, in order (None: everyone known at known_at)."""
    words = rows.court_orders.shape[1]
    columns = [
        pa.array(rows.person),
        pa.array(rows.kind),
        pa.array(rows.destination.view(np.uint16)),  # country codes are never negative
        pa.array(rows.agreement),
        pa.array(rows.reasons),
        pa.array(rows.warnings),
        # One word: a view of the rows' only column of words, no copy. More: one column per word.
        *(pa.array(np.ascontiguousarray(rows.court_orders[:, k])) for k in range(words)),
    ]
    schema = DECISION_SCHEMA
    for name in court_order_columns(words)[1:]:
        schema = schema.append(pa.field(name, pa.uint64(), nullable=False))
    if ids is not None:
        columns.insert(1, ids.take(pa.array(rows.person)).combine_chunks())
        schema = schema.insert(1, PERSON_FIELD)
    metadata = {**book.to_json(), "person_rows": None if person_rows is None else list(person_rows)}
    return pa.Table.from_arrays(columns, schema=schema.with_metadata({METADATA_KEY: json.dumps(metadata)}))


def read_table(table: pa.Table) -> tuple[Codebook, Rows, list[int] | None]:
    """A decisions table's codebook, coded rows (each pathway's group derived from its agreement and
    kind) and the persons asked for (None: everyone known at known_at)."""
    raw = json.loads(table.schema.metadata[METADATA_KEY])
    book = Codebook.from_json(raw)

    def column(name: str) -> np.ndarray[Any, Any]:
        return np.asarray(table.column(name).to_numpy())

    kind = column("pathway").astype(np.int8)
    agreement = column("agreement").astype(np.int16)
    designated = (kind != book.pathway_kinds.index("repatriation")).astype(np.int16)
    rows = Rows(
        person=column("person_row").astype(np.int32),
        group=np.where(agreement >= 0, agreement + 2, designated).astype(np.int16),
        kind=kind,
        destination=column("destination").astype(np.int16),
        agreement=agreement,
        reasons=column("reasons").astype(np.uint32),
        warnings=column("warnings").astype(np.uint8),
        court_orders=np.stack(
            [column(name).astype(np.uint64) for name in court_order_columns(court_words(len(book.court_orders)))],
            axis=1,
        ),
    )
    return book, rows, raw["person_rows"]

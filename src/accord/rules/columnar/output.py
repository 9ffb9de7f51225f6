"""What the columnar engine's rows become: the interpreter's `DecisionSet` (for comparison and for the
JSON of `accord decide`), or an Arrow table of decisions (docs/bulk-format.md, "decisions.parquet")."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from accord.domain.orders import PATHWAY_KINDS
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar.compile import Run
from accord.rules.columnar.engine import Rows
from accord.rules.columnar.layout import COUNTRIES
from accord.rules.decision import DecisionSet, Pathway, PersonDecision, Reason
from accord.rules.gates import GATES, WARNINGS

STATUSES = ("allowed", "blocked")
_ASKS = {gate.code: gate.asks for gate in (*GATES, *WARNINGS)}


def decision_set(run: Run, rows: Rows, ids: Sequence[str], wanted: Sequence[int]) -> DecisionSet:
    """The decisions of the persons at rows `wanted` (in that order), pathways in the interpreter's order.
    Details are short: the columnar engine knows which gates failed, not the facts behind them (ask the
    interpreter for an explanation); a court_order reason names its orders."""
    order = np.lexsort((np.arange(len(rows)), rows.group, rows.person))
    person = rows.person[order]
    starts = np.searchsorted(person, np.asarray(wanted, dtype=np.int32), side="left")
    ends = np.searchsorted(person, np.asarray(wanted, dtype=np.int32), side="right")
    decisions = []
    for row, start, end in zip(wanted, starts, ends, strict=True):
        pathways = tuple(_pathway(run, rows, int(i)) for i in order[start:end])
        decisions.append(PersonDecision(person=ids[row], pathways=pathways))
    return DecisionSet(
        as_of=run.as_of,
        known_at=run.known_at,
        rule_pack=run.pack.name,
        era=run.era.id if run.era is not None else None,
        decisions=tuple(decisions),
    )


def _pathway(run: Run, rows: Rows, i: int) -> Pathway:
    agreement = int(rows.agreement[i])
    return Pathway(
        kind=PATHWAY_KINDS[int(rows.kind[i])],
        destination=COUNTRIES[int(rows.destination[i])],
        agreement=run.agreements[agreement].id if agreement >= 0 else None,
        reasons=tuple(
            _reason(run, code, int(rows.court_orders[i])) for code in _codes(int(rows.reasons[i]), REASON_CODES)
        ),
        warnings=tuple(_reason(run, code, 0) for code in _codes(int(rows.warnings[i]), WARNING_CODES)),
    )


def _codes(mask: int, vocabulary: Sequence[str]) -> list[str]:
    return [code for bit, code in enumerate(vocabulary) if mask >> bit & 1]


def _reason(run: Run, code: str, court_orders: int) -> Reason:
    if code == "court_order":
        covering = [o for j, o in enumerate(run.court_orders) if court_orders >> j & 1]
        detail = "; ".join(
            f"court order {o.id} ({o.effect}) binding from {o.binding_from.isoformat()}" for o in covering
        )
    else:
        detail = f"fails: {_ASKS[code]}"
    return Reason(code, detail, run.pack.source_for(code, run.era))


def decisions_table(run: Run, rows: Rows) -> pa.Table:
    """One row per pathway; codes as dictionary strings, reasons and warnings as bit masks whose bit
    meanings (and the run's instants, pack and era) are in the schema metadata."""
    agreement_ids = [a.id for a in run.agreements]
    agreement = pa.DictionaryArray.from_arrays(
        pa.array(rows.agreement, mask=rows.agreement < 0), pa.array(agreement_ids or [""], pa.string())
    )
    columns = {
        "person": pa.array(rows.person),
        "kind": pa.DictionaryArray.from_arrays(pa.array(rows.kind), pa.array(PATHWAY_KINDS)),
        "destination": pa.DictionaryArray.from_arrays(pa.array(rows.destination), pa.array(COUNTRIES)),
        "agreement": agreement,
        "status": pa.DictionaryArray.from_arrays(pa.array((rows.reasons != 0).astype(np.int8)), pa.array(STATUSES)),
        "reasons": pa.array(rows.reasons),
        "warnings": pa.array(rows.warnings),
        "court_orders": pa.array(rows.court_orders),
    }
    metadata = {
        "accord.as_of": run.as_of.isoformat(),
        "accord.known_at": run.known_at.isoformat(),
        "accord.rule_pack": run.pack.name,
        "accord.era": run.era.id if run.era is not None else "",
        "accord.reason_bits": json.dumps(list(REASON_CODES)),
        "accord.warning_bits": json.dumps(list(WARNING_CODES)),
        "accord.court_order_bits": json.dumps([o.id for o in run.court_orders]),
    }
    return pa.table(columns).replace_schema_metadata(metadata)

"""Synthetic caseloads for `accord synth`: a bulk directory whose mix follows public figures and that
exercises every gate. Generation is vectorised and chunked (one Parquet row group per chunk), so ten
million people take seconds and bounded memory.

Mix: ICE FY2024 removals by citizenship (ICE Annual Report FY2024): Mexico 87,298; Guatemala 66,435;
Honduras 45,923; El Salvador 15,284; all others 56,544 of 271,484; about a third with a criminal history.
The rest (legal statuses, orders, protections, claims, notices) is modelled to reach every gate."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from accord.domain import World
from accord.files import new_file, refuse_existing
from accord.rules.bulk import PERSONS_FILE, WORLD_FILE, fact_file, write_world_file
from accord.rules.columnar.tables import FACT_SCHEMAS, PERSONS_SCHEMA
from accord.rules.columnar.zones import MICROS_PER_DAY, micros

# FY2024 removals by citizenship; "other" is split over the next largest nationalities.
NATIONALITY_MIX: dict[str, float] = {
    "MEX": 87_298,
    "GTM": 66_435,
    "HND": 45_923,
    "SLV": 15_284,
    "COL": 12_000,
    "ECU": 10_000,
    "DOM": 8_000,
    "VEN": 8_000,
    "NIC": 5_000,
    "CUB": 4_000,
    "PER": 3_500,
    "HTI": 2_500,
    "BRA": 2_000,
    "IND": 1_544,
}
LANGUAGE_OF = {"BRA": "por", "HTI": "hat", "IND": "hin"}  # everyone else: Spanish
STATUS_MIX = {
    "undocumented": 0.84,
    "lpr": 0.06,
    "parolee": 0.04,
    "nonimmigrant": 0.03,
    "refugee": 0.01,
    "citizen": 0.02,
}
DISTRICTS = ("SDTX", "WDTX", "DAZ", "SDCA", "CDCA", "NDGA", "SDFL", "DNJ", "EDVA", "WDLA", "DMD", "DMA")
CRIMINAL_HISTORY = 1 / 3
# The decision instants the caseload is built around (the US pack's eras of 2025).
REFERENCE = datetime(2025, 7, 20, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Draw:
    """The random source and the chunk being drawn: `n` people from row `base`."""

    rng: np.random.Generator
    n: int
    base: int

    def chance(self, p: float, size: int | None = None) -> NDArray[np.bool_]:
        return self.rng.random(self.n if size is None else size) < p

    def pick(
        self, values: tuple[str, ...], weights: list[float] | None = None, size: int | None = None
    ) -> NDArray[np.int64]:
        w = np.asarray(weights if weights is not None else [1.0] * len(values), dtype=np.float64)
        return self.rng.choice(len(values), size=self.n if size is None else size, p=w / w.sum())

    def days_before(self, low: int, high: int, size: int) -> NDArray[np.int64]:
        """Instants (µs) between `high` and `low` days before the reference, at a random second."""
        seconds = self.rng.integers(low * 86_400, high * 86_400, size=size)
        return micros(REFERENCE) - seconds * 1_000_000


def synth_world() -> World:
    """Agreements, countries and court orders of 2025 (as in the scenarios), for a synthetic caseload."""
    return World.model_validate(
        {
            "sending_state": "USA",
            "countries": [
                {"code": "VEN", "acceptance": [{"from": date(2025, 1, 15), "status": "no_response"}]},
                {"code": "CUB", "acceptance": [{"from": date(2020, 1, 1), "status": "refuses"}], "returns_onward": []},
                {"code": "NIC", "acceptance": [{"from": date(2024, 1, 1), "status": "refuses"}]},
                {
                    "code": "MEX",
                    "acceptance": [{"from": date(2010, 1, 1), "status": "accepts"}],
                    "returns_onward": ["GTM"],
                },
                {"code": "SWZ", "credible_assurances": [{"from": date(2025, 7, 1)}]},
            ],
            "facilities": [
                {
                    "id": "SLV-CECOT",
                    "country": "SLV",
                    "kind": "prison",
                    "capacity": 40000,
                    "timezone": "America/El_Salvador",
                },
            ],
            "agreements": [
                {
                    "id": "US-SLV-2025",
                    "sending": "USA",
                    "receiving": "SLV",
                    "facility": "SLV-CECOT",
                    "timezone": "America/El_Salvador",
                    "versions": [
                        {
                            "from": date(2025, 3, 14),
                            "status": "in_force",
                            "capacity": 300,
                            "accepts": {
                                "nationalities": "any",
                                "exclude_nationalities": ["NIC"],
                                "sexes": ["M"],
                                "min_age": 18,
                                "requires_conviction": True,
                            },
                        },
                        {"from": date(2026, 3, 16), "status": "expired"},
                    ],
                },
                {
                    "id": "US-MEX-2025",
                    "sending": "USA",
                    "receiving": "MEX",
                    "timezone": "America/Mexico_City",
                    "versions": [
                        {
                            "from": date(2025, 1, 20),
                            "status": "in_force",
                            "accepts": {"nationalities": ["GTM", "HND", "SLV", "CUB", "VEN", "NIC", "HTI"]},
                        }
                    ],
                },
                {
                    "id": "US-SWZ-2025",
                    "sending": "USA",
                    "receiving": "SWZ",
                    "timezone": "Africa/Mbabane",
                    "versions": [
                        {
                            "from": date(2025, 7, 1),
                            "status": "in_force",
                            "capacity": 160,
                            "accepts": {"nationalities": "any", "sexes": ["M"], "requires_conviction": True},
                        }
                    ],
                },
                {
                    "id": "ACA-GT",
                    "sending": "USA",
                    "receiving": "GTM",
                    "timezone": "America/Guatemala",
                    "versions": [
                        {"from": date(2019, 7, 26), "status": "signed"},
                        {
                            "from": date(2019, 11, 19),
                            "status": "in_force",
                            "requires_home_unavailable": False,
                            "accepts": {"nationalities": ["HND", "SLV"]},
                        },
                        {"from": date(2020, 3, 17), "status": "suspended"},
                    ],
                },
            ],
            "court_orders": [
                {
                    "id": "JGG-TRO-CLASS",
                    "binding_from": datetime(2025, 3, 15, 22, 45, tzinfo=UTC),
                    "until": datetime(2025, 3, 29, 23, 25, tzinfo=UTC),
                    "effect": "bar_removal",
                    "scope": {"order_basis": ["aea"], "nationalities": ["VEN"], "carve_out_otherwise_removable": True},
                },
                {
                    "id": "AARP-CLASS-NDTX",
                    "binding_from": datetime(2025, 4, 19, 5, 0, tzinfo=UTC),
                    "effect": "bar_removal",
                    "scope": {"designations": ["aea_tda"], "districts": ["SDTX", "WDTX"], "order_basis": ["aea"]},
                },
                {
                    "id": "DVD-SSD-HOLD",
                    "binding_from": datetime(2025, 5, 21, 16, 0, tzinfo=UTC),
                    "effect": "bar_removal",
                    "scope": {"pathway_kinds": ["third_country"], "destinations": ["SWZ"], "districts": ["DMA"]},
                },
                {
                    "id": "XINIS-RETURN",
                    "binding_from": datetime(2025, 4, 4, 21, 0, tzinfo=UTC),
                    "effect": "require_return",
                    "scope": {"persons": ["P000000007", "P000000042"]},
                },
            ],
            "custody": [
                {"count": 238, "agreement": "US-SLV-2025", "intake": date(2025, 3, 16)},
                {"count": 20, "agreement": "US-SLV-2025", "intake": date(2025, 3, 16), "release": date(2025, 5, 15)},
                {"count": 17, "agreement": "US-SLV-2025", "intake": date(2025, 3, 30)},
                {"count": 45, "agreement": "US-SWZ-2025", "intake": date(2025, 7, 16)},
            ],
        }
    )


def synthesize(
    directory: Path,
    people: int,
    seed: int,
    chunk: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
    overwrite: bool = False,
) -> None:
    """Write a bulk directory of `people` synthetic persons (deterministic for a seed). Files that exist
    are replaced only with `overwrite`; each appears whole once the caseload is written (accord.files)."""
    schemas = {PERSONS_FILE: PERSONS_SCHEMA, **{fact_file(kind): schema for kind, schema in FACT_SCHEMAS.items()}}
    refuse_existing([directory / name for name in (WORLD_FILE, *schemas)], overwrite=overwrite)
    with ExitStack() as files:
        paths = {name: files.enter_context(new_file(directory / name, overwrite=overwrite)) for name in schemas}
        _write_chunks(paths, schemas, people, seed, chunk, progress)
        write_world_file(directory, synth_world(), f"Synthetic caseload: {people} people, seed {seed}", overwrite)


def _write_chunks(
    paths: dict[str, Path],
    schemas: dict[str, pa.Schema],
    people: int,
    seed: int,
    chunk: int,
    progress: Callable[[int], None] | None,
) -> None:
    writers = {name: pq.ParquetWriter(paths[name], schema, compression="lz4") for name, schema in schemas.items()}
    try:
        rng = np.random.default_rng(seed)
        for base in range(0, people, chunk):
            d = Draw(rng, min(chunk, people - base), base)
            for name, table in _chunk(d).items():
                writers[name].write_table(table)
            if progress is not None:
                progress(d.n)
    finally:
        for writer in writers.values():
            writer.close()


def _chunk(d: Draw) -> dict[str, pa.Table]:
    nations = tuple(NATIONALITY_MIX)
    nationality = d.pick(nations, list(NATIONALITY_MIX.values()))
    status = d.pick(tuple(STATUS_MIX), list(STATUS_MIX.values()))
    persons = _persons(d, nations, nationality, status)
    criminal = d.chance(CRIMINAL_HISTORY)
    venezuelan = nationality == nations.index("VEN")
    tables = {PERSONS_FILE: persons}
    tables[fact_file("orders")] = _orders(d, nations, nationality, venezuelan)
    tables[fact_file("protections")] = _protections(d, nations, nationality)
    tables[fact_file("stays")] = _interval_facts(
        d, "stays", d.chance(0.02), "from", "until", ("judicial", "bia", "automatic")
    )
    tables[fact_file("pending")] = _pending(d)
    tables[fact_file("convictions")] = _convictions(d, criminal)
    tables[fact_file("designations")] = _interval_facts(
        d, "designations", venezuelan & d.chance(0.3), "from", "until", ("aea_tda",)
    )
    tables[fact_file("notices")] = _notices(d, nations, nationality)
    tables[fact_file("fear_claims")] = _fear_claims(d)
    return tables


def _dictionary(
    indices: NDArray[Any],
    values: tuple[str, ...],
    index_type: pa.DataType = pa.int16(),
    mask: NDArray[np.bool_] | None = None,
) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(index_type.to_pandas_dtype()), mask=mask), pa.array(values, pa.string())
    )


def _timestamps(values: NDArray[np.int64], mask: NDArray[np.bool_] | None = None) -> pa.Array:
    return pa.array(values, type=pa.int64(), mask=mask).cast(pa.timestamp("us", tz="UTC"))


def _persons(d: Draw, nations: tuple[str, ...], nationality: NDArray[np.int64], status: NDArray[np.int64]) -> pa.Table:
    n = d.n
    rows = np.arange(d.base, d.base + n)
    ids = pc.binary_join_element_wise("P", pc.utf8_lpad(pc.cast(pa.array(rows), pa.string()), 9, "0"), "")
    minor = d.chance(0.06)
    age = np.where(minor, d.rng.integers(0, 18, n), np.clip(d.rng.normal(33, 10, n), 18, 80).astype(np.int64))
    today = (REFERENCE.date() - date(1970, 1, 1)).days
    birth = today - age * 365 - d.rng.integers(0, 365, n)
    citizen = status == tuple(STATUS_MIX).index("citizen")
    dual = d.chance(0.03) & ~citizen
    second = d.pick(nations, size=n)
    usa = np.full(n, len(nations))  # USA is appended to the vocabulary
    counts = 1 + (citizen | dual).astype(np.int64)
    first_code = np.where(citizen, usa, nationality)
    second_code = np.where(citizen, nationality, second)
    flat = np.empty(int(counts.sum()), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat[offsets[:-1]] = first_code
    flat[offsets[:-1][counts == 2] + 1] = second_code[counts == 2]
    vocabulary = (*nations, "USA")
    nationalities = pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), pc.cast(_dictionary(flat, vocabulary), pa.string())
    )
    language_vocabulary = ("spa", "eng", "por", "hat", "hin", "quc")
    language = np.array([language_vocabulary.index(LANGUAGE_OF.get(c, "spa")) for c in nations])[nationality]
    speaks_english = d.chance(0.25)
    lang_counts = 1 + speaks_english.astype(np.int64)
    lang_offsets = np.concatenate([[0], np.cumsum(lang_counts)])
    lang_flat = np.empty(int(lang_counts.sum()), dtype=np.int64)
    lang_flat[lang_offsets[:-1]] = language
    lang_flat[lang_offsets[:-1][speaks_english] + 1] = 1
    languages = pa.ListArray.from_arrays(
        pa.array(lang_offsets, pa.int32()), pc.cast(_dictionary(lang_flat, language_vocabulary), pa.string())
    )
    identity = d.pick(("verified", "unverified", "none"), [0.96, 0.03, 0.01])
    recorded = np.where(d.chance(0.01), micros(REFERENCE) + d.rng.integers(-30, 30, n) * MICROS_PER_DAY, 0)
    # A few identities were verified late: before then the person is unverified.
    verified_late = (identity == 0) & d.chance(0.005)
    identity_recorded = np.where(verified_late, micros(REFERENCE) + d.rng.integers(-30, 30, n) * MICROS_PER_DAY, 0)
    sexes = ("M", "F", "X")
    sex = d.pick(sexes, [0.8, 0.19, 0.01])
    return pa.table(
        {
            "id": ids,
            "birth_date": pa.array(birth.astype(np.int32), mask=d.chance(0.01)).cast(pa.date32()),
            "sex": _dictionary(sex, sexes, pa.int8(), mask=d.chance(0.005)),
            "status": _dictionary(status, tuple(STATUS_MIX), pa.int8()),
            "accompanied": pa.array(~(minor & d.chance(0.3))),
            "district": _dictionary(d.pick(DISTRICTS), DISTRICTS, pa.int32(), mask=d.chance(0.02)),
            "identity_verified": pa.array(identity == 0, mask=identity == 2),
            "identity_reference": pa.nulls(n, pa.string()),
            "identity_recorded_at": _timestamps(identity_recorded, mask=identity_recorded == 0),
            "nationalities": nationalities,
            "languages": languages,
            "recorded_at": _timestamps(recorded, mask=recorded == 0),
        },
        schema=PERSONS_SCHEMA,
    )


def _owners(d: Draw, counts: NDArray[np.int64]) -> NDArray[np.int32]:
    """The `person` column of a fact table: row i repeated counts[i] times (sorted by construction)."""
    return np.repeat(np.arange(d.base, d.base + d.n, dtype=np.int32), counts)


def _table(kind: str, columns: dict[str, Any]) -> pa.Table:
    return pa.table(columns, schema=FACT_SCHEMAS[kind])


def _orders(
    d: Draw, nations: tuple[str, ...], nationality: NDArray[np.int64], venezuelan: NDArray[np.bool_]
) -> pa.Table:
    """85% hold an order; some a second one; Venezuelans sometimes under the AEA; 10% not yet final."""
    counts = d.chance(0.85).astype(np.int64) + d.chance(0.04).astype(np.int64)
    owner = _owners(d, counts)
    local = owner - d.base
    size = len(owner)
    aea = venezuelan[local] & d.chance(0.3, size)
    issued = d.days_before(30, 3000, size)
    final = issued + d.rng.integers(0, 31, size) * MICROS_PER_DAY
    not_final = d.chance(0.10, size)
    # A Title 8 order designates the person's nationality; an AEA order designates no country.
    designated = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(~aea)]).astype(np.int32)),
        pc.cast(_dictionary(nationality[local][~aea], nations), pa.string()),
    )
    return _table(
        "orders",
        {
            "person": owner,
            "basis": _dictionary(aea.astype(np.int64), ("title8", "aea"), pa.int8()),
            "issued": _timestamps(issued),
            "final": _timestamps(final, mask=not_final),
            "designated": designated,
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )


def _protections(d: Draw, nations: tuple[str, ...], nationality: NDArray[np.int64]) -> pa.Table:
    counts = d.chance(0.03).astype(np.int64)
    owner = _owners(d, counts)
    size = len(owner)
    kinds = ("withholding_241b3", "cat_withholding", "cat_deferral")
    granted = d.days_before(60, 3000, size)
    return _table(
        "protections",
        {
            "person": owner,
            "kind": _dictionary(d.pick(kinds, [0.7, 0.2, 0.1], size=size), kinds, pa.int8()),
            "country": _dictionary(nationality[owner - d.base], nations),
            "granted": _timestamps(granted),
            "terminated": _timestamps(
                granted + d.rng.integers(1, 900, size) * MICROS_PER_DAY, mask=~d.chance(0.05, size)
            ),
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )


def _interval_facts(
    d: Draw, kind: str, has: NDArray[np.bool_], start: str, end: str, kinds: tuple[str, ...]
) -> pa.Table:
    owner = _owners(d, has.astype(np.int64))
    size = len(owner)
    begins = d.days_before(1, 400, size)
    ends = begins + d.rng.integers(1, 200, size) * MICROS_PER_DAY
    return _table(
        kind,
        {
            "person": owner,
            "kind": _dictionary(d.pick(kinds, size=size), kinds, pa.int8()),
            start: _timestamps(begins),
            end: _timestamps(ends, mask=d.chance(0.5, size)),
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )


def _pending(d: Draw) -> pa.Table:
    kinds = ("asylum", "bia_appeal", "petition_for_review", "motion_to_reopen")
    counts = d.chance(0.15).astype(np.int64)
    owner = _owners(d, counts)
    size = len(owner)
    filed = d.days_before(1, 900, size)
    decided = filed + d.rng.integers(30, 700, size) * MICROS_PER_DAY
    return _table(
        "pending",
        {
            "person": owner,
            "kind": _dictionary(d.pick(kinds, [0.55, 0.25, 0.08, 0.12], size=size), kinds, pa.int8()),
            "filed": _timestamps(filed),
            "decided": _timestamps(decided, mask=d.chance(0.6, size)),
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )


def _convictions(d: Draw, criminal: NDArray[np.bool_]) -> pa.Table:
    owner = _owners(d, criminal.astype(np.int64))
    size = len(owner)
    offenses = ("illegal reentry", "DUI", "drug possession", "assault", "burglary", "fraud")
    return _table(
        "convictions",
        {
            "person": owner,
            "date": _timestamps(d.days_before(10, 5000, size)),
            "offense": pc.cast(_dictionary(d.pick(offenses, size=size), offenses), pa.string()),
            "aggravated_felony": pa.array(d.chance(0.2, size)),
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )


def _notices(d: Draw, nations: tuple[str, ...], nationality: NDArray[np.int64]) -> pa.Table:
    """Third-country notices, served from months to hours before the reference instant."""
    counts = d.chance(0.06).astype(np.int64)
    owner = _owners(d, counts)
    size = len(owner)
    destinations = ("SLV", "MEX", "SWZ", "GTM")
    served = micros(REFERENCE) - d.rng.integers(3_600, 120 * 86_400, size) * 1_000_000
    languages = ("spa", "eng", "por")
    return _table(
        "notices",
        {
            "person": owner,
            "kind": _dictionary(np.zeros(size, np.int64), ("third_country",), pa.int8()),
            "country": _dictionary(d.pick(destinations, [0.5, 0.3, 0.15, 0.05], size=size), destinations),
            "served": _timestamps(served),
            "language": _dictionary(d.pick(languages, [0.85, 0.1, 0.05], size=size), languages),
            "exigent": pa.array(d.chance(0.1, size)),
            "attorney_access": pa.array(d.chance(0.5, size)),
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )


def _fear_claims(d: Draw) -> pa.Table:
    counts = d.chance(0.02).astype(np.int64)
    owner = _owners(d, counts)
    size = len(owner)
    destinations = ("SLV", "MEX", "SWZ")
    outcomes = ("pending", "positive", "negative")
    stated = micros(REFERENCE) - d.rng.integers(3_600, 90 * 86_400, size) * 1_000_000
    outcome = d.pick(outcomes, [0.4, 0.2, 0.4], size=size)
    decided = stated + d.rng.integers(3_600, 20 * 86_400, size) * 1_000_000
    return _table(
        "fear_claims",
        {
            "person": owner,
            "country": _dictionary(d.pick(destinations, size=size), destinations),
            "stated": _timestamps(stated),
            "outcome": _dictionary(outcome, outcomes, pa.int8()),
            "decided": _timestamps(decided, mask=outcome == 0),
            "recorded_at": pa.nulls(size, pa.timestamp("us", tz="UTC")),
        },
    )

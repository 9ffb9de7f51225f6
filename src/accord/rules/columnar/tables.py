"""A caseload as Arrow tables (the bulk Parquet layout, docs/bulk-format.md), built from domain persons,
and read into the engine's arrays or back into domain persons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.domain.people import Person
from accord.domain.time import to_instant
from accord.rules.columnar.arrays import CodeLists, CodeSets, Facts, People, Ragged, first_occurrence
from accord.rules.columnar.layout import (
    ALWAYS,
    COUNTRIES,
    COUNTRY_CODE,
    FACT_COLUMNS,
    LANGUAGE_CODE,
    SEXES,
    STATUSES,
    UNKNOWN_BIRTH,
    Column,
    Kind,
)

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True, slots=True)
class Caseload:
    """The persons table and one table per kind of fact (each keyed by `person`, the person's row)."""

    persons: pa.Table
    facts: Mapping[str, pa.Table]


def arrow_type(column: Column) -> pa.DataType:
    if column.kind is Kind.INSTANT:
        return TIMESTAMP
    if column.kind is Kind.BOOL:
        return pa.bool_()
    if column.kind is Kind.TEXT:
        return pa.string()
    if column.kind is Kind.COUNTRIES:
        return pa.list_(pa.string())
    if column.kind is Kind.ID:
        return pa.dictionary(pa.int32(), pa.string())
    return pa.dictionary(pa.int16(), pa.string())


PERSONS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("birth_date", pa.date32()),
        pa.field("sex", pa.dictionary(pa.int8(), pa.string())),
        pa.field("status", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("accompanied", pa.bool_(), nullable=False),
        pa.field("district", pa.dictionary(pa.int32(), pa.string())),
        pa.field("identity_verified", pa.bool_()),
        pa.field("identity_reference", pa.string()),
        pa.field("identity_recorded_at", TIMESTAMP),
        pa.field("nationalities", pa.list_(pa.string()), nullable=False),
        pa.field("languages", pa.list_(pa.string()), nullable=False),
        pa.field("recorded_at", TIMESTAMP),
    ]
)

FACT_SCHEMAS: dict[str, pa.Schema] = {
    kind: pa.schema(
        [pa.field("person", pa.int32(), nullable=False)]
        + [pa.field(c.name, arrow_type(c), nullable=c.nullable) for c in columns]
    )
    for kind, columns in FACT_COLUMNS.items()
}


# --- domain persons -> Arrow -------------------------------------------------------------------------


def caseload_of(persons: Sequence[Person], tz: str) -> Caseload:
    """Arrow tables of domain persons; date-only values resolve to the start of their day in `tz`."""
    rows = [_person_row(p) for p in persons]
    table = pa.Table.from_pylist(rows, schema=_plain(PERSONS_SCHEMA)).cast(PERSONS_SCHEMA)
    facts = {}
    for kind, columns in FACT_COLUMNS.items():
        fact_rows = [
            {"person": i, **{c.name: _value(getattr(fact, c.attr), c, tz) for c in columns}}
            for i, person in enumerate(persons)
            for fact in getattr(person, kind)
        ]
        facts[kind] = pa.Table.from_pylist(fact_rows, schema=_plain(FACT_SCHEMAS[kind])).cast(FACT_SCHEMAS[kind])
    return Caseload(table, facts)


def _plain(schema: pa.Schema) -> pa.Schema:
    """The schema with dictionary columns as plain strings (what Python values convert into)."""
    return pa.schema(
        [pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type, f.nullable) for f in schema]
    )


def _person_row(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "birth_date": person.birth_date,
        "sex": person.sex,
        "status": person.status,
        "accompanied": person.accompanied,
        "district": person.district,
        "identity_verified": None if person.identity is None else person.identity.verified,
        "identity_reference": None if person.identity is None else person.identity.reference,
        "identity_recorded_at": None if person.identity is None else person.identity.recorded_at,
        "nationalities": list(person.nationalities),
        "languages": list(person.languages),
        "recorded_at": person.recorded_at,
    }


def _value(value: Any, column: Column, tz: str) -> Any:
    if column.kind is Kind.INSTANT and isinstance(value, date):
        return to_instant(value, tz)
    if column.kind is Kind.COUNTRIES:
        return list(value)
    return value


# --- Arrow -> engine arrays --------------------------------------------------------------------------


def people_of(caseload: Caseload, consume: bool = False) -> People:
    """The engine's arrays for a caseload (vectorised: Arrow buffers to NumPy, codes by lookup tables).
    The fact tables are converted on a second thread while this one converts the persons (Arrow and
    NumPy release the GIL for nearly all of it). With `consume` (the bulk path, which owns its caseload),
    each fact table is dropped from `caseload.facts` as soon as it is converted, so that the Arrow tables
    and the arrays of every kind are never all in memory at once."""
    count = caseload.persons.num_rows
    with ThreadPoolExecutor(1) as pool:
        facts = pool.submit(_all_facts, caseload, consume, count)
        return People(**_person_arrays(caseload.persons), facts=facts.result())


def people_read(persons: pa.Table, fact_tables: Iterable[tuple[str, pa.Table]]) -> People:
    """The engine's arrays while the fact tables are still being read: `fact_tables` reads them one by one
    on the calling thread (Parquet decoding), while one worker converts the persons and another each fact
    table as soon as it is read, so reading and converting overlap. A fact table is dropped once
    converted."""
    count = persons.num_rows
    with ThreadPoolExecutor(2) as pool:
        arrays = pool.submit(_person_arrays, persons)
        facts = {kind: pool.submit(_facts, table, kind, count) for kind, table in fact_tables}
        return People(**arrays.result(), facts={kind: facts[kind].result() for kind in FACT_COLUMNS})


def _all_facts(caseload: Caseload, consume: bool, count: int) -> dict[str, Facts]:
    return {kind: _facts(_table_of(caseload, kind, consume), kind, count) for kind in FACT_COLUMNS}


def _person_arrays(persons: pa.Table) -> dict[str, Any]:
    nationality_offsets, nationality = _lists(persons.column("nationalities"), COUNTRY_CODE)
    nationalities = Ragged.from_offsets(nationality_offsets)
    language_offsets, language = _lists(persons.column("languages"), LANGUAGE_CODE)
    district, districts = _dictionary(persons.column("district"))
    return {
        "count": persons.num_rows,
        "ids": persons.column("id"),
        "recorded_at": micros(persons.column("recorded_at"), ALWAYS),
        "birth_days": _days(persons.column("birth_date")),
        "sex": _codes(persons.column("sex"), _index(SEXES), np.int8),
        "status": _codes(persons.column("status"), _index(STATUSES), np.int8),
        "accompanied": _bools(persons.column("accompanied")),
        "district": district,
        "districts": districts,
        "verified": _bools(persons.column("identity_verified")),
        "identity_recorded_at": micros(persons.column("identity_recorded_at"), ALWAYS),
        "nationalities": nationalities,
        "nationality": nationality,
        "nationality_first": first_occurrence(nationalities.owner, nationality),
        "nationality_sets": CodeSets.build(nationality_offsets, nationality, len(COUNTRIES)),
        "languages": CodeLists(language_offsets, language),
    }


def _table_of(caseload: Caseload, kind: str, consume: bool) -> pa.Table:
    facts = caseload.facts
    if consume and isinstance(facts, dict):
        table: pa.Table = facts.pop(kind)
        return table
    return facts[kind]


def _facts(table: pa.Table, kind: str, count: int) -> Facts:
    owner = _ints(table.column("person"), np.int32)
    if np.any(owner[1:] < owner[:-1]):
        order = np.argsort(owner, kind="stable")
        table, owner = table.take(pa.array(order)), owner[order]
    columns: dict[str, NDArray[Any]] = {}
    vocabularies: dict[str, tuple[str, ...]] = {}
    nested: dict[str, tuple[Ragged, NDArray[np.int16]]] = {}
    for column in FACT_COLUMNS[kind]:
        if column.name not in table.column_names:
            continue  # a column the engine does not read (layout.UNREAD)
        data = table.column(column.name)
        if column.kind is Kind.INSTANT:
            columns[column.name] = micros(data, column.missing)
        elif column.kind is Kind.BOOL:
            columns[column.name] = _bools(data)
        elif column.kind is Kind.ENUM:
            columns[column.name] = _codes(data, _index(column.values), np.int8)
        elif column.kind is Kind.ID:
            columns[column.name], vocabularies[column.name] = _dictionary(data)
        elif column.kind is Kind.COUNTRY:
            columns[column.name] = _codes(data, COUNTRY_CODE, np.int16)
        elif column.kind is Kind.LANGUAGE:
            columns[column.name] = _codes(data, LANGUAGE_CODE, np.int16)
        elif column.kind is Kind.COUNTRIES:
            offsets, codes = _lists(data, COUNTRY_CODE)
            nested[column.name] = (Ragged.from_offsets(offsets), codes)
    return Facts(Ragged(owner, count), columns, nested, vocabularies)


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


def _chunks(data: pa.ChunkedArray | pa.Array) -> list[pa.Array]:
    return data.chunks if isinstance(data, pa.ChunkedArray) else [data]


def _numpy(data: pa.ChunkedArray | pa.Array, dtype: type[np.generic], missing: int | bool = 0) -> NDArray[Any]:
    """A column as one NumPy array, nulls as `missing`: each chunk is copied once, straight into the
    result (no combined Arrow array, no filled copy for a chunk without nulls)."""
    out = np.empty(len(data), dtype=dtype)
    at = 0
    for chunk in _chunks(data):
        if chunk.null_count:
            chunk = pc.fill_null(chunk, missing)
        out[at : at + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        at += len(chunk)
    return out


def micros(data: pa.ChunkedArray | pa.Array, missing: int) -> NDArray[np.int64]:
    """Timestamps as int64 µs since the epoch, nulls as `missing`."""
    return _numpy(pc.cast(data, TIMESTAMP).cast(pa.int64()), np.int64, missing)


def _days(data: pa.ChunkedArray) -> NDArray[np.int32]:
    return _numpy(data.cast(pa.int32()), np.int32, UNKNOWN_BIRTH)


def _bools(data: pa.ChunkedArray | pa.Array) -> NDArray[np.bool_]:
    """Booleans, null as false."""
    return _numpy(data, np.bool_, False)


def _ints(data: pa.ChunkedArray, dtype: type[np.integer[Any]]) -> NDArray[Any]:
    return _numpy(data, dtype)


def _codes(
    data: pa.ChunkedArray | pa.Array, lookup: Mapping[str, int], dtype: type[np.signedinteger[Any]] = np.int32
) -> NDArray[Any]:
    """Codes of string values through a fixed vocabulary (-1 for null). A dictionary column (how the
    reader asks Parquet for codes) costs one lookup per distinct value and a gather per row; plain
    strings are dictionary-encoded first (a hash per row)."""
    parts = [_chunk_codes(chunk, lookup, dtype) for chunk in _chunks(data)]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _chunk_codes(array: pa.Array, lookup: Mapping[str, int], dtype: type[np.signedinteger[Any]]) -> NDArray[Any]:
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    remap = np.array([lookup[str(v)] for v in array.dictionary.to_pylist()] + [-1], dtype=dtype)
    indices = array.indices
    if indices.null_count:
        indices = pc.fill_null(indices.cast(pa.int32()), len(remap) - 1)
    codes: NDArray[Any] = remap[indices.to_numpy(zero_copy_only=False)]
    return codes


def _dictionary(data: pa.ChunkedArray) -> tuple[NDArray[np.int32], tuple[str, ...]]:
    """Codes into the column's own vocabulary (districts are free text, designation kinds an open
    vocabulary), -1 for null."""
    values: dict[str, int] = {}
    for chunk in _chunks(data):
        names = chunk.dictionary if pa.types.is_dictionary(chunk.type) else pc.unique(chunk.drop_null())
        for name in names.to_pylist():
            values.setdefault(str(name), len(values))
    return _codes(data, values), tuple(values)


def _lists(data: pa.ChunkedArray, lookup: Mapping[str, int]) -> tuple[NDArray[np.int64], NDArray[np.int16]]:
    """A list<code> column as offsets (row i's codes are `codes[offsets[i]:offsets[i+1]]`) and int16
    codes, converted chunk by chunk (each chunk's codes through its own dictionary) straight into the
    result, so that no combined copy of the lists is ever made."""
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    codes = []
    at = 0
    for chunk in _chunks(data):
        ends = chunk.offsets.to_numpy()
        offsets[at + 1 : at + 1 + len(chunk)] = ends[1:] - np.int64(ends[0] - offsets[at])
        codes.append(_codes(chunk.flatten(), lookup, np.int16))
        at += len(chunk)
    return offsets, np.concatenate(codes) if codes else np.zeros(0, dtype=np.int16)


# --- Arrow -> domain persons -------------------------------------------------------------------------


def persons_of(caseload: Caseload, rows: Iterable[int] | None = None) -> list[Person]:
    """Domain persons of the given rows (all when None): the slow path, for explanations and tests."""
    wanted = np.arange(caseload.persons.num_rows) if rows is None else np.fromiter(rows, dtype=np.int64)
    people = caseload.persons.take(pa.array(wanted)).to_pylist()
    facts: dict[int, dict[str, list[dict[str, Any]]]] = {int(r): {} for r in wanted}
    for kind, table in caseload.facts.items():
        mask = pc.is_in(table.column("person"), value_set=pa.array(wanted, pa.int32()))
        for row in table.filter(mask).to_pylist():
            owner = row.pop("person")
            facts[owner].setdefault(kind, []).append({k: v for k, v in row.items() if v is not None})
    return [_person(raw, facts[int(r)]) for raw, r in zip(people, wanted, strict=True)]


def _person(raw: dict[str, Any], facts: dict[str, list[dict[str, Any]]]) -> Person:
    identity = {name: raw.pop(f"identity_{name}") for name in ("verified", "reference", "recorded_at")}
    if identity["verified"] is not None:
        raw["identity"] = {name: value for name, value in identity.items() if value is not None}
    fields = {k: v for k, v in raw.items() if v is not None}
    return Person.model_validate({**fields, **facts})

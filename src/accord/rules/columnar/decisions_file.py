"""The decisions Parquet (docs/decisions-parquet.md): one row per (person, candidate pathway), written the
same way whatever was decided — a bulk caseload by the columnar engine (`rows` of `engine.Rows`), or a
world file or the database by the interpreter (a `DecisionSet`, coded first by `coded_rows`) — so that a
consumer never needs to know which input produced a file.

Every column is dictionary-encoded: the codes the engine computed are the indices, the strings they
stand for the dictionary, so building a chunk's table hashes no string. A pathway's reason codes (and
its warning codes) are one string, the codes joined by a space in rule order: a chunk holds a few hundred
distinct sets, each spelt once, and Parquet writes them as a dictionary, where a list column would write
every code of every row (2.5x slower to write, measured: docs/adr/decisions-parquet.md). Court-order ids
are free text, so they stay a list."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from accord.domain import World
from accord.domain.orders import PATHWAY_KINDS
from accord.files import new_file
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar.arrays import or_per_owner
from accord.rules.columnar.compile import compile_run
from accord.rules.columnar.engine import WORD, Rows, court_words
from accord.rules.columnar.layout import COUNTRIES, COUNTRY_CODE
from accord.rules.columnar.output import Codebook
from accord.rules.decision import DecisionSet
from accord.rules.pack import Pack

T = TypeVar("T")
FORMAT = "accord.decisions/3"
METADATA_KEY = b"accord.decisions"
STATUSES = ("allowed", "blocked")


def _codes(index: pa.DataType) -> pa.DataType:
    return pa.dictionary(index, pa.string())


def _code_list(index: pa.DataType) -> pa.DataType:
    return pa.list_(pa.field("element", _codes(index), nullable=False))


SCHEMA = pa.schema(
    [
        pa.field("person", _codes(pa.int32()), nullable=False),
        pa.field("kind", _codes(pa.int8()), nullable=False),
        pa.field("destination", _codes(pa.int16()), nullable=False),
        pa.field("agreement", _codes(pa.int16())),
        pa.field("status", _codes(pa.int8()), nullable=False),
        pa.field("reasons", _codes(pa.int32()), nullable=False),
        pa.field("warnings", _codes(pa.int32()), nullable=False),
        pa.field("court_orders", _code_list(pa.int32()), nullable=False),
        pa.field("era", _codes(pa.int8())),
        pa.field("rule_pack", _codes(pa.int8()), nullable=False),
    ]
)
"""The one schema of every decisions Parquet; its metadata (`METADATA_KEY`) is the run's codebook."""

_KINDS = pa.array(PATHWAY_KINDS, pa.string())
_COUNTRIES = pa.array(COUNTRIES, pa.string())
_STATUSES = pa.array(STATUSES, pa.string())
# Every set of the few warning codes, by its bits: a row's warning bits are its index, nothing is hashed.
_WARNING_SETS = pa.array(
    [" ".join(c for i, c in enumerate(WARNING_CODES) if bits >> i & 1) for bits in range(1 << len(WARNING_CODES))]
)
_REASON_BIT = {code: 1 << i for i, code in enumerate(REASON_CODES)}
_WARNING_BIT = {code: 1 << i for i, code in enumerate(WARNING_CODES)}


# --- writing -----------------------------------------------------------------------------------------


def decisions_table(
    book: Codebook, rows: Rows, persons: pa.DictionaryArray, asked: Sequence[str] | None = None
) -> pa.Table:
    """The decisions table of coded rows. `persons` is the `person` column (the id of each row's person,
    dictionary-encoded); `asked` the ids of the persons asked for, in order (None: everyone known at
    known_at), recorded in the metadata."""
    count = len(rows)
    columns = [
        persons,
        _coded(rows.kind, _KINDS),
        _coded(rows.destination, _COUNTRIES),
        _coded(rows.agreement, pa.array(book.agreements, pa.string()), missing=rows.agreement < 0),
        _coded((rows.reasons != 0).view(np.int8), _STATUSES),
        _joined_codes(rows.reasons, REASON_CODES),
        _coded(rows.warnings.astype(np.int32), _WARNING_SETS),
        _code_lists(rows.court_orders, pa.array(book.court_orders, pa.string()), SCHEMA.field("court_orders").type),
        _constant(book.era, count),
        _constant(book.rule_pack, count),
    ]
    metadata = {**book.to_json(), "format": FORMAT, "persons": None if asked is None else list(asked)}
    return pa.Table.from_arrays(columns, schema=SCHEMA.with_metadata({METADATA_KEY: json.dumps(metadata)}))


def chunk_persons(ids: pa.ChunkedArray, rows: Rows, first: int, count: int) -> pa.DictionaryArray:
    """The `person` column of one chunk's rows (caseload rows first..first+count-1): the chunk's ids are
    the dictionary, each row's position among them the index. Nothing is hashed."""
    dictionary = ids.slice(first, count).combine_chunks()
    return pa.DictionaryArray.from_arrays(pa.array(rows.person - np.int32(first)), dictionary)


def some_persons(ids: pa.ChunkedArray, rows: Rows) -> pa.DictionaryArray:
    """The `person` column of rows of a few persons (their ids looked up and dictionary-encoded)."""
    encoded: pa.DictionaryArray = pc.dictionary_encode(ids.take(pa.array(rows.person)).combine_chunks())
    return encoded


def decisions_table_of(decisions: DecisionSet, world: World, pack: Pack, asked: Sequence[str] | None) -> pa.Table:
    """The decisions table of a `DecisionSet` made from `world` (the interpreter's): coded through the
    codebook the columnar engine would use for the same run, so the file is the one the bulk path writes."""
    book = Codebook.of(compile_run(world, pack, decisions.as_of, decisions.known_at))
    ids = pa.array([d.person for d in decisions.decisions], pa.string())
    rows = coded_rows(book, decisions)
    return decisions_table(book, rows, pa.DictionaryArray.from_arrays(pa.array(rows.person), ids), asked)


def coded_rows(book: Codebook, decisions: DecisionSet) -> Rows:
    """A DecisionSet as the engine's coded rows: row `person` is the position of the person's decision."""
    fields: dict[str, list[int]] = {name: [] for name in ("person", "group", "kind", "destination", "agreement")}
    reasons, warnings, court = [], [], []
    for i, decision in enumerate(decisions.decisions):
        for p in decision.pathways:
            agreement = book.agreements.index(p.agreement) if p.agreement is not None else -1
            kind = PATHWAY_KINDS.index(p.kind)
            fields["person"].append(i)
            fields["group"].append(agreement + 2 if agreement >= 0 else min(kind, 1))
            fields["kind"].append(kind)
            fields["destination"].append(COUNTRY_CODE[p.destination])
            fields["agreement"].append(agreement)
            reasons.append(sum(_REASON_BIT[r.code] for r in p.reasons))
            warnings.append(sum(_WARNING_BIT[w.code] for w in p.warnings))
            court.append(sum(1 << book.court_orders.index(o) for o in p.court_orders))
    words = court_words(len(book.court_orders))
    return Rows(
        person=np.array(fields["person"], dtype=np.int32),
        group=np.array(fields["group"], dtype=np.int16),
        kind=np.array(fields["kind"], dtype=np.int8),
        destination=np.array(fields["destination"], dtype=np.int16),
        agreement=np.array(fields["agreement"], dtype=np.int16),
        reasons=np.array(reasons, dtype=np.uint32),
        warnings=np.array(warnings, dtype=np.uint8),
        court_orders=np.array(
            [[bits >> (WORD * k) & (1 << WORD) - 1 for k in range(words)] for bits in court], dtype=np.uint64
        ).reshape(len(court), words),
    )


def _coded(indices: NDArray[Any], dictionary: pa.Array, missing: NDArray[np.bool_] | None = None) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=missing), dictionary)


def _constant(value: str | None, count: int) -> pa.DictionaryArray:
    """A column holding one value (null for None): a one-entry dictionary, all indices 0."""
    if value is None:
        return pa.DictionaryArray.from_arrays(pa.nulls(count, pa.int8()), pa.array([], pa.string()))
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(count, dtype=np.int8)), pa.array([value], pa.string()))


def _joined_codes(masks: NDArray[np.unsignedinteger[Any]], vocabulary: Sequence[str]) -> pa.DictionaryArray:
    """Per row, the codes of its set bits (bit j = `vocabulary[j]`) joined by a space, "" for none: the
    distinct masks are the dictionary, each spelt once."""
    encoded = pc.dictionary_encode(pa.array(masks))
    spelt = [" ".join(_set_bits([mask], vocabulary)) for mask in encoded.dictionary.to_pylist()]
    return pa.DictionaryArray.from_arrays(encoded.indices, pa.array(spelt, pa.string()))


def _code_lists(words: NDArray[np.uint64], vocabulary: pa.Array, kind: pa.DataType) -> pa.ListArray:
    """Per row, the list of the codes of its set bits, in bit order (bit j of word j // 64 =
    `vocabulary[j]`). Few rows have any bit (court orders cover few pathways): only theirs are looked at,
    each distinct bit set spelt once."""
    offsets = np.zeros(len(words) + 1, dtype=np.int32)
    covered = np.flatnonzero(words.any(axis=1))
    codes = np.zeros(0, dtype=np.int32)
    if len(covered):
        if words.shape[1] == 1:  # up to 64 orders in effect: sort plain integers
            unique, inverse = np.unique(words[covered, 0], return_inverse=True)
            distinct = unique[:, None]
        else:
            distinct, inverse = np.unique(words[covered], axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        spelt = [_set_bits(row, range(len(vocabulary))) for row in distinct.tolist()]
        lengths = np.array([len(bits) for bits in spelt], dtype=np.int32)
        row_lengths = lengths[inverse]
        counts = np.zeros(len(words), dtype=np.int32)
        counts[covered] = row_lengths
        np.cumsum(counts, out=offsets[1:])
        firsts = np.cumsum(lengths) - lengths  # where each distinct set starts in `flat`
        flat = np.array([j for bits in spelt for j in bits], dtype=np.int32)
        within = np.arange(int(row_lengths.sum())) - np.repeat(np.cumsum(row_lengths) - row_lengths, row_lengths)
        codes = flat[np.repeat(firsts[inverse], row_lengths) + within]
    values = pa.DictionaryArray.from_arrays(pa.array(codes), vocabulary)
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=kind)


def _set_bits(words: Sequence[int], vocabulary: Sequence[T]) -> list[T]:
    """The entries of `vocabulary` whose bit is set (bit j of word j // 64), in order."""
    return [entry for j, entry in enumerate(vocabulary) if words[j // WORD] >> (j % WORD) & 1]


# Dictionary pages for every column (the columns are Arrow dictionaries: their indices are written as they
# are, nothing is hashed); a chunk's ids fit one dictionary page. No page statistics. LZ4 writes as fast
# as no compression and makes the file several times smaller (docs/adr/columnar-performance.md).
WRITE_OPTIONS: dict[str, Any] = {
    "compression": "lz4",
    "use_dictionary": True,
    "dictionary_pagesize_limit": 64 << 20,
    "write_statistics": False,
}
ROW_GROUP = 4 << 20


def write_decisions(output: Path, table: pa.Table, overwrite: bool = False) -> None:
    """Write a decisions table as a new file (an existing one only with `overwrite`; never through a
    symlink: `accord.files.new_file`)."""
    with new_file(output, overwrite=overwrite) as temporary:
        pq.write_table(table, temporary, row_group_size=ROW_GROUP, **WRITE_OPTIONS)


def stream_decisions(output: Path, chunks: Iterator[tuple[pa.Table, int]]) -> tuple[int, int]:
    """Write the decisions Parquet chunk by chunk (one row group per chunk of people), so that memory
    holds a few chunks' decisions rather than the whole caseload's. Returns (pathways, allowed)."""
    pathways = allowed = 0
    writer: pq.ParquetWriter | None = None
    try:
        for table, allowed_in_chunk in chunks:
            if writer is None:
                writer = pq.ParquetWriter(output, table.schema, **WRITE_OPTIONS)
            writer.write_table(table, row_group_size=ROW_GROUP)
            pathways += table.num_rows
            allowed += allowed_in_chunk
    finally:
        if writer is not None:
            writer.close()
    return pathways, allowed


# --- reading -----------------------------------------------------------------------------------------


def read_table(table: pa.Table) -> tuple[Codebook, Rows, list[str], list[str] | None]:
    """A decisions table's codebook, its coded rows (row `person` indexes the returned ids: every id the
    file's `person` dictionaries hold), and the ids of the persons asked for (None: everyone known)."""
    raw = json.loads(table.schema.metadata[METADATA_KEY])
    if raw.get("format") != FORMAT:
        raise ValueError(f"not an {FORMAT} file (format {raw.get('format')!r})")
    book = Codebook.from_json(raw)
    ids: dict[str, int] = {}
    person = _decode(table.column("person"), ids, grow=True)
    kind = _decode(table.column("kind"), _index(PATHWAY_KINDS)).astype(np.int8)
    agreement = _decode(table.column("agreement"), _index(book.agreements)).astype(np.int16)
    rows = Rows(
        person=person.astype(np.int32),
        group=np.where(agreement >= 0, agreement + 2, np.minimum(kind, 1)).astype(np.int16),
        kind=kind,
        destination=_decode(table.column("destination"), COUNTRY_CODE).astype(np.int16),
        agreement=agreement,
        reasons=_joined_bits(table.column("reasons"), _index(REASON_CODES)).astype(np.uint32),
        warnings=_joined_bits(table.column("warnings"), _index(WARNING_CODES)).astype(np.uint8),
        court_orders=_bits(
            table.column("court_orders"), _index(book.court_orders), court_words(len(book.court_orders))
        ),
    )
    return book, rows, list(ids), raw["persons"]


def _index(vocabulary: Sequence[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(vocabulary)}


def _decode(column: pa.ChunkedArray, lookup: dict[str, int], grow: bool = False) -> NDArray[np.int64]:
    """A dictionary column as indices into `lookup` (-1 for null), chunk by chunk (each chunk may have
    its own dictionary). With `grow`, a value not yet in `lookup` is added to it."""
    parts = []
    for chunk in column.chunks:
        coded = chunk if pa.types.is_dictionary(chunk.type) else chunk.dictionary_encode()
        names = [str(name) for name in coded.dictionary.to_pylist()]
        if grow:
            for name in names:
                lookup.setdefault(name, len(lookup))
        remap = np.array([*(lookup[name] for name in names), -1], dtype=np.int64)
        indices = pc.fill_null(coded.indices.cast(pa.int64()), len(names))
        parts.append(remap[np.asarray(indices.to_numpy(zero_copy_only=False))])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _joined_bits(column: pa.ChunkedArray, lookup: dict[str, int]) -> NDArray[np.uint64]:
    """A column of codes joined by spaces as a bit mask per row (bit j = the code `lookup` numbers j)."""
    masks: dict[str, int] = {}
    for chunk in column.chunks:
        for spelt in chunk.dictionary.to_pylist() if pa.types.is_dictionary(chunk.type) else chunk.to_pylist():
            masks[spelt] = sum(1 << lookup[code] for code in spelt.split())
    return np.array([masks[s] for s in masks], dtype=np.uint64)[_decode(column, _index(list(masks)))]


def _bits(column: pa.ChunkedArray, lookup: dict[str, int], words: int) -> NDArray[np.uint64]:
    """A list-of-codes column as bit words per row (bit j of word j // 64 = the code `lookup` numbers j)."""
    parts = []
    for chunk in column.chunks:
        offsets = np.asarray(chunk.offsets.to_numpy(), dtype=np.int64)
        offsets -= offsets[0]
        codes = _decode(pa.chunked_array([chunk.flatten()]), lookup)
        part = np.zeros((len(chunk), words), dtype=np.uint64)
        for word in range(words):
            inside = (codes >= WORD * word) & (codes < WORD * (word + 1))
            shift = np.where(inside, codes - WORD * word, 0).astype(np.uint64)
            bits = np.where(inside, np.left_shift(np.uint64(1), shift), np.uint64(0))
            part[:, word] = or_per_owner(offsets, bits)
        parts.append(part)
    return np.concatenate(parts) if parts else np.zeros((0, words), dtype=np.uint64)

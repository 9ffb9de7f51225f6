"""The bulk caseload directory (docs/bulk-format.md): `world.yaml` holds everything but the people (an
`accord.world/1` document with `persons: []`); the people are Parquet files, decided by the columnar
engine without building a record per person.

    DIR/world.yaml          agreements, countries, facilities, court orders, custody
    DIR/persons.parquet     one row per person
    DIR/<kind>.parquet      one row per fact, keyed by `person` (the row in persons.parquet), sorted by it;
                            kind = orders, protections, stays, pending, convictions, designations,
                            notices, fear_claims
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from accord.domain import World
from accord.files import new_file, open_new, write_file
from accord.rules.columnar.arrays import People
from accord.rules.columnar.compile import Run, compile_run
from accord.rules.columnar.decisions_file import (
    chunk_persons,
    decisions_table,
    read_table,
    some_persons,
    stream_decisions,
    write_decisions,
)
from accord.rules.columnar.engine import CHUNK, Block, Progress, Rows, decide_people, map_chunks
from accord.rules.columnar.layout import ALWAYS, FACT_KINDS, UNREAD
from accord.rules.columnar.output import Codebook, chunk_outcomes, decision_set
from accord.rules.columnar.tables import FACT_SCHEMAS, PERSONS_SCHEMA, Caseload, caseload_of, people_read, persons_of
from accord.rules.columnar.tables import micros as instants
from accord.rules.columnar.zones import micros
from accord.rules.decision import DecisionSet, PersonDecision, json_pieces
from accord.rules.interpreter import UnknownPerson, decide
from accord.rules.outcomes import Outcomes
from accord.rules.pack import Pack, pack_for_world, resolve_pack
from accord.world import WorldInvalid, dump_world
from accord.world.loader import validate_document
from accord.world.yamlsource import LocatedError, YamlSyntaxError, load_yaml_file

WORLD_FILE = "world.yaml"
PERSONS_FILE = "persons.parquet"
FORMATS = ("json", "parquet")
_NO_PERSON = "no person with id"  # the world's person references are checked against persons.parquet


class BulkInvalid(WorldInvalid):
    """A bulk directory that does not follow docs/bulk-format.md. It is reported like an invalid world
    file (FILE:LINE: field: message, exit 2 in the CLI), located at the offending file."""

    def __init__(self, path: Path, message: str, field: str = "(file)") -> None:
        super().__init__([LocatedError(str(path), 1, field, message)])


def fact_file(kind: str) -> str:
    return f"{kind}.parquet"


# --- writing -----------------------------------------------------------------------------------------


def write_bulk(directory: Path, world: World, title: str | None = None, overwrite: bool = False) -> None:
    """Write a world as a bulk directory: its persons to Parquet (date-only values resolved in the rule
    pack's timezone), everything else to world.yaml. Files that exist are replaced only with `overwrite`."""
    caseload = caseload_of(world.persons, pack_for_world(world).timezone)
    write_world_file(directory, world.model_copy(update={"persons": ()}), title, overwrite)
    write_caseload(directory, caseload, overwrite)


def write_world_file(directory: Path, world: World, title: str | None = None, overwrite: bool = False) -> None:
    write_file(directory / WORLD_FILE, dump_world(world, title), overwrite=overwrite)


def write_caseload(directory: Path, caseload: Caseload, overwrite: bool = False) -> None:
    for name, table in [(PERSONS_FILE, caseload.persons), *((fact_file(k), t) for k, t in caseload.facts.items())]:
        with new_file(directory / name, overwrite=overwrite) as temporary:
            pq.write_table(table, temporary)


# --- reading -----------------------------------------------------------------------------------------


def read_world(directory: Path, ids: pa.ChunkedArray) -> World:
    """The world of a bulk directory (raises WorldInvalid, located, when world.yaml does not validate).
    Its references to persons (court-order scopes, custody) resolve against persons.parquet's `id`."""
    path = directory / WORLD_FILE
    try:
        raw, source, errors = load_yaml_file(path)
    except OSError as exc:
        raise WorldInvalid([LocatedError(str(path), 1, "(file)", f"cannot read: {exc.strerror}")]) from exc
    except YamlSyntaxError as exc:
        raise WorldInvalid([exc.error]) from exc
    document, more = validate_document(raw, source)
    errors = [e for e in [*errors, *more] if not e.message.startswith(_NO_PERSON)]
    if errors or document is None:
        raise WorldInvalid(sorted(errors, key=lambda e: (e.line, e.path)))
    world = document.world
    if world.persons:
        raise BulkInvalid(path, f"persons belong in {PERSONS_FILE}; must be empty", "world.persons")
    named = {pid for order in world.court_orders for pid in order.scope.persons or ()}
    named |= {record.person for record in world.custody if record.person is not None}
    names = pa.array(sorted(named), pa.string())
    # Look the few names up in the ids (one pass over the ids, a hash of the names), never the reverse.
    found = pc.unique(pc.filter(ids, pc.is_in(ids, value_set=names))) if named else pa.array([], pa.string())
    missing = sorted(named - set(found.to_pylist()))
    if missing:
        raise BulkInvalid(path, f"no person with id {', '.join(map(repr, missing))} in {PERSONS_FILE}")
    return world


def read_caseload(directory: Path, engine_only: bool = False) -> Caseload:
    """The caseload's tables; with `engine_only`, without the columns the engine never reads
    (layout.UNREAD: free text, the issue date of an order), which are still checked to be present."""
    persons = _read_persons(directory, engine_only)
    return Caseload(persons, dict(_fact_tables(directory, persons.num_rows, engine_only)))


def _read_persons(directory: Path, engine_only: bool) -> pa.Table:
    skip = UNREAD if engine_only else {}
    return _read(directory / PERSONS_FILE, PERSONS_SCHEMA, skip.get("persons", frozenset()))


def _fact_tables(directory: Path, count: int, engine_only: bool) -> Iterator[tuple[str, pa.Table]]:
    """Each fact table, read and checked (its `person` is a row of the persons table), one at a time."""
    skip = UNREAD if engine_only else {}
    for kind in FACT_KINDS:
        table = _read(directory / fact_file(kind), FACT_SCHEMAS[kind], skip.get(kind, frozenset()))
        owners = table.column("person")
        if table.num_rows and (pc.min(owners).as_py() < 0 or pc.max(owners).as_py() >= count):
            raise BulkInvalid(directory / fact_file(kind), f"must be a row of {PERSONS_FILE}", "person")
        yield kind, table


def _read(path: Path, schema: pa.Schema, skip: frozenset[str] = frozenset()) -> pa.Table:
    """A table with exactly the documented columns (those in `skip` checked but not read), cast to the
    documented types, except that code columns come as Parquet dictionaries (see `_coded`).

    Read through `ParquetFile`, one row group at a time: `pq.read_table` goes through pyarrow.dataset,
    whose import alone costs ~0.3 s, and nested dictionary columns cannot be read whole."""
    if not path.is_file():
        raise BulkInvalid(path, "missing (see docs/bulk-format.md)")
    wanted = [f.name for f in schema if f.name not in skip]
    try:
        leaves = pq.read_metadata(path, memory_map=True).schema
        names = [leaves.column(i).path.split(".")[0] for i in range(len(leaves))]
        coded = [leaves.column(i).path for i in range(len(leaves)) if _is_code(schema, names[i])]
        with pq.ParquetFile(path, memory_map=True, read_dictionary=coded) as parquet:
            present = [n for n in wanted if n in names]
            parts = [parquet.read_row_group(i, columns=present) for i in range(parquet.num_row_groups)]
            table = pa.concat_tables(parts) if parts else parquet.schema_arrow.empty_table().select(present)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BulkInvalid(path, f"not a readable Parquet file ({exc})") from exc
    missing = [f.name for f in schema if f.name not in names]
    extra = sorted({name for name in names if name not in schema.names})
    if missing or extra:
        raise BulkInvalid(path, f"missing columns {missing}, unknown columns {extra}")
    return pa.table({n: _column(path, table, n, schema.field(n).type) for n in wanted})


def _column(path: Path, table: pa.Table, name: str, documented: pa.DataType) -> pa.ChunkedArray:
    try:
        return _typed(table.column(name), documented)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise BulkInvalid(path, f"not of the documented type {documented} ({exc})", name) from exc


def _is_code(schema: pa.Schema, name: str) -> bool:
    """Columns of codes (enumerations, countries, languages, lists of them) are read as dictionaries:
    the engine maps each distinct string once instead of hashing one string per row."""
    if name not in schema.names:
        return False
    kind = schema.field(name).type
    return bool(pa.types.is_dictionary(kind) or pa.types.is_list(kind))


def _typed(column: pa.ChunkedArray, documented: pa.DataType) -> pa.ChunkedArray:
    """The column cast to its documented type, but a dictionary of strings is kept for a code column
    (whatever its index width) and for the elements of a list of codes."""
    kind, wanted = column.type, documented
    if pa.types.is_list(kind) and pa.types.is_list(wanted):
        kind, wanted = kind.value_type, wanted.value_type
    coded = pa.types.is_dictionary(kind) and kind.value_type == pa.string()
    return column if coded and (wanted == pa.string() or pa.types.is_dictionary(wanted)) else column.cast(documented)


def load_bulk_world(directory: Path, person_ids: Sequence[str] | None = None) -> World:
    """The directory as a domain World, with all its persons or those named: the slow path, for the
    interpreter's explanations of a few people."""
    caseload = read_caseload(directory)
    world = read_world(directory, caseload.persons.column("id"))
    rows = None if person_ids is None else _rows_of(caseload.persons.column("id"), list(dict.fromkeys(person_ids)))
    return world.model_copy(update={"persons": tuple(persons_of(caseload, rows))})


def _rows_of(ids: pa.ChunkedArray, person_ids: Sequence[str]) -> list[int]:
    """The rows of the persons asked for, in the order asked. The few ids asked are hashed and the
    caseload's ids scanned once, never the reverse (a hash table of millions of ids)."""
    asked = pa.array(list(dict.fromkeys(person_ids)), pa.string())
    at = np.flatnonzero(np.asarray(pc.is_in(ids, value_set=asked).to_numpy(zero_copy_only=False)))
    row_of: dict[str, int] = {}
    for row, pid in zip(at.tolist(), ids.take(pa.array(at)).to_pylist(), strict=True):
        row_of.setdefault(pid, row)
    missing = [pid for pid in person_ids if pid not in row_of]
    if missing:
        raise UnknownPerson(f"no person with id {missing[0]!r} in this caseload")
    return [row_of[pid] for pid in person_ids]


# --- deciding ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkRun:
    """The outcome of a bulk decision: counts, and the decisions themselves unless they were written."""

    persons: int  # persons decided (known at known_at, or those asked for)
    pathways: int
    allowed: int  # pathways allowed
    rule_pack: str
    era: str | None
    decisions: DecisionSet | None  # when no output file was asked for
    output: Path | None


def run_bulk_decide(
    directory: Path,
    as_of: datetime,
    known_at: datetime | None = None,
    person_ids: Sequence[str] | None = None,
    output: Path | None = None,
    fmt: str = "json",
    pack: Pack | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> BulkRun:
    """Decide a bulk directory at `as_of` as known at `known_at` (default `as_of`).

    Without `output`, the decisions come back in `BulkRun.decisions` (print them with `.to_json()`).
    With `output`, they are written there as `fmt`: "parquet" (one row per pathway, docs/bulk-format.md)
    or "json" (the decision JSON of docs/spec/world-format.md). `person_ids` restricts the decisions to those people,
    in that order; an id unknown at `known_at` raises UnknownPerson. `progress` hears of each chunk of
    people decided when the decisions are streamed to a Parquet file. An existing `output` is replaced only
    with `overwrite` (accord.files: whole, never through a symlink)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    known_at = known_at or as_of
    people, run = _prepared(directory, as_of, known_at, pack)
    pack, book = run.pack, Codebook.of(run)
    known = people.recorded_at <= micros(known_at)
    if output is not None and fmt == "parquet" and person_ids is None:
        chunks = map_chunks(run, people, partial(coded_chunk, book, people.ids), progress=progress)
        with new_file(output, overwrite=overwrite) as temporary:
            pathways, allowed = stream_decisions(temporary, chunks)
        return BulkRun(int(np.count_nonzero(known)), pathways, allowed, pack.name, book.era, None, output)
    if output is not None and fmt == "json" and person_ids is None:
        with open_new(output, "w", overwrite=overwrite, encoding="utf-8") as handle:
            persons, pathways, allowed = _stream_json(people, run, handle.write, progress)
            handle.write("\n")
        return BulkRun(persons, pathways, allowed, pack.name, book.era, None, output)
    rows = decide_people(run, people).rows()
    wanted = _wanted(people.ids, people.recorded_at, micros(known_at), person_ids)
    if wanted is not None:
        rows = _only(rows, wanted)
    chosen = np.flatnonzero(known) if wanted is None else wanted
    decisions = None
    if output is not None and fmt == "parquet":  # some persons only (a whole caseload is streamed above)
        asked = list(dict.fromkeys(person_ids or ()))
        write_decisions(output, decisions_table(book, rows, some_persons(people.ids, rows), asked), overwrite)
    else:
        decisions = decision_set(book, rows, people.ids.to_pylist(), [int(r) for r in chosen])
    if output is not None and decisions is not None:
        write_file(output, json.dumps(decisions.to_json(), indent=2) + "\n", overwrite=overwrite)
    return BulkRun(
        persons=len(chosen),
        pathways=len(rows),
        allowed=int(np.count_nonzero(rows.reasons == 0)),
        rule_pack=pack.name,
        era=book.era,
        decisions=decisions if output is None else None,
        output=output,
    )


def _prepared(directory: Path, as_of: datetime, known_at: datetime, pack: Pack | None) -> tuple[People, Run]:
    """The caseload's arrays and the compiled run: the Parquet files read and converted, world.yaml
    checked against the persons' ids meanwhile."""
    persons = _read_persons(directory, engine_only=True)
    with ThreadPoolExecutor(1) as pool:  # world.yaml is checked against the ids while the arrays are built
        checked = pool.submit(read_world, directory, persons.column("id"))
        # The persons are converted while the fact files are read; each fact table as soon as it is read.
        people = people_read(persons, _fact_tables(directory, persons.num_rows, engine_only=True))
        world = checked.result()
    del persons  # the Arrow table: the engine reads only its arrays (and the ids, which `people` keeps)
    return people, compile_run(world, pack or pack_for_world(world), as_of, known_at)


def stream_bulk_json(
    directory: Path,
    as_of: datetime,
    write: Callable[[str], object],
    known_at: datetime | None = None,
    pack: Pack | None = None,
    progress: Progress | None = None,
) -> int:
    """The decision JSON of every person known at `known_at`, exactly as `json.dumps(DecisionSet.to_json(),
    indent=2)` would print it, handed to `write` piece by piece as each chunk is decided: memory holds a
    few chunks' decisions, never the caseload's (tens of GB of records and text at 10 M people). Returns
    the number of persons written."""
    known_at = known_at or as_of
    people, run = _prepared(directory, as_of, known_at, pack)
    return _stream_json(people, run, write, progress)[0]


def _stream_json(
    people: People, run: Run, write: Callable[[str], object], progress: Progress | None
) -> tuple[int, int, int]:
    """Write the decision JSON chunk by chunk; returns (persons, pathways, pathways allowed)."""
    book = Codebook.of(run)
    known = people.recorded_at <= micros(run.known_at)
    chunks = map_chunks(run, people, partial(_chunk_decisions, book, people, known), CHUNK, progress=progress)
    head = DecisionSet(run.as_of, run.known_at, run.pack.name, book.era, ())
    counts = Counter[str]()

    def counted(decisions: Iterator[list[PersonDecision]]) -> Iterator[PersonDecision]:
        for chunk in decisions:
            for decision in chunk:
                counts.update(p.status for p in decision.pathways)
                yield decision

    for piece in json_pieces(head, counted(chunks)):
        write(piece)
    return int(np.count_nonzero(known)), counts.total(), counts["allowed"]


def _chunk_decisions(
    book: Codebook, people: People, known: NDArray[np.bool_], blocks: list[Block]
) -> list[PersonDecision]:
    """One chunk's decisions (chunks are CHUNK people from `blocks[0].base`), on the worker thread."""
    lo = blocks[0].base
    hi = min(lo + CHUNK, people.count)
    ids = _Shifted(people.ids.slice(lo, hi - lo).to_pylist(), lo)
    wanted = (lo + np.flatnonzero(known[lo:hi])).tolist()
    return list(decision_set(book, Rows.of(blocks), ids, wanted).decisions)


class _Shifted(Sequence[str]):
    """The ids of one chunk, indexed by caseload row."""

    def __init__(self, ids: list[str], first: int) -> None:
        self.ids, self.first = ids, first

    def __getitem__(self, row: int) -> str:  # type: ignore[override]
        return self.ids[row - self.first]

    def __len__(self) -> int:
        return self.first + len(self.ids)


def bulk_outcomes(
    directory: Path,
    as_of: datetime,
    known_at: datetime | None = None,
    pack: Pack | None = None,
    progress: Progress | None = None,
) -> Outcomes:
    """How many people of the caseload could lawfully be moved, pathways by outcome and why the others
    are blocked (`accord decide DIR --format table`): counted chunk by chunk on the engine's threads, so
    no decision of the caseload is ever held whole, let alone turned into a record per person."""
    known_at = known_at or as_of
    people, run = _prepared(directory, as_of, known_at, pack)
    book = Codebook.of(run)
    known = int(np.count_nonzero(people.recorded_at <= micros(known_at)))
    outcomes = Outcomes(as_of, known_at, run.pack.name, book.era).plus(known, 0, Counter(), Counter())
    for movable, by_pathway, reasons in map_chunks(run, people, partial(chunk_outcomes, book), progress=progress):
        outcomes = outcomes.plus(0, movable, by_pathway, reasons)
    return outcomes


def decide_directory(
    directory: Path,
    as_of: datetime,
    known_at: datetime | None = None,
    person_ids: Sequence[str] | None = None,
    pack_name: str | None = None,
) -> DecisionSet:
    """The decisions of a bulk directory as a DecisionSet (what `accord decide DIR` prints). The persons
    asked for, if any, are decided by the interpreter on the directory narrowed to them, so that their
    reasons carry the interpreter's full details; the whole caseload by the columnar engine, whose
    details are short (the two agree on every status and reason code: tests/unit/rules_columnar)."""
    pack = resolve_pack(pack_name) if pack_name is not None else None
    if person_ids is not None:
        world = load_bulk_world(directory, person_ids)
        return decide(world, as_of, known_at, person_ids, pack or pack_for_world(world))
    result = run_bulk_decide(directory, as_of, known_at, person_ids, pack=pack)
    assert result.decisions is not None
    return result.decisions


def _wanted(
    ids: pa.ChunkedArray, recorded_at: NDArray[np.int64], known_us: int, person_ids: Sequence[str] | None
) -> NDArray[np.int64] | None:
    if person_ids is None:
        return None
    unique = list(dict.fromkeys(person_ids))
    rows = np.array(_rows_of(ids, unique), dtype=np.int64)
    for pid, row in zip(unique, rows, strict=True):
        if recorded_at[row] > known_us:
            raise UnknownPerson(f"person {pid!r} was recorded after known_at")
    return rows


def _only(rows: Rows, wanted: NDArray[np.int64]) -> Rows:
    keep = np.isin(rows.person, wanted)
    return Rows(**{name: getattr(rows, name)[keep] for name in Rows.__dataclass_fields__})


def coded_chunk(book: Codebook, ids: pa.ChunkedArray, blocks: list[Block]) -> tuple[pa.Table, int]:
    """One chunk's decisions as a decisions table, and how many of its pathways are allowed."""
    rows = Rows.of(blocks)
    first = blocks[0].base
    last = int(rows.person.max()) + 1 if len(rows) else first
    table = decisions_table(book, rows, chunk_persons(ids, rows, first, last - first))
    return table, int(np.count_nonzero(rows.reasons == 0))


def read_decisions(path: Path, directory: Path) -> DecisionSet:
    """Decode a decisions Parquet written for the bulk directory `directory` into the `DecisionSet` the
    engine decided: the persons decided are those asked for, or everyone of persons.parquet known at the
    file's known_at (a person with no candidate pathway has no row), in the caseload's order."""
    book, rows, ids, asked = read_table(pq.read_table(path))
    persons = pq.read_table(directory / PERSONS_FILE, columns=["id", "recorded_at"])
    caseload_ids = persons.column("id").to_pylist()
    row_of = {pid: row for row, pid in enumerate(caseload_ids)}
    caseload_rows = np.array([row_of[pid] for pid in ids], dtype=np.int32)
    rows = dataclasses.replace(rows, person=caseload_rows[rows.person] if len(rows) else rows.person)
    if asked is None:
        known = instants(persons.column("recorded_at"), ALWAYS) <= micros(book.known_at)
        wanted = [int(r) for r in np.flatnonzero(known)]
    else:
        wanted = [row_of[pid] for pid in asked]
    return decision_set(book, rows, caseload_ids, wanted)

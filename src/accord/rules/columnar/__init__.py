"""The columnar engine: a whole caseload decided with NumPy array operations (docs/columnar.md).

`decide_world_columnar` decides the persons of a `World` and answers with the same `DecisionSet` as the
scalar interpreter (`accord.rules.interpreter.decide`); the bulk path (`accord.rules.bulk`) decides a
Parquet caseload without ever building a domain record per person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from accord.domain import World
from accord.rules.columnar.compile import Run, compile_run
from accord.rules.columnar.decisions_file import decisions_table
from accord.rules.columnar.engine import Decided, Rows, decide_people
from accord.rules.columnar.output import Codebook, decision_set
from accord.rules.columnar.tables import caseload_of, people_of
from accord.rules.decision import DecisionSet
from accord.rules.interpreter import known_person
from accord.rules.knowledge import as_known_at
from accord.rules.pack import Pack, pack_for_world

__all__ = ["Decided", "Rows", "Run", "compile_run", "decide_people", "decide_world_columnar", "decisions_table"]


def decide_world_columnar(
    world: World,
    as_of: datetime,
    known_at: datetime | None = None,
    pack: Pack | None = None,
    person_ids: Iterable[str] | None = None,
) -> DecisionSet:
    """Decide every person known at `known_at` (default `as_of`), or those asked for in the order asked
    (an unknown id raises `UnknownPerson`, as in the interpreter)."""
    known_at = known_at or as_of
    pack = pack or pack_for_world(world)
    run = compile_run(world, pack, as_of, known_at)
    people = people_of(caseload_of(world.persons, pack.timezone))
    rows = decide_people(run, people, workers=1).rows()
    row_of = {p.id: i for i, p in enumerate(world.persons)}
    if person_ids is None:
        wanted = [row_of[p.id] for p in world.persons if p.known_at(known_at)]
    else:
        known = as_known_at(world, known_at)
        wanted = [row_of[known_person(world, known, pid, known_at).id] for pid in dict.fromkeys(person_ids)]
    return decision_set(Codebook.of(run), rows, [p.id for p in world.persons], wanted)

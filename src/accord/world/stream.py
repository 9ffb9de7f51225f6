"""A world file of any size read in the memory of a few thousand people (docs/storage.md, "Large
caseloads"): each person is validated as soon as the YAML reader has built it, and handed on in chunks (to
the writer of `accord import`, or only counted by `accord world check`); the rest of the document is
validated as usual, and the cross-record checks run on the persons' ids and designated countries alone.
A file with any mistake falls back to `load_world_text`, so its errors are exactly that function's:
every one located, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any, NamedTuple

from pydantic import ValidationError

from accord.collector import collector_paused
from accord.domain import Person, problems
from accord.world.document import WorldDocument
from accord.world.loader import load_world_text, read_text
from accord.world.yamlsource import YamlSyntaxError, load_yaml

PersonsSink = Callable[[Sequence[Person]], None]
CHUNK = 5000


@dataclass(frozen=True)
class StreamedWorld:
    document: WorldDocument  # everything but the persons, who went to the sink
    persons: int


class _Order(NamedTuple):
    designated: tuple[str, ...]


class _Seen(NamedTuple):
    """What the cross-record checks read of a person (`domain.problems`): its id and its orders'
    designated countries."""

    id: str
    orders: tuple[_Order, ...]


class _Mistake(Exception):
    """Something does not validate: the located path reports it."""


def stream_world_file(path: str | FsPath, sink: PersonsSink, chunk: int = CHUNK) -> StreamedWorld:
    """Validate the world file at `path`, handing its persons to `sink` `chunk` at a time as they are
    read. Raises WorldInvalid (every error located) when anything is wrong, possibly after some chunks
    went to the sink: a sink that writes must do so in a transaction the caller then rolls back. A person
    may reach the sink twice only if this path and `load_world_text` disagree, which they must not."""
    text = read_text(path)
    seen: list[_Seen] = []
    pending: list[Any] = []

    def flush() -> None:
        try:
            people = [Person.model_validate(raw) for raw in pending]
        except ValidationError:
            raise _Mistake from None
        pending.clear()
        seen.extend(_Seen(p.id, tuple(_Order(o.designated) for o in p.orders)) for p in people)
        sink(people)

    def take(raw: Any) -> None:
        pending.append(raw)
        if len(pending) >= chunk:
            flush()

    try:
        with collector_paused():
            raw, _, errors = load_yaml(text, str(path), locate=False, persons=take)
            flush()
            if errors:
                raise _Mistake
            return StreamedWorld(_the_rest(raw, seen), len(seen))
    except (_Mistake, YamlSyntaxError):
        document = load_world_text(text, str(path))  # raises WorldInvalid, every mistake located
    # Valid after all, in a shape the stream does not follow: hand the persons on from the document (a
    # writer finds those it was already given unchanged).
    sink(document.world.persons)
    rest = document.world.model_copy(update={"persons": ()})
    return StreamedWorld(document.model_copy(update={"world": rest}), len(document.world.persons))


def _the_rest(raw: Any, seen: list[_Seen]) -> WorldDocument:
    """The document without its persons, after the checks that span records, on what was seen of them."""
    try:
        document = WorldDocument.model_validate(raw)
    except ValidationError:
        raise _Mistake from None
    if document.world.persons:
        raise _Mistake  # persons that were not streamed (not a list): the located path says why
    checked = document.world.model_copy(update={"persons": tuple(seen)})
    if next(problems(checked), None) is not None:
        raise _Mistake
    return document

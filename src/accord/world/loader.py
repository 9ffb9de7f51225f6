"""Load and validate `accord.world/1` files, reporting every error as `FILE:LINE: field.path: message`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path as FsPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from accord.collector import collector_paused
from accord.domain import World, problems
from accord.world import yamlsource
from accord.world.document import WorldDocument
from accord.world.salvage import salvage
from accord.world.yamlsource import LocatedError, Path, SourceMap, YamlSyntaxError, dotted, load_yaml

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class WorldInvalid(Exception):
    """A world file (or several) that does not validate; carries every error found."""

    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def load_located(
    text: str,
    file: str,
    validate: Callable[[Any, SourceMap], tuple[T | None, list[LocatedError]]],
    invalid: type[WorldInvalid] = WorldInvalid,
) -> T:
    """Parse one YAML document and validate it; every error (syntax, duplicate keys, validation) is
    located in the file and raised together as `invalid`. World files, packs, flight files and court-order
    files all load this way.

    A valid file is parsed once without line numbers (the cheap way, which matters for a world of a
    hundred thousand people); only a file with mistakes is parsed again to locate them."""
    try:
        with collector_paused():
            raw, source, errors = load_yaml(text, file, locate=False)
            value, more = validate(raw, source)
            if errors or more or value is None:
                raw, source, errors = load_yaml(text, file)
                value, more = validate(raw, source)
    except YamlSyntaxError as exc:
        raise invalid([exc.error]) from exc
    errors = sorted([*errors, *more], key=lambda e: (e.line, e.path))
    if errors or value is None:
        raise invalid(errors)
    return value


def read_text(path: str | FsPath) -> str:
    """A file's text; an unreadable or non-UTF-8 file is a located error, not a traceback."""
    try:
        return yamlsource.read_text(FsPath(path))
    except YamlSyntaxError as exc:
        raise WorldInvalid([exc.error]) from exc


def load_world_text(text: str, file: str) -> WorldDocument:
    return load_located(text, file, validate_document)


def load_world_file(path: str | FsPath) -> WorldDocument:
    return load_world_text(read_text(path), str(path))


def validated(model: type[M]) -> Callable[[Any, SourceMap], tuple[M | None, list[LocatedError]]]:
    """A validator for `load_located` that checks the document against one model."""

    def validate(raw: Any, source: SourceMap) -> tuple[M | None, list[LocatedError]]:
        errors = model_errors(model, raw, source)
        return (None if errors else model.model_validate(raw)), errors

    return validate


def validate_document(raw: Any, source: SourceMap) -> tuple[WorldDocument | None, list[LocatedError]]:
    """Validate a parsed document; on failure also run the cross-record checks over what can be read of
    it (every record, without the fields that failed: `salvage`), so one pass reports every mistake."""
    if not isinstance(raw, dict):
        return None, [LocatedError(source.file, 1, "(document)", "a world file is a YAML mapping")]
    try:
        document = WorldDocument.model_validate(raw)
    except ValidationError as exc:
        errors = pydantic_errors(exc, raw, source)
        if isinstance(raw.get("world"), dict):
            errors += _problem_errors(problems(salvage(World, raw["world"])), source)
        return None, _unique(errors)
    return document, _problem_errors(problems(document.world), source)


def model_errors(model: type[BaseModel], raw: Any, source: SourceMap, prefix: Path = ()) -> list[LocatedError]:
    """Validate `raw` against `model` and return its errors located in the file (empty when valid)."""
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        return pydantic_errors(exc, raw, source, prefix)
    return []


def pydantic_errors(exc: ValidationError, raw: Any, source: SourceMap, prefix: Path = ()) -> list[LocatedError]:
    """Map pydantic's errors onto file paths. Errors inside one union are one mistake: keep the branch
    that got furthest, so each mistake yields exactly one line."""
    chosen: dict[Path, tuple[int, Path, str]] = {}
    order: list[Path] = []
    cleaned = [(error, *_clean_loc(tuple(error["loc"]), raw)) for error in exc.errors()]
    for error, path, union_at in cleaned:
        if error["type"] == "too_short" and _knock_on(path, cleaned):
            continue  # a list left short only because its items failed: the items are the mistake
        key = union_at if union_at is not None else (*path, f"#{len(order)}")
        message = _message(error)
        depth = len(path)
        if key not in chosen:
            order.append(key)
            chosen[key] = (depth, path, message)
        elif depth > chosen[key][0]:
            chosen[key] = (depth, path, message)
    located = []
    for key in order:
        _, path, message = chosen[key]
        full = (*prefix, *path)
        located.append(LocatedError(source.file, source.line_of(full), dotted(full), message))
    return located


def _knock_on(path: Path, cleaned: list[tuple[Any, Path, Path | None]]) -> bool:
    return any(len(other) > len(path) and other[: len(path)] == path for _, other, _ in cleaned)


def _clean_loc(loc: tuple[Any, ...], raw: Any) -> tuple[Path, Path | None]:
    """Keep the parts of a pydantic location that navigate the document; drop union-branch tags."""
    cursor = raw
    path: list[str | int] = []
    union_at: Path | None = None
    for i, part in enumerate(loc):
        if _navigable(cursor, part):
            cursor = cursor[part]
            path.append(part)
        elif isinstance(part, str) and _IDENTIFIER.match(part) and i == len(loc) - 1 and isinstance(cursor, dict):
            path.append(part)  # a missing or unknown key
        elif union_at is None:
            union_at = tuple(path)
    return tuple(path), union_at


def _navigable(cursor: Any, part: Any) -> bool:
    if isinstance(cursor, dict):
        return part in cursor
    return isinstance(cursor, list) and isinstance(part, int) and 0 <= part < len(cursor)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if kind.startswith(("datetime", "date")) and "input" in error:
        message = f"{message} (got {error['input']!r})"
    return message


def _problem_errors(found: Iterable[tuple[Path, str]], source: SourceMap) -> list[LocatedError]:
    return [LocatedError(source.file, source.line_of(path), dotted(path), message) for path, message in found]


def _unique(errors: list[LocatedError]) -> list[LocatedError]:
    seen: set[tuple[int, str, str]] = set()
    result = []
    for error in errors:
        key = (error.line, error.path, error.message)
        if key not in seen:
            seen.add(key)
            result.append(error)
    return result

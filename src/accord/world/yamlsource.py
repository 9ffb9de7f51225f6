"""YAML with line numbers: every value of a document keyed by its path, for `FILE:LINE` errors.

The document is built from libyaml's event stream in one pass, with an explicit stack: no node tree is
kept, and no recursion, so neither a huge file nor a deeply nested one exhausts memory or the stack.
Input files are data written by other parties, so what YAML allows but no Accord file needs is refused
with a located error (docs/adr/0003-yaml-input-refuses-aliases.md): aliases (`*name`, the "billion
laughs" of a few hundred bytes that expands to gigabytes), mappings or lists used as keys, tags other
than YAML's own, and nesting deeper than MAX_DEPTH."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, NoReturn

import yaml

Path = tuple[str | int, ...]

MAX_DEPTH = 64  # a world file nests about 8 deep; libyaml itself stops at 1000
_CACHED_SCALAR = 64  # plain scalars up to this length are resolved once per document (codes, dates, enums)
_YAML = "tag:yaml.org,2002:"
_STR = _YAML + "str"
_COLLECTION_TAGS = frozenset({None, "!", _YAML + "map", _YAML + "seq"})
_SCALAR_TAGS = frozenset(_YAML + name for name in ("null", "bool", "int", "float", "timestamp"))


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader's parser, resolver and scalar constructors; documents are built by `_Builder`."""


@dataclass
class SourceMap:
    """The line (1-based) where each path of a document starts; looked up by the longest known prefix."""

    file: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


@dataclass
class LocatedError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class YamlSyntaxError(Exception):
    """A file that cannot be read as an acceptable YAML document (unreadable, not UTF-8, bad syntax, or
    a construct refused above); carries the one located error."""

    def __init__(self, error: LocatedError) -> None:
        super().__init__(str(error))
        self.error = error


class _Relocate(Exception):
    """A mistake found while building without line numbers: build again, locating every path."""


Streamed = Callable[[Any], None]


def load_yaml(
    text: str, file: str, *, locate: bool = True, persons: Streamed | None = None
) -> tuple[Any, SourceMap, list[LocatedError]]:
    """Parse one YAML document; return its value, the line of every path, and duplicate-key errors.

    With `locate=False` no path is recorded (the source map is empty), which is several times cheaper
    for a large file; a duplicate key then makes it build again with `locate=True`, so the errors
    returned are always located. Callers validate the fast result and parse again only on a mistake.

    With `persons` (and `locate=False`), each item of `world.persons` is handed to it as soon as it is
    built, and not kept: the list stays empty, and a world of any size is read in the memory of one
    person (`loader.stream_world`)."""
    loader = _Loader(text)
    builder = _Builder(loader, SourceMap(file), locate and persons is None, persons)
    try:
        value = builder.document()
    except _Relocate:
        return load_yaml(text, file, locate=True)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(LocatedError(file, line, "(document)", f"YAML syntax: {exc.problem}")) from exc
    except yaml.YAMLError as exc:  # the reader's: a character YAML never allows (NUL, most controls)
        position = getattr(exc, "position", 0)
        line = text.count("\n", 0, position) + 1
        code = getattr(exc, "character", None)
        what = f"U+{code:04X}" if isinstance(code, int) else "a byte that is not UTF-8"
        message = f"YAML syntax: {what} is not allowed in YAML"
        raise YamlSyntaxError(LocatedError(file, line, "(document)", message)) from exc
    finally:
        loader.dispose()
    return value, builder.source, builder.errors


def read_text(path: FsPath) -> str:
    """A file's text; an unreadable or non-UTF-8 file is a located error, not a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlSyntaxError(LocatedError(str(path), 1, "(file)", f"cannot read: {exc.strerror or exc}")) from exc
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(LocatedError(str(path), 1, "(file)", f"not UTF-8 text: {exc.reason}")) from exc


def load_yaml_file(path: FsPath, *, locate: bool = True) -> tuple[Any, SourceMap, list[LocatedError]]:
    return load_yaml(read_text(path), str(path), locate=locate)


class _Frame:
    """An open mapping or sequence: its value, its path, and (in a mapping) the key awaiting a value."""

    __slots__ = ("is_map", "key", "key_line", "path", "streamed", "value")

    def __init__(self, value: dict[Any, Any] | list[Any], path: Path, streamed: bool = False) -> None:
        self.value = value
        self.is_map = isinstance(value, dict)
        self.path = path
        self.streamed = streamed  # the `world.persons` list, whose items go to the builder's `persons`
        self.key: Any = _NO_KEY
        self.key_line = 0


_NO_KEY = object()
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _is_persons(stack: list[_Frame]) -> bool:
    """True when the collection starting now is `world.persons` of the document."""
    return len(stack) == 2 and stack[0].key == "world" and stack[1].key == "persons"


class _Builder:
    """Builds one document from the loader's events (typed `Any`: PyYAML's event classes are untyped)."""

    def __init__(self, loader: Any, source: SourceMap, locate: bool, persons: Streamed | None = None) -> None:
        self.loader = loader
        self.source = source
        self.locate = locate
        self.persons = persons
        self.errors: list[LocatedError] = []
        self.scalars: dict[str, Any] = {}

    def document(self) -> Any:
        loader = self.loader
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # DocumentStart
        value = self._node()
        loader.get_event()  # DocumentEnd
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            self._refuse(event, "a file holds one YAML document; a second one starts here")
        return value

    def _refuse(self, event: Any, message: str) -> NoReturn:
        raise YamlSyntaxError(LocatedError(self.source.file, event.start_mark.line + 1, "(document)", message))

    def _node(self) -> Any:
        """The value of the document's root node, built iteratively (hot: one pass per event)."""
        get_event, scalar, place = self.loader.get_event, self._scalar, self._place
        stack: list[_Frame] = []
        parent: _Frame | None = None
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                value = scalar(event)
                if parent is None:
                    self._line((), event)
                    return value
                if parent.is_map and parent.key is _NO_KEY:
                    parent.key = value
                    parent.key_line = event.start_mark.line + 1
                else:
                    place(parent, value, event)
            elif kind in _ENDS:
                done = stack.pop()
                if not stack:
                    return done.value
                parent = stack[-1]
                place(parent, done.value, event, closing=True)
            elif kind in _STARTS:
                self._check_collection(event, parent, len(stack))
                streamed = self.persons is not None and kind is yaml.SequenceStartEvent and _is_persons(stack)
                value = {} if kind is yaml.MappingStartEvent else []
                stack.append(_Frame(value, self._child_path(parent, event), streamed))
                parent = stack[-1]
            else:  # an alias
                self._refuse(event, f"YAML aliases (*{event.anchor}) are not accepted in input files: write it out")

    def _check_collection(self, event: Any, parent: _Frame | None, depth: int) -> None:
        if parent is not None and parent.is_map and parent.key is _NO_KEY:
            self._refuse(event, "a mapping or a list cannot be a key; keys are plain scalars")
        if event.tag not in _COLLECTION_TAGS:
            self._refuse(event, f"the tag {event.tag} is not accepted here")
        if depth >= MAX_DEPTH:
            self._refuse(event, f"nested more than {MAX_DEPTH} levels deep")
        if parent is None:
            self._line((), event)

    def _child_path(self, parent: _Frame | None, event: Any) -> Path:
        if not self.locate or parent is None:
            return ()
        if isinstance(parent.value, dict):
            key = parent.key
            return (*parent.path, key if isinstance(key, str | int) else str(key))
        path = (*parent.path, len(parent.value))
        self.source.lines.setdefault(path, event.start_mark.line + 1)
        return path

    def _place(self, parent: _Frame, value: Any, event: Any, closing: bool = False) -> None:
        """Put a finished value into its parent: under the pending key of a mapping, or at the end of a
        sequence."""
        container = parent.value
        if parent.streamed:
            assert self.persons is not None
            self.persons(value)
            return
        if isinstance(container, list):
            if self.locate and not closing:
                self.source.lines.setdefault((*parent.path, len(container)), event.start_mark.line + 1)
            container.append(value)
            return
        key = parent.key
        parent.key = _NO_KEY
        if key in container:
            if not self.locate:
                raise _Relocate
            child = (*parent.path, key if isinstance(key, str | int) else str(key))
            self.errors.append(LocatedError(self.source.file, parent.key_line, dotted(child), "duplicate key"))
        elif self.locate:
            self.source.lines[(*parent.path, key if isinstance(key, str | int) else str(key))] = parent.key_line
        container[key] = value

    def _line(self, path: Path, event: Any) -> None:
        if self.locate:
            self.source.lines.setdefault(path, event.start_mark.line + 1)

    def _scalar(self, event: Any) -> Any:
        """A scalar as SafeLoader constructs it; a plain scalar that looks like a timestamp but is none
        (1995-13-40, or beyond year 9999) stays text: where a date is expected, validation reports it at
        its line; where text is expected, it is valid text."""
        text = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return text  # quoted: always a string
            cached = self.scalars.get(text, _NO_KEY)
            if cached is not _NO_KEY:
                return cached
            tag = self.loader.resolve(yaml.ScalarNode, text, event.implicit)
            # `<<` and `=` resolve to YAML 1.1's merge and value tags, which no Accord file uses: text.
            value = self._construct(tag, event) if tag in _SCALAR_TAGS else text
            if len(text) <= _CACHED_SCALAR:
                self.scalars[text] = value
            return value
        if tag == _STR:
            return text
        if tag not in _SCALAR_TAGS:
            self._refuse(event, f"the tag {tag} is not accepted here")
        return self._construct(tag, event)

    def _construct(self, tag: str, event: Any) -> Any:
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, OverflowError):
            return event.value

"""YAML with line numbers: every value of a document keyed by its path, for `FILE:LINE` errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

Path = tuple[str | int, ...]


class _UniqueKeyLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader; duplicate keys are detected while walking the node tree, not silently merged."""


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
    def __init__(self, error: LocatedError) -> None:
        super().__init__(str(error))
        self.error = error


def load_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[LocatedError]]:
    """Parse one YAML document; return its value, the line of every path, and duplicate-key errors."""
    source = SourceMap(file)
    duplicates: list[LocatedError] = []
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source, duplicates
        value = _build(loader, node, (), source, duplicates)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(LocatedError(file, line, "(document)", f"YAML syntax: {exc.problem}")) from exc
    finally:
        loader.dispose()
    return value, source, duplicates


def load_yaml_file(path: FsPath) -> tuple[Any, SourceMap, list[LocatedError]]:
    return load_yaml(path.read_text(encoding="utf-8"), str(path))


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, source: SourceMap, errors: list[LocatedError]) -> Any:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, (*path, "(key)"), source, errors)
            child = (*path, key if isinstance(key, str | int) else str(key))
            if key in result:
                errors.append(LocatedError(source.file, key_node.start_mark.line + 1, dotted(child), "duplicate key"))
            source.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, child, source, errors)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), source, errors) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # A scalar that looks like a timestamp but is none (1995-13-40) stays text: where a date is
        # expected, validation reports it at this line; where text is expected, it is valid text.
        return node.value

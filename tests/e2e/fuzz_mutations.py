"""Hypothesis strategies that turn a valid input file into a hostile one, the ways issue 12's attacks did:
a value replaced by something out of range or of the wrong kind, a key dropped or invented, a list where a
value belongs, or the bytes themselves cut, flipped or made non-UTF-8."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import strategies as st

Path = tuple[str | int, ...]

HOSTILE_VALUES: tuple[Any, ...] = (
    "",
    "\x00",
    "P\x00X",
    "=HYPERLINK(1)",
    "@SUM(A1)",
    "-1",
    "\u202eevil",
    "x" * 300,
    "x" * 5000,
    "0001-01-01",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+01:00",
    "2025-13-40",
    "1e999999",
    "20000.0001",
    10**35,
    -1,
    0,
    2**63,
    1e308,
    float("nan"),
    True,
    None,
    [],
    {},
    [[[[[[[["deep"]]]]]]]],
    {"a": {"b": {"c": "d"}}},
)


def paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Every path inside a parsed document (the document itself included)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def _parent(document: Any, path: Path) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


def _mutate(document: Any, path: Path, how: str, value: Any) -> Any:
    if not path:
        return value
    parent = _parent(document, path)
    key = path[-1]
    if how == "replace":
        parent[key] = value
    elif how == "drop":
        del parent[key]
    elif how == "wrap":
        parent[key] = [parent[key], parent[key]]
    elif how == "add" and isinstance(parent, dict):
        parent["unexpected_key"] = value
    return document


@st.composite
def mutated_value(draw: st.DrawFn, seed: Any) -> Any:
    """`seed` with one to three structural mutations."""
    document = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(document)))
        how = draw(st.sampled_from(("replace", "replace", "replace", "drop", "wrap", "add")))
        document = _mutate(document, path, how, copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES))))
    return document


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with one to three byte-level mutations: cut, flipped, inserted, or made non-UTF-8."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        how = draw(st.sampled_from(("truncate", "flip", "insert", "latin1", "delete")))
        if how == "truncate":
            del data[at:]
        elif how == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from((b"\x00", b"&a ", b"*a", b"{", b"[", b'"', b"\n- ", b": ", b"\xff")))
        elif how == "latin1":
            data[at:at] = b"Jos\xe9"
        elif data:
            del data[at]
    return bytes(data)


def hostile_file(seed: Any, dump: Callable[[Any], bytes]) -> st.SearchStrategy[bytes]:
    """A file made from the valid document `seed`: mutated as data and written, or written and mutated as
    bytes."""
    return st.one_of(mutated_value(seed).map(dump), mutated_bytes(dump(seed)))


def dump_yaml(value: Any) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode("utf-8")


def dump_json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def dump_csv(rows: Any) -> bytes:
    """A list of rows (lists of cells) as CSV; anything else (a mutation replaced the table) as its text."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return str(rows).encode("utf-8", "surrogatepass")
    out = io.StringIO()
    csv.writer(out).writerows([[str(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8", "surrogatepass")

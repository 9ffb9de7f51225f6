"""RFC 8785 canonical JSON for ledger entries, and a strict parser that accepts nothing else.

An entry is stored and hashed as the exact bytes that were signed, so a parser that tolerated two spellings
of the same value would let an operator change the hashed bytes without changing the meaning a reader sees.
We therefore refuse duplicate keys, floats, NaN/Infinity, integers outside the I-JSON range, invalid
UTF-8, lone surrogates, nesting deeper than MAX_DEPTH (which would otherwise exhaust the parser's stack), and
any byte string that is not exactly the canonical form of what it parses to."""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32  # an entry nests 3 deep, a receipt 4: anything near this limit is not a ledger document
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class FormatError(ValueError):
    """Bytes that are not a canonical, unambiguous JSON object."""


def canonical(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value (delegates to the maintained `rfc8785` package)."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, TypeError, ValueError) as exc:
        raise FormatError(f"not canonicalisable: {exc}") from exc


_PLAIN_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def canonical_known_shape(value: Any) -> bytes:
    """RFC 8785 bytes of a value already checked to hold only strings, null, booleans, safe integers,
    arrays and objects with ASCII keys, as every ledger entry does once its schema is checked. For those
    the C JSON encoder writes exactly RFC 8785 (same escapes, lowercase \\u00xx, code-point key order equal
    to UTF-16 order for ASCII) at a tenth of the cost of the general `canonical`, which matters when a
    verifier reads a million entries. A lone surrogate still fails, at the UTF-8 encoding."""
    try:
        return _PLAIN_JSON.encode(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError(f"not canonicalisable: {exc}") from exc


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise FormatError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_float(text: str) -> Any:
    raise FormatError(f"floating-point number {text} (only integers are allowed)")


def _refuse_constant(text: str) -> Any:
    raise FormatError(f"{text} is not JSON")


def _safe_integer(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise FormatError(f"integer {text} is outside ±(2^53 - 1)")
    return value


def parse_strict(data: bytes) -> dict[str, Any]:
    """Parse one JSON object, refusing every ambiguity listed in the module docstring. It does not check
    canonical form (callers that know the layout do that more cheaply); see `parse_canonical`."""
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise FormatError(f"invalid UTF-8 at byte {exc.start}") from exc
    _check_depth(text)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
            parse_int=_safe_integer,
        )
    except json.JSONDecodeError as exc:
        raise FormatError(f"invalid JSON: {exc.msg} at character {exc.pos}") from exc
    if not isinstance(value, dict):
        raise FormatError("not a JSON object")
    return value


def _check_depth(text: str) -> None:
    """Refuse arrays and objects nested deeper than MAX_DEPTH. Only text with more brackets than that in
    all is scanned (strings taken out first), so an ordinary entry costs two counts."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise FormatError(f"nested more than {MAX_DEPTH} levels deep")


def parse_canonical(data: bytes) -> dict[str, Any]:
    """Parse a JSON object and require `data` to be exactly its RFC 8785 form."""
    value = parse_strict(data)
    if canonical(value) != data:
        raise FormatError("not in RFC 8785 canonical form")
    return value

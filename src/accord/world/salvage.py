"""What can be read of a document that does not validate, so that one run reports every mistake.

A world with a schema error still gets its cross-record checks (`accord.domain.problems`: references,
duplicate ids, versions in order, no order designating the sending state). They run on a *salvaged*
world: every record is kept at its position (so each error keeps its own line), built from the fields
that validate on their own; a field that fails is absent (`accord.domain.base.given` says so), and the
checks that read it are skipped, its own error being reported already. Lists of records are salvaged
item by item, lists of plain values keep the items that validate."""

from __future__ import annotations

import types
from functools import cache
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

M = TypeVar("M", bound=BaseModel)


class _Failed:
    """No value could be read."""


FAILED = _Failed()


def salvage(model: type[M], raw: Any) -> M:
    """The record `raw` describes: validated when it is valid; otherwise built (unvalidated, as pydantic's
    `model_construct`) from the fields that validate, without the fields that do not. A value that is
    not a mapping gives a record with no field given."""
    if isinstance(raw, dict):
        try:
            return model.model_validate(raw)
        except ValidationError:
            pass
    fields: dict[str, Any] = {}
    failed: list[str] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if not isinstance(raw, dict) or key not in raw:
            continue
        value = _value(_annotated(info), raw[key])
        if value is FAILED:
            failed.append(name)
        else:
            fields[name] = value
    record = model.model_construct(**fields)
    for name in failed:  # not its default either: the field is unknown
        record.__dict__.pop(name, None)
    return record


def _annotated(info: FieldInfo) -> Any:
    """The field's type with its constraints (`min_length`, `ge`, ...), as a TypeAdapter checks it."""
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _value(kind: Any, raw: Any) -> Any:
    """`raw` read as `kind`, or as much of it as can be read (a record or list salvaged), or FAILED."""
    try:
        return _adapter(kind).validate_python(raw)
    except ValidationError:
        pass
    for option in _options(kind):
        if isinstance(option, type) and issubclass(option, BaseModel) and isinstance(raw, dict):
            return salvage(option, raw)
        item = _tuple_item(option)
        if item is not None and isinstance(raw, list):
            if isinstance(item, type) and issubclass(item, BaseModel):
                return tuple(salvage(item, entry) for entry in raw)  # every record at its position
            readable = (_value(item, entry) for entry in raw)
            return tuple(value for value in readable if value is not FAILED)
    return FAILED


def _options(kind: Any) -> tuple[Any, ...]:
    """The alternatives of a union (`X | None`, `Literal["any"] | tuple[...]`), else the type itself;
    constraints (`Annotated`) stripped, so that what is salvaged is the type's shape."""
    if get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) in (Union, types.UnionType):
        return tuple(option for option in get_args(kind) if option is not type(None))
    return (kind,)


def _tuple_item(kind: Any) -> Any | None:
    """X of `tuple[X, ...]`, else None."""
    args = get_args(kind)
    if get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None

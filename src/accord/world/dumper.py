"""Write a world back as `accord.world/1` YAML: keys by alias, defaults left out, instants as RFC 3339."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import yaml

from accord.domain import World
from accord.world.document import FORMAT, WorldDocument


def _plain(value: Any) -> Any:
    """Turn model dumps into YAML-safe values that load back to the same records."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value
    return value


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # values shared in memory are written out each time: input files refuse aliases


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Instants are written as strings; keep them unquoted-looking but loadable as strings.
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def world_dict(world: World) -> dict[str, Any]:
    data = world.model_dump(by_alias=True, exclude_defaults=True, mode="python")
    return {"sending_state": world.sending_state, **{k: v for k, v in data.items() if k != "sending_state"}}


def dump_world(world: World, title: str | None = None, source: str | None = None) -> str:
    document: dict[str, Any] = {"format": FORMAT}
    if title is not None:
        document["title"] = title
    if source is not None:
        document["source"] = source
    document["world"] = _plain(world_dict(world))
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def dump_document(document: WorldDocument) -> str:
    return dump_world(document.world, document.title, document.source)

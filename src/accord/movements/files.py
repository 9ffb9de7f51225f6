"""Loading the files of movements: `accord.flight/1` flight files and single court-order files, each error
reported as `FILE:LINE: field: message` like a world file."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from accord.domain import CourtOrder
from accord.movements.flights import FlightFile
from accord.world.loader import WorldInvalid, model_errors
from accord.world.yamlsource import LocatedError, YamlSyntaxError, load_yaml

M = TypeVar("M", bound=BaseModel)


def load_text(model: type[M], text: str, file: str) -> M:
    """Parse one YAML document and validate it as `model`; every error located in the file."""
    try:
        raw, source, errors = load_yaml(text, file)
    except YamlSyntaxError as exc:
        raise WorldInvalid([exc.error]) from exc
    errors = [*errors, *model_errors(model, raw, source)]
    if errors:
        raise WorldInvalid(sorted(errors, key=lambda e: (e.line, e.path)))
    return model.model_validate(raw)


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldInvalid([LocatedError(str(path), 1, "(file)", f"cannot read: {exc.strerror}")]) from exc


def load_flight_file(path: str | Path) -> FlightFile:
    return load_text(FlightFile, _read(path), str(path))


def load_court_order_file(path: str | Path) -> CourtOrder:
    """A YAML mapping with the fields of one world-file court order (WORLD_FORMAT.md)."""
    return load_text(CourtOrder, _read(path), str(path))

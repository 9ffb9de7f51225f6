"""Loading the files of movements: `accord.flight/1` flight files and single court-order files, each error
reported as `FILE:LINE: field: message` like a world file."""

from __future__ import annotations

from pathlib import Path

from accord.domain import CourtOrder
from accord.movements.flights import FlightFile
from accord.world.loader import load_located, read_text, validated


def load_flight_file(path: str | Path) -> FlightFile:
    return load_located(read_text(path), str(path), validated(FlightFile))


def load_court_order_file(path: str | Path) -> CourtOrder:
    """A YAML mapping with the fields of one world-file court order (docs/spec/world-format.md)."""
    return load_located(read_text(path), str(path), validated(CourtOrder))

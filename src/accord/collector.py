"""Pausing Python's cyclic garbage collector around bulk work on large, acyclic data (a world file of a
hundred thousand people, its validation, its rows): every automatic collection scans every live container
again, so with the collector running, loading and importing such a world took two to four times as long."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection inside the block (reference counting still frees everything acyclic);
    nested uses are harmless."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()

"""A process-wide NumPy setting for deciding large caseloads, applied by the process's owner (the CLI,
the benchmark), never by the engine behind a library caller's back."""

from __future__ import annotations

import os

import numpy._core.multiarray as multiarray

HUGEPAGE_ENV = "NUMPY_MADVISE_HUGEPAGE"


def avoid_hugepage_stalls() -> None:
    """Stop NumPy from advising the kernel to back new arrays with transparent huge pages.

    The engine allocates and frees a few dozen arrays of a few MiB for every chunk of people. Where the
    kernel's THP defrag setting is "madvise" (Debian's default), each advised fault can stall in direct
    memory compaction: measured on 10 M people Parquet -> Parquet, system time fell from 4.0 s to 1.7 s
    and the wall time from 5.1 s to 4.0 s with the advice off (docs/adr/columnar-performance.md).

    This is the runtime form of NumPy's documented `NUMPY_MADVISE_HUGEPAGE` switch; when that variable
    is set, the user has chosen and it is left alone."""
    if HUGEPAGE_ENV in os.environ:
        return
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:  # NumPy builds without huge page support have no switch
        setter(False)

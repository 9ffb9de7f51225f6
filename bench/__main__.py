"""`make bench`: run every benchmark module (bench/bench_*.py) in one process, in a fixed order.

Each module exposes `main(quick: bool) -> None`, prints its measurements and the ratios against the
baseline it measures in the same run. `python -m bench rules` runs one area; `--quick` shrinks sizes."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in names:
        area = name.removeprefix("bench_")
        if args and area not in args:
            continue
        print(f"\n=== {area} ===", flush=True)
        importlib.import_module(f"bench.{name}").main(quick)


if __name__ == "__main__":
    main()

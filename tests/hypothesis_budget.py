"""How many examples a property test runs, under the Hypothesis profile that tests/conftest.py loads.

`fast` (the default, `make test`): each test's own budget, derandomised, so a run replays the same
examples every time (and a coverage check such as the differential test's stays stable). `deep`
(`make test-deep`): fresh random examples, `DEEP_FACTOR` times as many (default 10)."""

from __future__ import annotations

import os

PROFILE_VARIABLE = "ACCORD_HYPOTHESIS_PROFILE"
PROFILE = os.environ.get(PROFILE_VARIABLE, "fast")
DEEP_FACTOR = int(os.environ.get("ACCORD_DEEP_FACTOR", "10"))
DEFAULT_EXAMPLES = 100  # Hypothesis's own default, for tests that state no budget


def examples(budget: int) -> int:
    """A test's example budget under the profile in use."""
    return budget * DEEP_FACTOR if PROFILE == "deep" else budget

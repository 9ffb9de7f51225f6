"""`engine.Matched`: the persons a court order's person-only fields match, dense or as positions, and the
pathways of those persons in a block, whatever the order of the block's owners."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from accord.rules.columnar.engine import Matched, owner_order

OWNERS = st.lists(st.integers(0, 9), max_size=30)
PERSONS = st.sets(st.integers(0, 9), max_size=10)


def _rows(matched: Matched, owner: np.ndarray) -> list[int]:  # type: ignore[type-arg]
    return sorted(matched.rows(owner, *owner_order(owner)).tolist())


@given(OWNERS, PERSONS)
def test_positions_and_flags_find_the_same_pathways(owners: list[int], persons: set[int]) -> None:
    owner = np.array(owners, dtype=np.int32)
    positions = Matched(None, np.array(sorted(persons), dtype=np.int64))
    flags = np.zeros(10, dtype=np.bool_)
    flags[list(persons)] = True
    dense = Matched(flags, None)
    expected = [i for i, o in enumerate(owners) if o in persons]
    assert _rows(positions, owner) == _rows(dense, owner) == expected
    assert positions.member(owner).tolist() == dense.member(owner).tolist() == [o in persons for o in owners]

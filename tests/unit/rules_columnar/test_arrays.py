"""The engine's array structures against plain Python sets: code sets of more than one 64-bit word,
owners without rows, and chunk bounds of fact rows found by binary search."""

from __future__ import annotations

import numpy as np

from accord.rules.columnar.arrays import CodeSets, Ragged


def test_code_sets_hold_exactly_each_owners_codes() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 4, size=500)  # owners with no, one or several codes
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    codes = rng.integers(0, 200, size=int(offsets[-1])).astype(np.int16)  # > 64 distinct: several words
    sets = CodeSets.build(offsets, codes, 250)
    expected = [set(codes[offsets[i] : offsets[i + 1]].tolist()) for i in range(len(counts))]
    for code in (0, 63, 64, 130, 199, 249):
        assert sets.holds(code).tolist() == [code in e for e in expected]
    owners = np.repeat(np.arange(len(counts)), 3)
    asked = rng.integers(0, 250, size=len(owners)).astype(np.int16)
    assert sets.contains(owners, asked).tolist() == [int(c) in expected[o] for o, c in zip(owners, asked, strict=True)]


def test_fact_rows_slice_by_binary_search_like_offsets() -> None:
    owner = np.array([0, 0, 2, 5, 5, 5, 9], dtype=np.int32)
    rows = Ragged(owner, 10)
    part, first, last = rows.slice(2, 6)
    assert (first, last) == (2, 6) and part.owner.tolist() == [0, 3, 3, 3] and part.count == 4
    offsets = np.searchsorted(owner, np.arange(11)).astype(np.int64)
    assert Ragged.from_offsets(offsets).owner.tolist() == owner.tolist()

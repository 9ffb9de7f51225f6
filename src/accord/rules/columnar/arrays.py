"""A caseload as NumPy arrays: one array per person column, one run of rows per person for each kind of
fact, per-person sets of nationality codes held as bit masks, and per-person lists of language codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I16 = NDArray[np.int16]
I8 = NDArray[np.int8]
Bool = NDArray[np.bool_]
U64 = NDArray[np.uint64]
Codes = NDArray[np.integer[Any]]


@dataclass(frozen=True, slots=True)
class Ragged:
    """Rows grouped by owner, sorted by it: `owner[r]` is row r's owner, one of `count` owners. `offsets`
    (owner i holds rows `offsets[i]:offsets[i+1]`) is kept when the rows came with it (Arrow list
    offsets); fact rows keep none, since only chunk bounds are ever asked of them, and a binary search
    finds those without a dense per-person array per kind of fact."""

    owner: I32
    count: int
    offsets: I64 | None = None

    @classmethod
    def from_offsets(cls, offsets: I64) -> Ragged:
        counts = np.diff(offsets)
        return cls(np.repeat(np.arange(len(counts), dtype=np.int32), counts), len(counts), offsets)

    def bounds(self, lo: int, hi: int) -> tuple[int, int]:
        """The rows of owners lo..hi-1."""
        if self.offsets is not None:
            return int(self.offsets[lo]), int(self.offsets[hi])
        # Keys of the owner's own dtype: other keys would make NumPy convert (copy) the whole array.
        first, last = np.searchsorted(self.owner, np.array([lo, hi], dtype=self.owner.dtype))
        return int(first), int(last)

    def slice(self, lo: int, hi: int) -> tuple[Ragged, int, int]:
        """Owners lo..hi-1 rebased to 0, and the row range they hold."""
        first, last = self.bounds(lo, hi)
        offsets = None if self.offsets is None else self.offsets[lo : hi + 1] - first
        return Ragged(self.owner[first:last] - np.int32(lo), hi - lo, offsets), first, last


@dataclass(frozen=True, slots=True)
class CodeSets:
    """A set of small codes per owner, as bit masks over the codes that occur (`slot` maps a code to its
    bit, -1 for a code in no set). Membership is then a shift and a mask, with no search."""

    slot: NDArray[np.int32]
    words: U64  # (ceil(slots / 64), owners)

    @classmethod
    def build(cls, offsets: I64, codes: Codes, universe: int) -> CodeSets:
        """The sets of `codes` per owner, owner i holding rows `offsets[i]:offsets[i+1]`."""
        present = np.flatnonzero(np.bincount(codes, minlength=universe))  # codes are small: no hashing
        slot = np.full(universe, -1, dtype=np.int32)
        slot[present] = np.arange(len(present), dtype=np.int32)
        words = np.zeros((max(1, -(-len(present) // 64)), len(offsets) - 1), dtype=np.uint64)
        row_slot = slot[codes].astype(np.uint64)
        if len(words) == 1:  # nearly every caseload: fewer than 64 distinct codes, one word, no masking
            words[0] = or_per_owner(offsets, np.left_shift(np.uint64(1), row_slot))
            return cls(slot, words)
        for w in range(len(words)):
            in_word = (row_slot >> np.uint64(6)) == np.uint64(w)
            bits = np.where(in_word, np.left_shift(np.uint64(1), row_slot & np.uint64(63)), np.uint64(0))
            words[w] = or_per_owner(offsets, bits)
        return cls(slot, words)

    def slice(self, lo: int, hi: int) -> CodeSets:
        return CodeSets(self.slot, self.words[:, lo:hi])

    def contains(self, owners: NDArray[np.integer[Any]], codes: Codes) -> Bool:
        """Whether each owner's set holds the paired code."""
        slot = self.slot[codes]
        found = slot >= 0
        slot = np.where(found, slot, 0)
        # Nearly every caseload has fewer than 64 distinct codes: one word, a plain gather.
        mask: U64 = self.words[0][owners] if len(self.words) == 1 else self.words[slot >> 6, owners]
        held: Bool = (np.right_shift(mask, (slot & 63).astype(np.uint64)) & np.uint64(1)) == np.uint64(1)
        return found & held

    def holds(self, code: int) -> Bool:
        """Per owner: whether the set holds `code`."""
        slot = int(self.slot[code])
        if slot < 0:
            return np.zeros(self.words.shape[1], dtype=np.bool_)
        held: Bool = (self.words[slot // 64] & np.uint64(1 << (slot % 64))) != 0
        return held

    def meets(self, codes: Iterable[int], owners: NDArray[np.integer[Any]] | None = None) -> Bool:
        """Per owner (all, or those listed): whether the set shares a code with `codes`."""
        mask = np.zeros(len(self.words), dtype=np.uint64)
        for code in codes:
            slot = int(self.slot[code])
            if slot >= 0:
                mask[slot // 64] |= np.uint64(1 << (slot % 64))
        hit = np.zeros(self.words.shape[1] if owners is None else len(owners), dtype=np.bool_)
        for w, word_mask in enumerate(mask):
            if word_mask:
                words = self.words[w] if owners is None else self.words[w][owners]
                hit |= (words & word_mask) != 0
        return hit


@dataclass(frozen=True, slots=True)
class CodeLists:
    """A short list of codes per owner (owner i: `codes[offsets[i]:offsets[i+1]]`), for a membership that
    is only ever asked of a few owners (the language of a notice): nothing to build per owner, where
    bit masks (`CodeSets`) would cost several passes over every row at load."""

    offsets: I64
    codes: I16

    def slice(self, lo: int, hi: int) -> CodeLists:
        first, last = int(self.offsets[lo]), int(self.offsets[hi])
        return CodeLists(self.offsets[lo : hi + 1] - first, self.codes[first:last])

    def contains(self, owners: NDArray[np.integer[Any]], codes: Codes) -> Bool:
        """Whether each owner's list holds the paired code: one pass per position in the longest list."""
        start = self.offsets[owners]
        length = self.offsets[owners + 1] - start
        found = np.zeros(len(owners), dtype=np.bool_)
        for position in range(int(length.max(initial=0))):
            at = np.flatnonzero(length > position)
            found[at] |= self.codes[start[at] + position] == codes[at]
        return found


def first_occurrence(owner: I32, codes: Codes) -> Bool:
    """For rows sorted by owner: True where the (owner, code) pair has not appeared in an earlier row.
    Only owners with several rows can repeat, so only their rows are sorted."""
    first = np.ones(len(owner), dtype=np.bool_)
    same_as_next = owner[1:] == owner[:-1]
    shared = np.zeros(len(owner), dtype=np.bool_)
    shared[1:] |= same_as_next
    shared[:-1] |= same_as_next
    rows = np.flatnonzero(shared)
    if len(rows) == 0:
        return first
    key = owner[rows].astype(np.int64) * 65_536 + codes[rows].astype(np.int64)
    order = np.argsort(key, kind="stable")  # equal pairs keep their row order: the first comes first
    ordered = key[order]
    first[rows[order[1:][ordered[1:] == ordered[:-1]]]] = False
    return first


def or_per_owner(offsets: I64, bits: U64) -> U64:
    """Bitwise OR of each owner's rows, owner i holding rows `offsets[i]:offsets[i+1]` (0 for an owner
    without rows)."""
    if len(offsets) == 1:
        return np.zeros(0, dtype=np.uint64)
    # A trailing zero lets an owner without rows at the very end start at len(bits).
    padded = np.concatenate([bits, np.zeros(1, dtype=np.uint64)])
    merged = np.bitwise_or.reduceat(padded, offsets[:-1])
    merged[offsets[1:] == offsets[:-1]] = 0
    return merged


@dataclass(frozen=True, slots=True)
class Facts:
    """The rows of one kind of fact, with one array per column (layout.FACT_COLUMNS), plus the nested
    country lists (an order's `designated`) as their own runs keyed by fact row, and the values of each
    column of an open vocabulary (a designation's `kind`), which its codes index."""

    rows: Ragged
    columns: Mapping[str, NDArray[Any]]
    nested: Mapping[str, tuple[Ragged, I16]]
    vocabularies: Mapping[str, tuple[str, ...]]

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.columns[name]

    def slice(self, lo: int, hi: int) -> Facts:
        rows, first, last = self.rows.slice(lo, hi)
        nested = {}
        for name, (runs, codes) in self.nested.items():
            inner, a, b = runs.slice(first, last)
            nested[name] = (inner, codes[a:b])
        return Facts(rows, {k: v[first:last] for k, v in self.columns.items()}, nested, self.vocabularies)


@dataclass(frozen=True, slots=True)
class People:
    """A caseload in arrays. Row i of every person array is the person at row i of persons.parquet."""

    count: int
    ids: pa.ChunkedArray  # string, as read (combining the chunks would copy every id)
    recorded_at: I64
    birth_days: I32  # days since 1970-01-01; layout.UNKNOWN_BIRTH when unknown
    sex: I8  # index into layout.SEXES, -1 unknown
    status: I8  # index into layout.STATUSES
    accompanied: Bool
    district: I32  # index into `districts`, -1 unknown
    districts: tuple[str, ...]
    verified: Bool  # an identity on file says verified (whenever it was learnt)
    identity_recorded_at: I64  # when that identity was learnt: µs, layout.ALWAYS when it says none
    nationalities: Ragged
    nationality: I16  # country code of each nationality row
    nationality_first: Bool  # the row is the first of its person with its country (later ones repeat it)
    nationality_sets: CodeSets
    languages: CodeLists
    facts: Mapping[str, Facts]

    def slice(self, lo: int, hi: int) -> People:
        """Persons lo..hi-1 as their own caseload (views; only row offsets are rebased)."""
        nationalities, first, last = self.nationalities.slice(lo, hi)
        return People(
            count=hi - lo,
            ids=self.ids.slice(lo, hi - lo),
            recorded_at=self.recorded_at[lo:hi],
            birth_days=self.birth_days[lo:hi],
            sex=self.sex[lo:hi],
            status=self.status[lo:hi],
            accompanied=self.accompanied[lo:hi],
            district=self.district[lo:hi],
            districts=self.districts,
            verified=self.verified[lo:hi],
            identity_recorded_at=self.identity_recorded_at[lo:hi],
            nationalities=nationalities,
            nationality=self.nationality[first:last],
            nationality_first=self.nationality_first[first:last],
            nationality_sets=self.nationality_sets.slice(lo, hi),
            languages=self.languages.slice(lo, hi),
            facts={k: v.slice(lo, hi) for k, v in self.facts.items()},
        )

"""The RFC 9162 §2.1 Merkle tree: hashes, proofs and their verification.

Leaf hash = SHA-256(0x00 ‖ entry), node hash = SHA-256(0x01 ‖ left ‖ right), MTH({}) = SHA-256("").
Subtree proofs follow the "subtree" definitions of draft-ietf-plants-merkle-tree-certs (§4): a subtree
[start, end) is valid when start < end and start is a multiple of BIT_CEIL(end - start); the ordinary
RFC 9162 consistency proof is the subtree consistency proof of [0, size1).

Proof generation is split in two so that storage can answer with O(log n) lookups: pure functions list the
ranges whose hashes a proof needs, `perfect_nodes` breaks each range into stored perfect subtrees, and
`range_hash` folds the fetched node hashes back together.

Every hash handled here must be exactly 32 bytes. This is stricter than the transparency-dev reference,
which accepts any byte string as a root when the two sizes of a consistency proof are equal; see
docs/ledger.md ("Test vectors")."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]
"""A half-open range of leaf indices [lo, hi)."""

NodeId = tuple[int, int]
"""A perfect subtree: (level, index) covers leaves [index·2^level, (index+1)·2^level)."""


class ProofError(ValueError):
    """A proof, its parameters or the hashes it relates do not verify."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than `size` (size >= 2): RFC 9162's k."""
    return 1 << ((size - 1).bit_length() - 1)


def _bit_ceil(n: int) -> int:
    return 1 << (n - 1).bit_length() if n > 0 else 1


def is_valid_subtree(start: int, end: int) -> bool:
    return 0 <= start < end and start % _bit_ceil(end - start) == 0


@dataclass
class CompactRange:
    """The right border of a tree: the hashes of the perfect subtrees that make up its `size` leaves, the
    largest first. It is all an appender needs to add a leaf and to compute the root."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> list[tuple[NodeId, bytes]]:
        """Add a leaf hash; return every perfect subtree completed by it (the leaf first)."""
        created: list[tuple[NodeId, bytes]] = [((0, self.size), leaf)]
        current, level, index = leaf, 0, self.size
        # Each trailing one bit of the old size is a left sibling that is now complete on its right.
        while index & 1:
            current = node_hash(self.hashes.pop(), current)
            level, index = level + 1, index >> 1
            created.append(((level, index), current))
        self.hashes.append(current)
        self.size += 1
        return created

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> CompactRange:
        hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        if len(hashes) != size.bit_count() or any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"a compact range of size {size} needs {size.bit_count()} hashes")
        return cls(size, hashes)


def perfect_nodes(lo: int, hi: int) -> list[NodeId]:
    """The perfect subtrees that make up [lo, hi), left to right, each as large as alignment allows."""
    nodes: list[NodeId] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo % (1 << level):
            level -= 1
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def range_hash(lo: int, hi: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """MTH(D[lo:hi]) for a range that is a node of a larger tree, from its perfect subtrees' hashes."""
    parts = [nodes[node] for node in perfect_nodes(lo, hi)]
    result = parts[-1]
    for left in reversed(parts[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form RFC 9162's PATH(index, D[0:size]), bottom to top."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def subtree_consistency_ranges(start: int, end: int, size: int) -> list[Range]:
    """The ranges whose hashes prove that subtree [start, end) is part of the tree of `size` leaves,
    in the order the proof lists them (RFC 9162 SUBPROOF generalised to subtrees)."""
    _check_subtree(start, end, size)
    ranges: list[Range] = []
    _consistency_walk(0, size, start, end, True, ranges)
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """RFC 9162 PROOF(size1, D[0:size2])."""
    if size1 == size2 and size1 > 0:
        return []
    return subtree_consistency_ranges(0, size1, size2)


def _consistency_walk(lo: int, hi: int, start: int, end: int, known: bool, out: list[Range]) -> None:
    if (lo, hi) == (start, end):
        if not known:
            out.append((lo, hi))
        return
    mid = lo + _split(hi - lo)
    if end <= mid:
        _consistency_walk(lo, mid, start, end, known, out)
        out.append((mid, hi))
    elif start >= mid:
        _consistency_walk(mid, hi, start, end, known, out)
        out.append((lo, mid))
    else:  # the subtree holds the whole left half (start == lo) and part of the right
        _consistency_walk(mid, hi, mid, end, False, out)
        out.append((lo, mid))


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def _check_subtree(start: int, end: int, size: int) -> None:
    if not is_valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")
    if end > size:
        raise ProofError(f"subtree [{start}, {end}) ends beyond the tree size {size}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root implied by an inclusion proof."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, result = index, size - 1, leaf
    for position, sibling in enumerate(proof):
        _check_hash(sibling, f"proof[{position}]")
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            # On the right border the left-hand siblings skip levels where this node has no sibling.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return result


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    _check_hash(root, "root")
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"inclusion proof of leaf {index} does not lead to the root of size {size}")


def verify_subtree_inclusion(
    index: int, start: int, end: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Inclusion of leaf `index` in subtree [start, end) whose hash is `root`."""
    if not is_valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")
    if not start <= index < end:
        raise ProofError(f"leaf {index} is not in subtree [{start}, {end})")
    verify_inclusion(index - start, end - start, leaf, proof, root)


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """RFC 9162 §2.1.4.2: the tree of size2 with root2 extends the tree of size1 with root1."""
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    verify_subtree_consistency(0, size1, size2, proof, root1, root2)


def verify_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Subtree [start, end) with hash root1 is part of the tree of `size` leaves with hash root2."""
    if start == end:
        _check_empty_subtree(start, size, proof, root1)
        return
    _check_hash(root1, "first root")
    _check_hash(root2, "second root")
    _check_subtree(start, end, size)
    for position, item in enumerate(proof):
        _check_hash(item, f"proof[{position}]")
    remaining = list(reversed(proof))
    old, new = _replay(0, size, start, end, True, root1, remaining)
    if remaining:
        raise ProofError(f"consistency proof has {len(remaining)} extra hashes")
    if old != root1:
        raise ProofError(f"consistency proof does not lead to the first root of [{start}, {end})")
    if new != root2:
        raise ProofError(f"consistency proof does not lead to the second root of size {size}")


def _check_empty_subtree(start: int, size: int, proof: Sequence[bytes], root1: bytes) -> None:
    """The empty subtree is part of every tree: it needs no proof and says nothing about root2."""
    if not 0 <= start <= size:
        raise ProofError(f"empty subtree at {start} is beyond the tree size {size}")
    if proof:
        raise ProofError("an empty subtree needs an empty proof")
    if root1 != EMPTY_ROOT:
        raise ProofError("the hash of an empty subtree must be SHA-256 of nothing")


def _replay(
    lo: int, hi: int, start: int, end: int, known: bool, root1: bytes, remaining: list[bytes]
) -> tuple[bytes, bytes]:
    """Walk the same shape as `_consistency_walk`, consuming proof hashes in order, and return the
    (subtree hash, node hash) they imply for node [lo, hi)."""
    if (lo, hi) == (start, end):
        seed = root1 if known else _take(remaining)
        return seed, seed
    mid = lo + _split(hi - lo)
    if end <= mid:
        old, new = _replay(lo, mid, start, end, known, root1, remaining)
        return old, node_hash(new, _take(remaining))
    if start >= mid:
        old, new = _replay(mid, hi, start, end, known, root1, remaining)
        return old, node_hash(_take(remaining), new)
    old, new = _replay(mid, hi, mid, end, False, root1, remaining)
    left = _take(remaining)
    return node_hash(left, old), node_hash(left, new)


def _take(remaining: list[bytes]) -> bytes:
    if not remaining:
        raise ProofError("consistency proof is too short")
    return remaining.pop()

"""Properties of the tree: our proofs verify, against a naive RFC 9162 MTH, and any change breaks them."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.ledger import merkle


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH written as the recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def build(n: int) -> tuple[list[bytes], dict[merkle.NodeId, bytes], merkle.CompactRange]:
    leaves = [f"entry {i}".encode() for i in range(n)]
    tree, nodes = merkle.CompactRange(), {}
    for leaf in leaves:
        nodes.update(tree.append(merkle.leaf_hash(leaf)))
    return leaves, nodes, tree


def hashes(ranges: list[merkle.Range], nodes: dict[merkle.NodeId, bytes]) -> list[bytes]:
    return [merkle.range_hash(lo, hi, nodes) for lo, hi in ranges]


@given(st.integers(0, 70))
def test_compact_range_root_is_the_rfc_root(n: int) -> None:
    leaves, _nodes, tree = build(n)
    assert tree.root() == naive_mth(leaves)
    assert merkle.CompactRange.from_bytes(n, tree.to_bytes()).root() == tree.root()


@given(st.integers(1, 70), st.data())
def test_inclusion_proofs_verify_and_any_change_fails(n: int, data: st.DataObject) -> None:
    leaves, nodes, tree = build(n)
    index = data.draw(st.integers(0, n - 1))
    proof = hashes(merkle.inclusion_ranges(index, n), nodes)
    leaf = merkle.leaf_hash(leaves[index])
    merkle.verify_inclusion(index, n, leaf, proof, tree.root())
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof]
        bad[position] = bytes([bad[position][0] ^ 1]) + bad[position][1:]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, n, leaf, bad, tree.root())
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, n, merkle.leaf_hash(b"other"), proof, tree.root())


@given(st.integers(1, 70), st.data())
def test_consistency_proofs_verify_and_forks_fail(n: int, data: st.DataObject) -> None:
    leaves, nodes, tree = build(n)
    m = data.draw(st.integers(1, n))
    proof = hashes(merkle.consistency_ranges(m, n), nodes)
    old_root = naive_mth(leaves[:m])
    merkle.verify_consistency(m, n, proof, old_root, tree.root())
    forked = naive_mth([*leaves[: m - 1], b"forked"])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(m, n, proof, forked, tree.root())


@given(st.integers(1, 40), st.data())
def test_subtree_consistency_proofs_verify(n: int, data: st.DataObject) -> None:
    leaves, nodes, tree = build(n)
    valid = [(s, e) for s in range(n) for e in range(s + 1, n + 1) if merkle.is_valid_subtree(s, e)]
    start, end = data.draw(st.sampled_from(valid))
    proof = hashes(merkle.subtree_consistency_ranges(start, end, n), nodes)
    merkle.verify_subtree_consistency(start, end, n, proof, naive_mth(leaves[start:end]), tree.root())


def test_consistency_from_the_empty_tree_is_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(0, 3, [], merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)


def test_hashes_must_be_32_bytes() -> None:
    root = merkle.leaf_hash(b"x")
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(1, 1, [], root[:12], root[:12])
    merkle.verify_consistency(1, 1, [], root, root)

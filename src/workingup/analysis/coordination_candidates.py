"""Candidate pairs for the coordination detector, with a hard budget fixed before any pair is formed.

Why not every pair that collides: a bloc of m members that lands in one bucket would give m²/2 pairs (an 8,000
member bloc: 32 million), and a launch burst of honest joiners does the same through the time signal. Members of
a bloc need not all be compared with each other to be found; a connected web of alike pairs is enough. So each
bucket is put in a random order and each member is paired only with the next `window` members: a bucket of any
size gives at most `window` pairs per member, and the whole candidate set at most
`n_participants × (n_hash_bands + n_time_orders) × window` pairs.

A member of a bloc of m in a bucket of size B (m ≤ B) meets on average `window × (m − 1)/(B − 1)` fellow members
in it; over all bands that is enough for the alike graph of a bloc to be connected once its members share
buckets often (they do: their signatures are near copies), while two honest participants share a bucket by chance
only. Everything is numpy over arrays of length n × bands, never a Python loop over participants.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["bucket_pairs", "signature_buckets", "time_buckets"]


def signature_buckets(
    vectors: sp.csr_array, members: NDArray[np.int64], *, n_bands: int, bits: int, random_state: int
) -> NDArray[np.int64]:
    """Bucket keys, shape (n_bands, len(members)): random-hyperplane signs of each member's row, `bits` per band.

    Two rows with cosine similarity c agree on a random hyperplane's side with probability 1 − arccos(c)/π, so
    they share a band's key with that probability to the power `bits` (SimHash). A row of zeros gets the key −1
    (no bucket). Cost: one sparse × dense product, O(nnz × n_bands × bits).
    """
    rng = np.random.default_rng(random_state)
    n_planes = n_bands * bits
    planes = rng.standard_normal((vectors.shape[1], n_planes)).astype(np.float32)
    rows = vectors[members]
    projected = np.asarray(rows @ planes)
    empty = np.diff(rows.indptr) == 0
    signs = (projected > 0).reshape(len(members), n_bands, bits)
    keys: NDArray[np.int64] = np.asarray(
        (signs * (1 << np.arange(bits, dtype=np.int64))).sum(axis=2).T, dtype=np.int64
    )
    keys[:, empty] = -1
    return keys


def time_buckets(
    first_vote_time: NDArray[np.float64], members: NDArray[np.int64], window_s: float
) -> NDArray[np.int64]:
    """Bucket keys, shape (2, len(members)): arrival in the same `window_s`, on two offset grids (a burst that
    straddles a boundary still shares one). Unknown times get −1."""
    times = first_vote_time[members]
    known = np.isfinite(times)
    keys = np.full((2, len(members)), -1, dtype=np.int64)
    for row, offset in enumerate((0.0, 0.5)):
        keys[row, known] = np.floor(times[known] / window_s + offset).astype(np.int64)
    return keys


def bucket_pairs(
    keys: NDArray[np.int64], members: NDArray[np.int64], *, window: int, random_state: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pairs (i < j, participant indices) of members that share a key, each paired with the next `window`
    members of its bucket in a random order; at most `keys.shape[0] × len(members) × window` pairs, deduplicated.
    """
    rng = np.random.default_rng(random_state)
    left: list[NDArray[np.int64]] = []
    right: list[NDArray[np.int64]] = []
    n = len(members)
    for row in keys:
        shuffle = rng.permutation(n)
        valid = shuffle[row[shuffle] >= 0]
        order = valid[np.argsort(row[valid], kind="stable")]
        bucket = row[order]
        for step in range(1, window + 1):
            same = bucket[step:] == bucket[:-step]
            left.append(members[order[:-step][same]])
            right.append(members[order[step:][same]])
    if not left:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    a, b = np.concatenate(left), np.concatenate(right)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair = np.unique(np.stack([lo, hi], axis=1), axis=0) if len(lo) else np.empty((0, 2), np.int64)
    return pair[:, 0], pair[:, 1]

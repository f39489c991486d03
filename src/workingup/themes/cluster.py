"""Group unit vectors into themes, and say plainly which texts fit none.

Spectral clustering on the graph of each text's nearest neighbours: texts are grouped by who they are close to,
not by distance to a centre, which on short texts agreed better with hand labels and varied much less from
seed to seed than k-means on the same vectors (listening sample: AMI 0.21 vs 0.16 for TF-IDF/LSA, 0.45 vs 0.39
for MiniLM; seed-to-seed AMI 0.7 vs 0.3 and 1.0 vs 0.4; benchmarks/themes/README.md). The eigenvectors come from
LOBPCG and are turned into groups by column-pivoted QR (deterministic, no restarts). Very small inputs, where a
neighbour graph says little, fall back to k-means (several seeded starts, one thread).
k comes from a stated rule (about the square root of the number of texts, capped for readability) unless the
caller names it: on short texts no internal criterion (silhouette and the like) showed a usable knee.

After grouping, two honest clean-ups:

* a group smaller than `min_size` is not a theme: its members move to the nearest remaining theme;
* a text too far from its theme's centre (cosine below `floor`), or with nothing the method could read,
  goes to "other" rather than being forced into a theme it does not fit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

MAX_THEMES = 30
"""More themes than this stop being something a facilitator can read in one sitting."""


def default_n_themes(n: int) -> int:
    """About √n themes: ~14 for a 200-contribution session, capped at MAX_THEMES for large corpora."""
    return max(1, min(MAX_THEMES, round(math.sqrt(n))))


def default_min_size(n: int) -> int:
    """A theme needs at least 3 voices, and 1% of everyone in large corpora."""
    return max(3, n // 100)


@dataclass(frozen=True, slots=True)
class Clustering:
    labels: NDArray[np.int64]
    """Theme index per text, -1 for "other"; themes are numbered 0… by decreasing size."""
    similarity: NDArray[np.float64]
    """Cosine similarity of each text to the centre of the theme it was grouped with (0 if unreadable)."""
    centres: NDArray[np.float64]
    grouped: NDArray[np.int64]
    """Theme index per text before the floor sent the misfits to "other" (-1 only for unreadable texts)."""


NEIGHBOURS = 8
"""Edges per text in the neighbour graph (10,000 texts: about 3 s for graph and eigenvectors on one core)."""


def group_texts(
    vectors: NDArray[np.float64],
    *,
    n_themes: int | None = None,
    min_size: int | None = None,
    floor: float = 0.0,
    random_state: int = 0,
) -> Clustering:
    """Themes of the rows of `vectors` (unit rows; all-zero rows are unreadable and go to "other")."""
    n = vectors.shape[0]
    readable = np.linalg.norm(vectors, axis=1) > 1e-9
    if min_size is None:
        min_size = default_min_size(n)
    assigned = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(readable)
    if idx.size >= max(min_size, 1):
        k = default_n_themes(idx.size) if n_themes is None else n_themes
        k = max(1, min(k, idx.size))
        if k > 1 and idx.size > 4 * NEIGHBOURS:
            assigned[idx] = _spectral(vectors[idx], k, random_state)
        else:
            assigned[idx] = _kmeans(vectors[idx], k, random_state)
    return settle(vectors, assigned, min_size=min_size, floor=floor)


def _kmeans(X: NDArray[np.float64], k: int, random_state: int, n_init: int = 4) -> NDArray[np.int64]:
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct texts than k: fine, fewer groups
        fitted = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(X)
    return np.asarray(fitted.labels_, dtype=np.int64)


def _spectral(X: NDArray[np.float64], k: int, random_state: int) -> NDArray[np.int64]:
    graph = neighbour_graph(X, NEIGHBOURS)
    model = SpectralClustering(
        n_clusters=k,
        affinity="precomputed",
        eigen_solver="lobpcg",
        assign_labels="cluster_qr",
        random_state=random_state,
    )
    with threadpool_limits(1), warnings.catch_warnings():
        # Texts that share nothing with the rest make the graph disconnected; the embedding handles it.
        warnings.simplefilter("ignore", UserWarning)
        labels = model.fit(graph).labels_
    return np.asarray(labels, dtype=np.int64)


def neighbour_graph(X: NDArray[np.float64], k: int, *, block: int = 2048) -> sp.csr_matrix:
    """Symmetric graph joining each row to its k most similar rows, weighted by cosine (floored just above 0,
    so a text unlike all others still has its k edges). Built in blocks to keep memory at block × n."""
    n = X.shape[0]
    k = min(k, n - 1)
    X32 = np.ascontiguousarray(
        X, dtype=np.float32
    )  # neighbours need ranks, not precision: half the memory traffic
    rows, cols, weights = [], [], []
    for start in range(0, n, block):
        sims = X32[start : start + block] @ X32.T
        local = np.arange(sims.shape[0])
        sims[local, start + local] = -np.inf
        nearest = np.argpartition(sims, n - k, axis=1)[:, n - k :]
        rows.append(np.repeat(start + local, k))
        cols.append(nearest.ravel())
        weights.append(np.take_along_axis(sims, nearest, axis=1).ravel())
    graph = sp.csr_matrix(
        (np.clip(np.concatenate(weights), 1e-6, None), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    )
    return sp.csr_matrix(graph.maximum(graph.T))


def dissolve(
    clustering: Clustering,
    vectors: NDArray[np.float64],
    themes: Collection[int],
    *,
    min_size: int,
    floor: float,
) -> Clustering:
    """The same clustering without `themes`: their members join the nearest remaining theme or "other"."""
    assigned = clustering.grouped.copy()
    return settle(vectors, assigned, min_size=min_size, floor=floor, dissolve=set(themes))


def settle(
    vectors: NDArray[np.float64],
    assigned: NDArray[np.int64],
    *,
    min_size: int,
    floor: float,
    dissolve: Collection[int] = (),
) -> Clustering:
    """Centres, the floor and a stable numbering for a grouping (-1: unreadable, never grouped)."""
    n, d = vectors.shape
    labels = np.full(n, -1, dtype=np.int64)
    similarity = np.zeros(n, dtype=np.float64)
    empty = Clustering(labels, similarity, np.empty((0, d)), labels.copy())
    idx = np.flatnonzero(assigned >= 0)
    if idx.size == 0:
        return empty
    X = vectors[idx]
    group = assigned[idx].copy()
    k = int(group.max()) + 1
    pending = set(dissolve)
    # Dissolve the named groups, then any group too small to be a theme (smallest first), each into the
    # nearest remaining group.
    while True:
        sizes = np.bincount(group, minlength=k)
        alive = np.flatnonzero(sizes > 0)
        doomed = [c for c in alive if c in pending] or [c for c in alive if sizes[c] < min_size]
        if not doomed or alive.size == 1:
            break
        victim = min(doomed, key=lambda c: (sizes[c], c))
        pending.discard(victim)
        keep = alive[alive != victim]
        centres = _centres(X, group, keep)
        members = np.flatnonzero(group == victim)
        group[members] = keep[(X[members] @ centres.T).argmax(axis=1)]
    alive = np.flatnonzero(np.bincount(group, minlength=k) > 0)
    if alive.size == 1 and (int(alive[0]) in pending or np.count_nonzero(group == alive[0]) < min_size):
        return empty

    centres = _centres(X, group, alive)
    position = np.full(k, -1, dtype=np.int64)
    position[alive] = np.arange(alive.size)
    own = position[group]
    sims = np.einsum("ij,ij->i", X, centres[own])
    fit = sims >= floor
    # A theme left with fewer than min_size fitting members after the floor is no theme either.
    sizes = np.bincount(own[fit], minlength=alive.size)
    fit &= sizes[own] >= min_size
    cohesion = np.bincount(own[fit], weights=sims[fit], minlength=alive.size) / np.maximum(sizes, 1)
    # Number themes by decreasing size (ties: the more cohesive first), so the numbering is stable.
    kept = [c for c in range(alive.size) if sizes[c] >= min_size]
    order = sorted(kept, key=lambda c: (-sizes[c], -cohesion[c], c))
    rank = np.full(alive.size, -1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    labels[idx[fit]] = rank[own[fit]]
    similarity[idx] = sims
    grouped = np.full(n, -1, dtype=np.int64)
    grouped[idx] = rank[own]
    # Members of a theme that fell below min_size have no theme to be grouped with any more.
    return Clustering(labels, similarity, centres[order], grouped)


def _centres(
    X: NDArray[np.float64], group: NDArray[np.int64], clusters: NDArray[np.int64]
) -> NDArray[np.float64]:
    sums = np.vstack([X[group == c].sum(axis=0) for c in clusters])
    return np.asarray(normalize(sums), dtype=np.float64)

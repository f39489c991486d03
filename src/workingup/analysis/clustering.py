"""Opinion groups: k-means on the participants' map positions, k by silhouette, no group under the disclosure size.

What we keep from Pol.is (docs/architecture.md §3.2): groups are k-means clusters of the clustered participants'
2-D positions, k from 2 to 5 chosen by silhouette, and Pol.is's own deterministic start (the first k distinct
points, in participant order) is always among the starts.

Where we differ, and why (measured in benchmarks/analysis/README.md):

- **No seed.** The partition must not change with `--seed`: the k-means++ starts use fixed seeds 0…n_init−1,
  and the start with the lowest inertia wins (Pol.is's own start first on a tie). On real conversations many
  starts end in local optima whose inertia differs by a fraction of a percent; a seeded single start picks among
  them at random, which is how the groups used to move between seeds.
- **Participants, not base clusters.** Pol.is first summarises participants into 100 base clusters and groups
  those. Base clusters move the boundary by whole base clusters and add a second source of randomness; on a 2-D
  map k-means over the participants themselves costs O(n·k) per iteration, so the summary buys nothing.
- **No group under `min_group_size`** (5, the disclosure rule). A group that small cannot be reported, and it is
  usually one outlying participant that k-means isolated because it lowers the inertia most. A partition with
  such a group is not admissible: among the starts, the lowest-inertia *admissible* partition is kept, and a k
  with none is not offered. When no k is admissible everyone is one group.
- **Silhouette over participants.** Pol.is scores k by the silhouette of base-cluster centres, which counts a
  base cluster of 3 as much as one of 300 and over-splits large two-camp conversations (5 groups for two planted
  camps of 5,000). We score the participants themselves (a fixed sample of `max_silhouette_points` above that,
  so the cost is bounded); the highest mean silhouette wins, the smaller k on a tie, as in Pol.is — but a tie is
  any difference under `SILHOUETTE_TIE` (0.01): a silhouette is read to two decimals, and an extra group must
  earn its place by more than the last digit (brexit-consensus: 0.426 for 2 groups, 0.430 for 3; Pol.is shows 2).

Everything runs on one BLAS/OpenMP thread, which is both faster at this scale and bit-for-bit reproducible.
Group labels are canonical: by decreasing size, ties broken by the first member's row.

Cost: for each k, (n_init + 1) Lloyd runs over at most `max_start_points` points (a fixed sample above that,
whose winner is then refined by one Lloyd run over everyone), O(n·k) per iteration, and one silhouette over at
most `max_silhouette_points` points, O(min(n, S)²) — never quadratic in the number of participants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from workingup.analysis.settings import MAX_GROUPS, MIN_GROUP_SIZE, SILHOUETTE_TIE

__all__ = ["MAX_GROUPS", "MIN_GROUP_SIZE", "SILHOUETTE_TIE", "OpinionClusterer", "canonical_labels"]

_SAMPLE_SEED = 0
"""Seed of the fixed samples: a constant, so no user seed reaches the partition."""


@dataclass(frozen=True)
class _Candidate:
    labels: NDArray[np.int64]
    centers: NDArray[np.float64]
    inertia: float


class OpinionClusterer(ClusterMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """k-means for k = 2…max-k over the points, the lowest-inertia admissible start per k, k by silhouette.

    Parameters
    ----------
    max_groups : int, default=5
        Largest k tried (Pol.is: 5). At most 8; also at most n // min_group_size.
    min_group_size : int, default=5
        Smallest admissible group.
    n_init : int, default=10
        k-means++ starts per k (seeds 0…n_init−1), besides Pol.is's first-distinct-points start.
    max_silhouette_points : int, default=3000
        Above this many points the silhouette is computed over a fixed sample of this size.
    max_start_points : int, default=20000
        Above this many points the starts run on a fixed sample of this size, and the best admissible one is
        refined over all points.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Group of every point, 0…n_groups_-1, group 0 the largest.
    n_groups_ : int
    cluster_centers_ : ndarray of shape (n_groups_, n_features)
        Mean of each group's points.
    silhouettes_ : dict of int to float
        Mean silhouette of each admissible k tried.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-2, 0.3, (60, 2)), rng.normal(2, 0.3, (40, 2))]
    >>> model = OpinionClusterer().fit(X)
    >>> model.n_groups_, np.bincount(model.labels_).tolist()
    (2, [60, 40])
    """

    def __init__(
        self,
        *,
        max_groups: int = 5,
        min_group_size: int = MIN_GROUP_SIZE,
        n_init: int = 10,
        max_silhouette_points: int = 3000,
        max_start_points: int = 20_000,
    ) -> None:
        self.max_groups = max_groups
        self.min_group_size = min_group_size
        self.n_init = n_init
        self.max_silhouette_points = max_silhouette_points
        self.max_start_points = max_start_points

    def fit(self, X: Any, y: Any = None) -> OpinionClusterer:
        """Cluster the points (typically the clustered participants' 2-D projections)."""
        self._check_params()
        X = validate_data(self, X, dtype=np.float64)
        with threadpool_limits(1):
            labels, silhouettes = self._groups(X)
        labels = canonical_labels(labels)
        self.labels_ = labels
        self.n_groups_ = int(labels.max()) + 1
        self.cluster_centers_ = np.array([X[labels == g].mean(axis=0) for g in range(self.n_groups_)])
        self.silhouettes_ = silhouettes
        return self

    def predict(self, X: Any) -> NDArray[np.int64]:
        """The group of the nearest group centre."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        distances = ((X[:, None, :] - self.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
        return np.asarray(np.argmin(distances, axis=1), dtype=np.int64)

    # ---------------------------------------------------------------------------------------------- internals

    def _check_params(self) -> None:
        for name in ("min_group_size", "n_init", "max_silhouette_points", "max_start_points"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_groups, int | np.integer) or not 2 <= self.max_groups <= MAX_GROUPS:
            raise ValueError(f"max_groups must be an integer from 2 to {MAX_GROUPS}, got {self.max_groups!r}")

    def _groups(self, X: NDArray[np.float64]) -> tuple[NDArray[np.int64], dict[int, float]]:
        n = len(X)
        sample = _fixed_sample(n, self.max_silhouette_points)
        start_sample = _fixed_sample(n, self.max_start_points)
        starts_on = X[start_sample]
        _, first = np.unique(starts_on, axis=0, return_index=True)
        distinct_in_order = starts_on[np.sort(first)]  # Pol.is's start for k: the first k of these
        max_k = min(self.max_groups, n // self.min_group_size, len(distinct_in_order))
        found: dict[int, NDArray[np.int64]] = {}
        silhouettes: dict[int, float] = {}
        for k in range(2, max_k + 1):
            best = self._best_admissible(starts_on, distinct_in_order[:k])
            if best is not None and len(start_sample) < n:
                best = _fit(X, len(best.centers), init=best.centers)
            if best is None or np.bincount(best.labels, minlength=k).min() < self.min_group_size:
                continue
            if len(np.unique(best.labels[sample])) < 2:  # a group too rare to appear in the sample
                continue
            found[k] = best.labels
            silhouettes[k] = float(silhouette_score(X[sample], best.labels[sample]))
        if not found:
            return np.zeros(n, dtype=np.int64), silhouettes
        top = max(silhouettes.values())
        chosen = min(k for k, score in silhouettes.items() if score > top - SILHOUETTE_TIE)
        return found[chosen], silhouettes

    def _best_admissible(self, X: NDArray[np.float64], polis_start: NDArray[np.float64]) -> _Candidate | None:
        """The lowest-inertia start whose groups all have `min_group_size` members; Pol.is's start wins ties."""
        k = len(polis_start)
        starts = [_fit(X, k, init=polis_start)]
        starts += [_fit(X, k, random_state=seed) for seed in range(self.n_init)]
        best: _Candidate | None = None
        for candidate in starts:
            if np.bincount(candidate.labels, minlength=k).min() < self.min_group_size:
                continue
            if best is None or candidate.inertia < best.inertia:
                best = candidate
        return best


def _fit(X: NDArray[np.float64], k: int, **start: Any) -> _Candidate:
    """One Lloyd run from the given start (`init=` centres, or k-means++ with `random_state=`)."""
    fit = KMeans(n_clusters=k, n_init=1, algorithm="lloyd", **start).fit(X)
    return _Candidate(fit.labels_.astype(np.int64), fit.cluster_centers_, float(fit.inertia_))


def _fixed_sample(n: int, size: int) -> NDArray[np.int64]:
    """All rows, or `size` of them drawn with a constant seed (the same rows for the same n, whatever --seed is)."""
    if n <= size:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(_SAMPLE_SEED)
    return np.sort(rng.choice(n, size, replace=False)).astype(np.int64)


def canonical_labels(labels: NDArray[np.integer]) -> NDArray[np.int64]:
    """Renumber groups 0…k-1 by decreasing size; a tie goes to the group whose first member comes first.

    Examples
    --------
    >>> canonical_labels(np.array([5, 3, 3, 5, 5, 9])).tolist()
    [0, 1, 1, 0, 0, 2]
    """
    labels = np.asarray(labels)
    values, first, inverse, counts = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first, -counts))
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return np.asarray(rank[np.asarray(inverse).ravel()], dtype=np.int64)

"""Opinion groups the Pol.is way: 100 base clusters, then weighted k-means on their centres, k by silhouette.

Why two levels: the base clusters summarise thousands of participants into at most 100 weighted points, so
choosing k (which needs a silhouette, quadratic in the number of points) costs the same for 100 people as for a
million, and the silhouette never runs over all participants (docs/architecture.md §3.1, §3.2).

Determinism: every k-means is seeded (`random_state`) and multi-start; the start with the lowest (weighted)
inertia wins, the earliest start on a tie (scikit-learn's rule). k is the one with the highest silhouette over
base-cluster centres, the smallest k on a tie. All of it runs on one BLAS/OpenMP thread, which is both faster
on this scale and what makes results bit-for-bit reproducible. Group labels are then made canonical: by
decreasing size, ties broken by the first member's row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from workingup.analysis.settings import MAX_GROUPS

__all__ = ["MAX_GROUPS", "OpinionClusterer", "canonical_labels"]


class OpinionClusterer(ClusterMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Base clusters, then groups: weighted k-means on base-cluster centres for k = 2…max-k.

    Parameters
    ----------
    n_base_clusters : int, default=100
        Points are first summarised into at most this many base clusters (all distinct points when fewer).
    max_groups : int, default=5
        Largest k tried; Pol.is also caps k at 2 + n_base // 12. At most 8.
    n_init : int, default=3
        k-means starts for the base clusters (the expensive level).
    group_n_init : int, default=20
        k-means starts for each k at the group level (cheap: at most 100 weighted points).
    random_state : int, default=0
        Seed of every k-means start.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Group of every point, 0…n_groups_-1, group 0 the largest.
    n_groups_ : int
    cluster_centers_ : ndarray of shape (n_groups_, n_features)
        Member-weighted mean of each group's base-cluster centres.
    base_centers_ : ndarray of shape (n_base_, n_features)
    base_labels_ : ndarray of shape (n_samples,)
        Base cluster of every point.
    base_weights_ : ndarray of shape (n_base_,)
        Members per base cluster.
    base_groups_ : ndarray of shape (n_base_,)
        Group of every base cluster.
    silhouettes_ : dict of int to float
        Silhouette over base-cluster centres of each k tried.

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
        n_base_clusters: int = 100,
        max_groups: int = 5,
        n_init: int = 3,
        group_n_init: int = 20,
        random_state: int = 0,
    ) -> None:
        self.n_base_clusters = n_base_clusters
        self.max_groups = max_groups
        self.n_init = n_init
        self.group_n_init = group_n_init
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> OpinionClusterer:
        """Cluster the points (typically the clustered participants' 2-D projections)."""
        self._check_params()
        X = validate_data(self, X, dtype=np.float64)
        with threadpool_limits(1):
            base_centers, base_labels = self._base_clusters(X)
            weights = np.bincount(base_labels, minlength=len(base_centers)).astype(np.float64)
            base_groups, silhouettes = self._group_base_clusters(base_centers, weights)
        labels = canonical_labels(base_groups[base_labels])
        base_groups = np.empty(len(base_centers), dtype=np.int64)
        base_groups[base_labels] = labels  # every base cluster has members, all in one group
        self.base_centers_ = base_centers
        self.base_labels_ = base_labels
        self.base_weights_ = weights
        self.base_groups_ = base_groups
        self.labels_ = labels
        self.n_groups_ = int(labels.max()) + 1
        self.cluster_centers_ = np.array(
            [
                np.average(base_centers[base_groups == g], axis=0, weights=weights[base_groups == g])
                for g in range(self.n_groups_)
            ]
        )
        self.silhouettes_ = silhouettes
        return self

    def predict(self, X: Any) -> NDArray[np.int64]:
        """The group of the nearest base-cluster centre."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        nearest = np.empty(len(X), dtype=np.int64)
        for start in range(0, len(X), 10_000):  # chunks keep the distance block small
            block = X[start : start + 10_000]
            distances = ((block[:, None, :] - self.base_centers_[None, :, :]) ** 2).sum(axis=2)
            nearest[start : start + len(block)] = np.argmin(distances, axis=1)
        return np.asarray(self.base_groups_[nearest], dtype=np.int64)

    # ---------------------------------------------------------------------------------------------- internals

    def _check_params(self) -> None:
        for name in ("n_base_clusters", "n_init", "group_n_init"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_groups, int | np.integer) or not 2 <= self.max_groups <= MAX_GROUPS:
            raise ValueError(f"max_groups must be an integer from 2 to {MAX_GROUPS}, got {self.max_groups!r}")
        if not isinstance(self.random_state, int | np.integer):
            raise ValueError(
                f"random_state must be an integer (results must be reproducible), got {self.random_state!r}"
            )

    def _base_clusters(self, X: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Every distinct point when there are few; else the best of `n_init` seeded k-means starts."""
        distinct, inverse = np.unique(X, axis=0, return_inverse=True)
        inverse = inverse.ravel().astype(np.int64)
        if len(distinct) <= self.n_base_clusters:
            return distinct, inverse
        km = KMeans(
            n_clusters=self.n_base_clusters,
            n_init=self.n_init,
            random_state=self.random_state,
            algorithm="lloyd",
        ).fit(X)
        labels = km.labels_.astype(np.int64)
        used = np.unique(labels)  # drop any base cluster left empty
        return km.cluster_centers_[used], np.searchsorted(used, labels)

    def _group_base_clusters(
        self, centers: NDArray[np.float64], weights: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], dict[int, float]]:
        n_base = len(centers)
        max_k = min(self.max_groups, 2 + n_base // 12, n_base - 1)
        silhouettes: dict[int, float] = {}
        best: NDArray[np.int64] | None = None
        best_score = -np.inf
        for k in range(2, max_k + 1):
            km = KMeans(
                n_clusters=k, n_init=self.group_n_init, random_state=self.random_state, algorithm="lloyd"
            )
            labels = km.fit(centers, sample_weight=weights).labels_.astype(np.int64)
            if len(np.unique(labels)) < 2:
                continue
            score = float(silhouette_score(centers, labels))
            silhouettes[k] = score
            if score > best_score:  # strict: the smallest k wins a tie
                best, best_score = labels, score
        if best is None:  # two base clusters or fewer: each is its own group
            best = np.arange(n_base, dtype=np.int64)
        return best, silhouettes


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

"""Groups: k-means over participants, no group under five, k by silhouette with ties to fewer; no seed."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from workingup.analysis import OpinionClusterer, canonical_labels, clustered_participants
from workingup.analysis.clustering import SILHOUETTE_TIE


def _blobs(sizes: list[int], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0], [0.0, -5.0], [6.0, 6.0]])
    points = np.vstack([rng.normal(centres[i], 0.6, (n, 2)) for i, n in enumerate(sizes)])
    return points, np.repeat(np.arange(len(sizes)), sizes)


@pytest.mark.parametrize("sizes", [[300, 200], [250, 250, 150], [200, 200, 150, 120]])
def test_recovers_well_separated_groups(sizes: list[int]) -> None:
    X, truth = _blobs(sizes)
    model = OpinionClusterer().fit(X)
    assert model.n_groups_ == len(sizes)
    assert adjusted_rand_score(truth, model.labels_) > 0.98
    assert np.bincount(model.labels_).tolist() == sorted(np.bincount(model.labels_).tolist(), reverse=True)


def test_the_silhouette_sample_bounds_the_cost_and_keeps_the_answer() -> None:
    X, _ = _blobs([3000, 2000])
    sampled = OpinionClusterer(max_silhouette_points=500).fit(X)
    full = OpinionClusterer(max_silhouette_points=10_000).fit(X)
    assert sampled.n_groups_ == full.n_groups_ == 2
    np.testing.assert_array_equal(
        sampled.labels_, full.labels_
    )  # the sample scores k; it never moves a point
    assert set(sampled.silhouettes_) == {2, 3, 4, 5}


def test_max_groups_up_to_eight() -> None:
    X, _ = _blobs([100, 100, 100, 100, 100])
    assert max(OpinionClusterer(max_groups=8).fit(X).silhouettes_) == 8
    assert max(OpinionClusterer(max_groups=3).fit(X).silhouettes_) == 3
    with pytest.raises(ValueError, match="max_groups"):
        OpinionClusterer(max_groups=9).fit(X)


def test_few_distinct_points() -> None:
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 5 + [[5.0, 5.0]] * 6)
    model = OpinionClusterer().fit(X)
    assert set(model.silhouettes_) == {2, 3}  # no more groups than distinct points
    assert np.bincount(model.labels_).tolist() == [6, 5, 5]
    single = OpinionClusterer().fit(np.zeros((4, 2)))
    assert single.n_groups_ == 1
    assert single.labels_.tolist() == [0, 0, 0, 0]


def test_an_outlier_is_never_a_group() -> None:
    """k-means lowers its inertia most by isolating one far participant; that group could never be reported."""
    X, truth = _blobs([80, 12])
    X = np.r_[X, [[40.0, 40.0]]]  # one participant far from everyone
    model = OpinionClusterer().fit(X)
    sizes = np.bincount(model.labels_)
    assert sizes.min() >= 5
    assert model.n_groups_ == 2
    assert adjusted_rand_score(truth, model.labels_[:-1]) == 1.0


def test_too_few_points_for_two_groups_of_five_is_one_group() -> None:
    X, _ = _blobs([5, 4])
    model = OpinionClusterer().fit(X)
    assert model.n_groups_ == 1
    assert model.silhouettes_ == {}
    assert OpinionClusterer(min_group_size=4).fit(X).n_groups_ == 2


def test_a_silhouette_tie_goes_to_fewer_groups() -> None:
    """Two groups that are each a loose pair of sub-clusters: 4 groups score a little higher, 2 within the tie."""
    rng = np.random.default_rng(1)
    centres = np.array([[-5.0, -0.9], [-5.0, 0.9], [5.0, -0.9], [5.0, 0.9]])
    X = np.vstack([rng.normal(c, 0.55, (150, 2)) for c in centres])
    free = OpinionClusterer().fit(X)
    scores = free.silhouettes_
    assert free.n_groups_ == min(k for k, v in scores.items() if v > max(scores.values()) - SILHOUETTE_TIE)
    assert free.n_groups_ == 2


def test_no_seed_reaches_the_groups() -> None:
    """The starts use fixed seeds: the same points give the same groups in any order of calls."""
    X, _ = _blobs([400, 300, 200], seed=3)
    a = OpinionClusterer().fit(X)
    b = OpinionClusterer().fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.predict(X[:50]).tolist() == a.labels_[:50].tolist()
    assert "random_state" not in OpinionClusterer().get_params()


def test_canonical_labels() -> None:
    assert canonical_labels(np.array([7, 7, 2, 2, 2, 9])).tolist() == [1, 1, 0, 0, 0, 2]
    assert canonical_labels(np.array([4, 1, 1, 4])).tolist() == [0, 1, 1, 0]  # tie: first member first


def test_clustered_participants_follows_polis() -> None:
    counts = np.array([7, 6, 20, 1, 0, 3])
    assert clustered_participants(counts, 50, greedy_n=0).tolist() == [True, False, True, False, False, False]
    # Fewer than greedy_n qualify: the most active voters are added, never someone without a vote.
    assert clustered_participants(counts, 50, greedy_n=4).tolist() == [True, True, True, False, False, True]
    assert clustered_participants(counts, 50, greedy_n=15).sum() == 5
    # With 5 statements, 5 votes are enough.
    assert clustered_participants(np.array([5, 4]), 5, greedy_n=0).tolist() == [True, False]


@pytest.mark.parametrize("signs", [(-1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)])
def test_the_map_s_orientation_does_not_move_the_groups(signs: tuple[float, float]) -> None:
    """A principal component's sign is arbitrary; a start taken from the leftmost points (red-dwarf's 'polis'
    init sorts the points) would make the groups depend on it. Ours are the same on every reflection."""
    X, _ = _blobs([300, 40, 25], seed=7)
    X = np.r_[X, np.random.default_rng(7).normal(0.0, 3.0, (60, 2))]  # a diffuse middle, so starts matter
    base = OpinionClusterer().fit(X)
    flipped = OpinionClusterer().fit(X * np.array(signs))
    np.testing.assert_array_equal(flipped.labels_, base.labels_)

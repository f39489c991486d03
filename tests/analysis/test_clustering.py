"""Groups: base clusters, weighted k-means, k by silhouette over base centres; seeded, canonical labels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from workingup.analysis import OpinionClusterer, canonical_labels, clustered_participants


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


def test_silhouette_runs_over_base_centres_only() -> None:
    X, _ = _blobs([3000, 2000])
    model = OpinionClusterer(n_base_clusters=100).fit(X)
    assert len(model.base_centers_) <= 100
    assert model.base_weights_.sum() == len(X)
    assert set(model.silhouettes_) == {2, 3, 4, 5}  # max-k = min(5, 2 + 100 // 12)
    np.testing.assert_array_equal(model.labels_, model.base_groups_[model.base_labels_])


def test_max_groups_up_to_eight() -> None:
    X, _ = _blobs([100, 100, 100, 100, 100])
    assert max(OpinionClusterer(max_groups=8).fit(X).silhouettes_) == 8
    assert max(OpinionClusterer(max_groups=3).fit(X).silhouettes_) == 3
    with pytest.raises(ValueError, match="max_groups"):
        OpinionClusterer(max_groups=9).fit(X)


def test_few_distinct_points_are_their_own_base_clusters() -> None:
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 3 + [[5.0, 5.0]] * 4)
    model = OpinionClusterer().fit(X)
    assert len(model.base_centers_) == 3
    assert model.n_groups_ == 2  # only k = 2 can be scored with three base clusters
    single = OpinionClusterer().fit(np.zeros((4, 2)))
    assert single.n_groups_ == 1
    assert single.labels_.tolist() == [0, 0, 0, 0]


def test_seeded_and_reproducible() -> None:
    X, _ = _blobs([400, 300, 200], seed=3)
    a = OpinionClusterer(random_state=5).fit(X)
    b = OpinionClusterer(random_state=5).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.base_centers_, b.base_centers_)
    assert a.predict(X[:50]).tolist() == a.labels_[:50].tolist()


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

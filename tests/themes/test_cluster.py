import numpy as np
from sklearn.preprocessing import normalize

from workingup.themes.cluster import (
    default_min_size,
    default_n_themes,
    dissolve,
    group_texts,
    neighbour_graph,
    settle,
)


def blobs(sizes, spread=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.eye(len(sizes), 8)
    rows = [centres[i] + spread * rng.standard_normal((n, 8)) for i, n in enumerate(sizes)]
    return normalize(np.vstack(rows)), np.repeat(np.arange(len(sizes)), sizes)


def test_blobs_are_found_and_numbered_by_size():
    vectors, truth = blobs([10, 30, 20])
    result = group_texts(vectors, n_themes=3, min_size=3)
    assert result.labels[truth == 1].tolist() == [0] * 30
    assert result.labels[truth == 2].tolist() == [1] * 20
    assert result.labels[truth == 0].tolist() == [2] * 10
    assert np.all(result.similarity > 0.9)


def test_a_group_below_min_size_joins_its_nearest_neighbour():
    vectors, truth = blobs([20, 20])
    near_first = normalize(np.array([[1.0, 0, 0.6, 0, 0, 0, 0, 0], [1.0, 0, 0.7, 0, 0, 0, 0, 0]]))
    vectors = np.vstack([vectors, near_first])
    result = settle(vectors, np.array([*truth, 2, 2]), min_size=3, floor=0.0)
    assert len(result.centres) == 2
    first = result.labels[0]
    assert result.labels[-2:].tolist() == [first, first]


def test_neighbour_graph_is_symmetric_with_k_edges_each():
    vectors, _ = blobs([20, 20])
    graph = neighbour_graph(vectors, 5)
    assert (graph != graph.T).nnz == 0
    assert np.all(np.diff(graph.indptr) >= 5)
    assert graph.diagonal().sum() == 0
    same = np.repeat([0, 1], 20)
    rows, cols = graph.nonzero()
    assert np.mean(same[rows] == same[cols]) > 0.95


def test_small_inputs_fall_back_to_kmeans_and_still_group():
    vectors, truth = blobs([8, 8])
    result = group_texts(vectors, n_themes=2, min_size=3)
    assert len(set(result.labels[truth == 0])) == 1
    assert set(result.labels[truth == 0]) != set(result.labels[truth == 1])


def test_misfits_and_unreadable_rows_go_to_other():
    vectors, _ = blobs([20, 20])
    odd = normalize(np.array([[0, 0, 0, 0, 0, 0, 0, 1.0]]))
    vectors = np.vstack([vectors, odd, np.zeros((1, 8))])
    result = group_texts(vectors, n_themes=2, min_size=3, floor=0.5)
    assert result.labels[-1] == -1
    assert result.labels[-2] == -1
    assert np.all(result.labels[:40] >= 0)
    assert result.grouped[-1] == -1
    assert result.grouped[-2] >= 0


def test_dissolving_a_theme_moves_its_members():
    vectors, truth = blobs([20, 20, 20])
    result = group_texts(vectors, n_themes=3, min_size=3)
    gone = int(result.labels[truth == 0][0])
    after = dissolve(result, vectors, [gone], min_size=3, floor=0.0)
    assert len(after.centres) == 2
    assert np.all(after.labels >= 0)


def test_defaults():
    assert default_n_themes(204) == 14
    assert default_n_themes(10_000) == 30
    assert default_min_size(204) == 3
    assert default_min_size(2162) == 21


def test_too_few_rows_make_no_theme():
    vectors, _ = blobs([2])
    result = group_texts(vectors, min_size=3)
    assert result.labels.tolist() == [-1, -1]
    assert len(result.centres) == 0

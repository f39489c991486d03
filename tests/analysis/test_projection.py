"""The opinion map: exactly red-dwarf's (and so Pol.is's conventions), computed sparse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tests.analysis.reddwarf_reference import load, reddwarf_run_pipeline
from workingup.analysis import SparsityAwarePCA, VoteMatrix
from workingup.analysis import projection as projection_module


@pytest.mark.parametrize(
    "name", ["bg2050-volunteers", "london.youth.policing", "brexit-consensus", "vtaiwan.uberx"]
)
def test_equals_reddwarf_projection(polis_root: Path, name: str) -> None:
    conv = load(polis_root / name)
    m = conv.matrix
    result = reddwarf_run_pipeline(conv)
    zeroed = np.flatnonzero(m.rejected | m.meta)
    pca = SparsityAwarePCA(zeroed_columns=zeroed).fit(m.votes)
    voted = m.seen_per_participant > 0
    present = m.seen_per_statement > 0
    xy = pca.transform(m.votes)[voted]
    theirs_xy = np.array([result.participant_projections[i] for i in m.participant_ids[voted]])
    np.testing.assert_allclose(xy, theirs_xy, atol=1e-9)
    theirs_statements = np.array([result.statement_projections[i] for i in m.statement_ids[present]])
    np.testing.assert_allclose(pca.statement_projection_[present], theirs_statements, atol=1e-9)
    np.testing.assert_allclose(pca.components_[:, present], result.reducer.components_, atol=1e-10)
    np.testing.assert_allclose(
        pca.mean_[present & ~m.rejected & ~m.meta],
        result.reducer.mean_[~np.isin(m.statement_ids[present], zeroed)],
    )


def test_sparse_and_dense_inputs_agree() -> None:
    rng = np.random.default_rng(0)
    dense = rng.choice([-1.0, 0.0, 1.0, np.nan], size=(60, 15), p=[0.3, 0.1, 0.3, 0.3])
    rows, cols = np.nonzero(~np.isnan(dense))
    sparse = sp.csr_array((dense[rows, cols], (rows, cols)), shape=dense.shape)
    a = SparsityAwarePCA(zeroed_columns=[3]).fit(dense)
    b = SparsityAwarePCA(zeroed_columns=[3]).fit(sparse)
    np.testing.assert_allclose(a.transform(dense), b.transform(sparse), atol=1e-12)
    np.testing.assert_allclose(a.extremity_, b.extremity_, atol=1e-12)


def test_a_pass_is_a_seen_vote() -> None:
    """Two participants agreeing on statement 0; one passed on the rest, the other never saw them."""
    passed = VoteMatrix.from_arrays([1, 1, 1, 2, 3, 3, 3], [0, 1, 2, 0, 0, 1, 2], [1, 0, 0, 1, -1, 1, 1])
    xy = SparsityAwarePCA().fit_transform(passed.votes)
    # Participant 2 saw one statement of three: pushed out by sqrt(3/1); participant 1 saw three: not scaled.
    assert not np.allclose(xy[0], xy[1])
    pca = SparsityAwarePCA().fit(passed.votes)
    centred_first = pca.components_[:, 0] * (1 - pca.mean_[0])
    np.testing.assert_allclose(xy[1], centred_first * np.sqrt(3.0))


def test_zeroed_columns_count_as_seen_and_carry_no_weight() -> None:
    rng = np.random.default_rng(1)
    dense = rng.choice([-1.0, 1.0, np.nan], size=(40, 8))
    pca = SparsityAwarePCA(zeroed_columns=[2, 5]).fit(dense)
    assert np.all(pca.components_[:, [2, 5]] == 0)
    assert np.all(pca.extremity_[[2, 5]] == 0)
    # Zeroing a column changes nobody's projection direction, only the scaling (it counts as seen by all).
    without = dense.copy()
    without[:, [2, 5]] = 0.0
    plain = SparsityAwarePCA().fit(without)
    np.testing.assert_allclose(np.abs(pca.transform(dense)), np.abs(plain.transform(without)), atol=1e-10)


def test_lanczos_path_equals_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    n, m = 400, 60
    group = rng.integers(0, 2, n)
    agree = rng.random((n, m)) < np.where(group[:, None] == 0, 0.8, 0.2) * (np.arange(m) % 2 == 0) + 0.1
    dense = np.where(agree, 1.0, -1.0)
    dense[rng.random((n, m)) < 0.5] = np.nan
    exact = SparsityAwarePCA().fit(dense)
    monkeypatch.setattr(projection_module, "_GRAM_LIMIT", 10)
    lanczos = SparsityAwarePCA().fit(dense)
    np.testing.assert_allclose(lanczos.components_, exact.components_, atol=1e-8)
    np.testing.assert_allclose(lanczos.transform(dense), exact.transform(dense), atol=1e-7)


def test_fewer_components_than_asked_when_data_is_tiny() -> None:
    pca = SparsityAwarePCA().fit(np.array([[1.0], [-1.0], [np.nan]]))
    assert pca.n_components_ == 1
    assert pca.transform(np.array([[1.0]])).shape == (1, 1)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="zeroed_columns"):
        SparsityAwarePCA(zeroed_columns=[7]).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="n_components"):
        SparsityAwarePCA(n_components=0).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="infinity"):
        SparsityAwarePCA().fit(np.array([[np.inf, 1.0], [1.0, 1.0]]))

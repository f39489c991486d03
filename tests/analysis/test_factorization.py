"""The alternating-ridge fit minimises Community Notes' mean-normalised loss, deterministically."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from workingup.analysis.factorization import fit_factorization


def _problem(seed: int = 0, n_rows: int = 40, n_cols: int = 12, density: float = 0.5):
    rng = np.random.default_rng(seed)
    mask = rng.random((n_rows, n_cols)) < density
    rows, cols = np.nonzero(mask)
    ratings = rng.choice([0.0, 0.5, 1.0], size=len(rows))
    return rows, cols, ratings, (n_rows, n_cols)


def _loss(theta, rows, cols, r, w, shape, lam_i, lam_f, lam_g):
    n_rows, n_cols = shape
    mu = theta[0]
    ri, rf = theta[1 : 1 + n_rows], theta[1 + n_rows : 1 + 2 * n_rows]
    ci, cf = theta[1 + 2 * n_rows : 1 + 2 * n_rows + n_cols], theta[1 + 2 * n_rows + n_cols :]
    pred = mu + ri[rows] + ci[cols] + rf[rows] * cf[cols]
    return (
        (w * (r - pred) ** 2).sum() / w.sum()
        + lam_i * (np.mean(ri**2) + np.mean(ci**2))
        + lam_f * (np.mean(rf**2) + np.mean(cf**2))
        + lam_g * mu**2
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_solution_is_a_stationary_point_of_the_community_notes_loss(weighted: bool) -> None:
    rows, cols, r, shape = _problem()
    w = np.random.default_rng(1).uniform(0.2, 1.0, len(r)) if weighted else np.ones(len(r))
    fit = fit_factorization(rows, cols, r, shape, weights=w, tol=1e-13, max_iter=20_000)
    assert fit.converged
    theta = np.r_[
        fit.global_intercept,
        fit.participant_intercept,
        fit.participant_factor[:, 0],
        fit.statement_intercept,
        fit.statement_factor[:, 0],
    ]
    args = (rows, cols, r, w, shape, 0.15, 0.03, 0.15)
    gradient = approx_fprime(theta, lambda t: _loss(t, *args), 1e-7)
    assert np.abs(gradient).max() < 1e-5
    assert fit.loss == pytest.approx(_loss(theta, *args), rel=1e-9)


def test_more_sweeps_never_increase_the_loss() -> None:
    rows, cols, r, shape = _problem(seed=3)
    losses = [fit_factorization(rows, cols, r, shape, max_iter=n, tol=0).loss for n in (1, 2, 4, 8, 16, 64)]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))


def test_same_input_same_output_and_orientation_rule() -> None:
    rows, cols, r, shape = _problem(seed=5)
    a = fit_factorization(rows, cols, r, shape)
    b = fit_factorization(rows, cols, r, shape)
    assert np.array_equal(a.statement_intercept, b.statement_intercept)
    assert np.array_equal(a.participant_factor, b.participant_factor)
    orientation = -np.sign(a.participant_factor[:, 0])
    c = fit_factorization(rows, cols, r, shape, orientation=orientation)
    assert np.allclose(c.participant_factor, -a.participant_factor)
    assert float(orientation @ c.participant_factor[:, 0]) >= 0


def test_two_factors_fit_at_least_as_well_as_one() -> None:
    rows, cols, r, shape = _problem(seed=7, n_rows=60, n_cols=20, density=0.7)
    one = fit_factorization(rows, cols, r, shape, n_factors=1)
    two = fit_factorization(rows, cols, r, shape, n_factors=2)
    assert two.participant_factor.shape == (60, 2)
    assert two.loss <= one.loss + 1e-9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": -np.ones(3)}, "non-negative"),
        ({"n_factors": 0}, "n_factors"),
    ],
)
def test_bad_arguments(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_factorization(
            np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([1.0, 0.0, 1.0]), (2, 2), **kwargs
        )
    with pytest.raises(ValueError, match="no ratings"):
        fit_factorization(np.array([], int), np.array([], int), np.array([]), (2, 2))

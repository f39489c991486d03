"""The bridging model's fit: Community Notes' biased matrix factorisation, by alternating ridge solves.

Model: rating ≈ μ + i_u + i_s + f_u · f_s (participants u, statements s; f of dimension k, usually 1).

Loss, in Community Notes' mean-normalised form (their `_get_reg_loss`): the squared error is a mean over
ratings and each penalty a mean over its parameters,

    L = Σ w (r − r̂)² / W  +  λ_i (mean i_u² + mean i_s²)  +  λ_f (mean ‖f_u‖² + mean ‖f_s‖²)  +  λ_μ μ²,

with W = Σ w. Multiplying by W shows what that means per parameter: every participant's ridge penalty is
λ · W / n_participants, every statement's λ · W / n_statements — a parameter backed by fewer ratings than
average is shrunk harder. With everything but one side fixed, L is a ridge regression per participant (or per
statement) in 1 + k unknowns, solved in closed form; alternating the two sides and μ decreases L monotonically.
Each sweep is a handful of sparse matrix–vector products, so the cost is linear in the number of ratings and
there is no learning rate to tune (Community Notes fits the same loss by full-batch gradient descent in PyTorch).

Weights `w` let a coordinated bloc speak with one voice (each member's ratings weighted 1/bloc size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["FactorizationFit", "fit_factorization"]


@dataclass(frozen=True, slots=True)
class FactorizationFit:
    global_intercept: float
    participant_intercept: NDArray[np.float64]
    participant_factor: NDArray[np.float64]
    """Shape (n_participants, n_factors)."""
    statement_intercept: NDArray[np.float64]
    statement_factor: NDArray[np.float64]
    """Shape (n_statements, n_factors)."""
    statement_cov: NDArray[np.float64]
    """Approximate posterior covariance of each statement's (intercept, first factor), shape (n_statements, 2, 2)."""
    loss: float
    n_iter: int
    converged: bool

    @property
    def statement_intercept_se(self) -> NDArray[np.float64]:
        return np.asarray(np.sqrt(self.statement_cov[:, 0, 0]))

    def predict(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.asarray(
            self.global_intercept
            + self.participant_intercept[rows]
            + self.statement_intercept[cols]
            + np.einsum("ij,ij->i", self.participant_factor[rows], self.statement_factor[cols])
        )


def fit_factorization(
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    ratings: NDArray[np.float64],
    shape: tuple[int, int],
    *,
    weights: NDArray[np.float64] | None = None,
    n_factors: int = 1,
    lambda_intercept: float = 0.15,
    lambda_factor: float = 0.03,
    lambda_global: float = 0.15,
    tol: float = 1e-7,
    max_iter: int = 500,
    random_state: int = 0,
    orientation: NDArray[np.float64] | None = None,
) -> FactorizationFit:
    """Fit the model to ratings given as coordinates (one rating per (row, col) pair).

    Converged when the relative decrease of the loss over one sweep falls below `tol`. The factor's sign is
    not identified by the loss; it is fixed so that Σ orientation · f_u ≥ 0 (e.g. orientation = declared
    leaning score, so that positive means right-leaning), or, without orientation, so that more participants
    have a positive factor than a negative one.
    """
    n_rows, n_cols = shape
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    r = np.asarray(ratings, dtype=np.float64)
    w = np.ones_like(r) if weights is None else np.asarray(weights, dtype=np.float64)
    if not (len(rows) == len(cols) == len(r) == len(w)):
        raise ValueError("rows, cols, ratings and weights must have the same length")
    if len(r) == 0:
        raise ValueError("no ratings to fit")
    if np.any(w < 0) or not np.all(np.isfinite(w)) or not np.all(np.isfinite(r)):
        raise ValueError("ratings and weights must be finite, weights non-negative")
    if n_factors < 1:
        raise ValueError("n_factors must be at least 1")

    # Weighted incidence matrices (rating-level weights), in both orientations for fast products.
    W_rc = sp.csr_array((w, (rows, cols)), shape=shape)
    WR_rc = sp.csr_array((w * r, (rows, cols)), shape=shape)
    W_cr = W_rc.T.tocsr()
    WR_cr = WR_rc.T.tocsr()
    total_weight = float(w.sum())
    alpha_row_i = lambda_intercept * total_weight / n_rows
    alpha_row_f = lambda_factor * total_weight / n_rows
    alpha_col_i = lambda_intercept * total_weight / n_cols
    alpha_col_f = lambda_factor * total_weight / n_cols

    rng = np.random.default_rng(random_state)
    bound = np.sqrt(6.0 / (n_cols + n_factors))  # Glorot-uniform, as Community Notes initialises
    col_f = rng.uniform(-bound, bound, (n_cols, n_factors))
    col_i = np.zeros(n_cols)
    row_f = np.zeros((n_rows, n_factors))
    row_i = np.zeros(n_rows)
    mu = float((w * r).sum() / total_weight)

    # Per-side constants: Σ w and Σ w r of every row and column never change.
    row_count, row_rating = W_rc @ np.ones(n_cols), WR_rc @ np.ones(n_cols)
    col_count, col_rating = W_cr @ np.ones(n_rows), WR_cr @ np.ones(n_rows)

    def solve_side(
        W: sp.csr_array,
        WR: sp.csr_array,
        count: NDArray[np.float64],
        rating: NDArray[np.float64],
        other_i: NDArray[np.float64],
        other_f: NDArray[np.float64],
        alpha_i: float,
        alpha_f: float,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Ridge per row of W: residual r − μ − other_i on features [1, other_f]."""
        n = W.shape[0]
        k = other_f.shape[1]
        sum_f = W @ other_f  # Σ w f  (n, k)
        # Right-hand side: Σ w (r − μ − other_i) [1, f]
        y0 = rating - mu * count - W @ other_i
        y_f = WR @ other_f - mu * sum_f - W @ (other_i[:, None] * other_f)
        system = np.empty((n, k + 1, k + 1))
        system[:, 0, 0] = count + alpha_i
        system[:, 0, 1:] = sum_f
        system[:, 1:, 0] = sum_f
        for a in range(k):
            for b in range(a, k):
                value = W @ (other_f[:, a] * other_f[:, b])
                system[:, 1 + a, 1 + b] = value
                system[:, 1 + b, 1 + a] = value
        system[:, np.arange(1, k + 1), np.arange(1, k + 1)] += alpha_f
        rhs = np.concatenate([y0[:, None], y_f], axis=1)
        if k == 1:  # closed-form 2×2 inverse: much faster than a batched LAPACK call
            a00, a01, a11 = system[:, 0, 0], system[:, 0, 1], system[:, 1, 1]
            det = a00 * a11 - a01 * a01
            return (a11 * rhs[:, 0] - a01 * rhs[:, 1]) / det, ((a00 * rhs[:, 1] - a01 * rhs[:, 0]) / det)[
                :, None
            ]
        solution = np.linalg.solve(system, rhs[:, :, None])[:, :, 0]
        return solution[:, 0].copy(), solution[:, 1:].copy()

    def interaction() -> NDArray[np.float64]:
        if n_factors == 1:
            return np.asarray(row_f[rows, 0] * col_f[cols, 0])
        return np.asarray(np.einsum("ij,ij->i", row_f[rows], col_f[cols]))

    def penalties() -> float:
        return float(
            lambda_intercept * (np.mean(row_i**2) + np.mean(col_i**2))
            + lambda_factor * (np.mean(np.sum(row_f**2, axis=1)) + np.mean(np.sum(col_f**2, axis=1)))
            + lambda_global * mu**2
        )

    previous = np.inf
    loss = np.inf
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 - the count is part of the result
        row_i, row_f = solve_side(W_rc, WR_rc, row_count, row_rating, col_i, col_f, alpha_row_i, alpha_row_f)
        col_i, col_f = solve_side(W_cr, WR_cr, col_count, col_rating, row_i, row_f, alpha_col_i, alpha_col_f)
        # One pass over the ratings gives both μ's update and the loss: with e = r − (everything but μ),
        # μ = Σ w e / (W (1 + λ_μ)) and Σ w (e − μ)² = Σ w e² − 2 μ Σ w e + μ² W.
        e = r - row_i[rows] - col_i[cols] - interaction()
        sum_we = float(np.dot(w, e))
        sum_we2 = float(np.dot(w, e * e))
        mu = sum_we / (total_weight * (1.0 + lambda_global))
        loss = (sum_we2 - 2 * mu * sum_we + mu * mu * total_weight) / total_weight + penalties()
        if np.isfinite(previous) and previous - loss <= tol * abs(previous):
            converged = True
            break
        previous = loss

    # Laplace approximation for the statement intercepts: with participants held at their fitted values, each
    # statement's (intercept, factor) is a ridge regression whose Gaussian posterior has covariance
    # σ²·(Σ w x xᵀ + diag α)⁻¹, σ² the weighted residual variance. It ignores the participants' own uncertainty,
    # so it is a lower bound in principle; tests check its coverage on planted data.
    residual = r - mu - row_i[rows] - col_i[cols] - interaction()
    sigma2 = float(np.dot(w, residual**2) / total_weight)
    count = col_count
    sum_f = W_cr @ row_f[:, 0]
    sum_ff = W_cr @ (row_f[:, 0] ** 2)
    a, b, d = count + alpha_col_i, sum_f, sum_ff + alpha_col_f
    determinant = a * d - b * b
    cov = np.empty((n_cols, 2, 2))
    cov[:, 0, 0] = sigma2 * d / determinant
    cov[:, 1, 1] = sigma2 * a / determinant
    cov[:, 0, 1] = cov[:, 1, 0] = -sigma2 * b / determinant

    row_f, col_f, flipped = _orient(row_f, col_f, orientation)
    if flipped[0]:
        cov[:, 0, 1] *= -1
        cov[:, 1, 0] *= -1
    return FactorizationFit(
        global_intercept=mu,
        participant_intercept=row_i,
        participant_factor=row_f,
        statement_intercept=col_i,
        statement_factor=col_f,
        statement_cov=cov,
        loss=loss,
        n_iter=iteration,
        converged=converged,
    )


def _orient(
    row_f: NDArray[np.float64], col_f: NDArray[np.float64], orientation: NDArray[np.float64] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[bool]]:
    """Flip each factor dimension to the stated sign convention (the loss cannot tell the two apart)."""
    row_f, col_f = row_f.copy(), col_f.copy()
    flipped = []
    for d in range(row_f.shape[1]):
        if orientation is not None and np.any(orientation != 0):
            score = float(np.dot(np.nan_to_num(orientation), row_f[:, d]))
        else:
            score = float(np.count_nonzero(row_f[:, d] > 0)) - float(np.count_nonzero(row_f[:, d] < 0))
            if score == 0:
                score = float(np.sum(row_f[:, d]))
        flipped.append(score < 0)
        if score < 0:
            row_f[:, d] *= -1
            col_f[:, d] *= -1
    return row_f, col_f, flipped

"""Who follows a bloc's script: each participant scored against the script, not against one noisy fellow member.

Why a script and not pairs: two members of a bloc that flips 15% of its votes and adds cover votes agree with
each other on ~74% of what they share, no more than two honest members of one camp do. But each member agrees
with the *script* (the bloc's modal vote on the statements most of it voted on) on ~85%, and the script is
estimated from hundreds of members, so it is nearly free of their noise. What sets the script apart from an
opinion is what it pushes: votes that the opinion structure of everyone else does not predict for a person
where the member sits (agreeing with the other side's proposals while voting with one side on the rest).

The test is the likelihood ratio of two explanations of participant i's votes on the script's statements:

    copy:        P(v = T_s) = c                      (c: the bloc's fidelity to its script)
    independent: P(v = T_s) = P_i(T_s)               (the opinion model at i's position)

    log LR_i = Σ_s [v_is = T_s] log(c / P_i(T_s)) + [v_is ≠ T_s] log((1 − c) / (1 − P_i(T_s)))

The opinion model is Community Notes' rank-1 factorisation (analysis/factorization.py) on agree/disagree,
**fitted without the suspected cores**, so a large bloc cannot bend the model until its pushes look ordinary
(fitted with the bloc, a rank-2 model takes the bloc as its second factor); every participant's position is
then one ridge solve against the fixed statement parameters. Passes are modelled by each statement's pass rate.

Membership is decided by Bayes' rule with the share of followers π estimated from the data (an EM fixed point
over the participants who voted on at least `min_shared` script statements): i follows the script when
log LR_i ≥ log((1 − π)/π) + log(q/(1 − q)), i.e. a posterior of at least q (`min_posterior`). Where no bloc exists, π comes out tiny and the bar high; where one does, the bar is
set by how common it is, not by a constant tuned to planted data. Cost: one factorisation (O(V) per sweep) and
O(V) per script scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.factorization import fit_factorization
from workingup.analysis.matrix import VoteMatrix

__all__ = ["OpinionModel", "Script", "fit_opinion_model", "follow_script", "script_of"]

_P_FLOOR = 0.02
"""Probabilities are kept in [2%, 98%]: a linear fit can predict beyond 0–1, and no vote is certain."""


@dataclass(frozen=True)
class OpinionModel:
    """P(agree | not pass) = μ + a_i + b_s + x_i·f_s (clipped), P(pass) = the statement's pass rate."""

    mu: float
    statement_intercept: NDArray[np.float64]
    statement_factor: NDArray[np.float64]
    """Shape (n_statements, n_factors)."""
    participant_intercept: NDArray[np.float64]
    participant_factor: NDArray[np.float64]
    pass_rate: NDArray[np.float64]


@dataclass(frozen=True)
class Script:
    statements: NDArray[np.bool_]
    """Statements at least half the core voted on."""
    vote: NDArray[np.int64]
    """The core's modal vote on every statement (−1, 0, +1; meaningful where `statements`)."""


@dataclass(frozen=True)
class Followers:
    members: NDArray[np.bool_]
    log_lr: NDArray[np.float64]
    matched: NDArray[np.float64]
    voted: NDArray[np.float64]
    fidelity: float
    share: float
    """π: the estimated share of followers among those who voted on enough of the script."""


def fit_opinion_model(
    matrix: VoteMatrix, exclude: NDArray[np.bool_], *, n_factors: int = 1, ridge: float = 1.0
) -> OpinionModel:
    """The rank-`n_factors` model of everyone but `exclude`, then every participant's position against it."""
    n_p, n_s = matrix.shape
    rows = matrix.row_of_vote
    cols = matrix.votes.indices.astype(np.int64)
    values = matrix.votes.data.astype(np.int64)
    decided = values != 0
    fitted = decided & ~exclude[rows]
    if not fitted.any():
        raise ValueError("no agree/disagree votes outside the suspected blocs")
    fit = fit_factorization(
        rows[fitted],
        cols[fitted],
        (values[fitted] > 0).astype(np.float64),
        (n_p, n_s),
        n_factors=n_factors,
        max_iter=40,
        tol=1e-5,
    )
    # Each participant's (intercept, factors): ridge regression of their residual ratings on [1, f_s].
    r_rows, r_cols = rows[decided], cols[decided]
    residual = (values[decided] > 0) - fit.global_intercept - fit.statement_intercept[r_cols]
    features = np.concatenate([np.ones((len(r_cols), 1)), fit.statement_factor[r_cols]], axis=1)
    k = features.shape[1]
    system = np.empty((n_p, k, k))
    rhs = np.empty((n_p, k))
    for a in range(k):
        rhs[:, a] = np.bincount(r_rows, weights=residual * features[:, a], minlength=n_p)
        for b in range(a, k):
            system[:, a, b] = system[:, b, a] = np.bincount(
                r_rows, weights=features[:, a] * features[:, b], minlength=n_p
            )
    system += ridge * np.eye(k)
    solution = np.linalg.solve(system, rhs[:, :, None])[:, :, 0]
    outside = ~exclude[rows]
    passes = np.bincount(cols, weights=(values == 0) & outside, minlength=n_s)
    seen = np.bincount(cols, weights=outside, minlength=n_s)
    return OpinionModel(
        mu=fit.global_intercept,
        statement_intercept=fit.statement_intercept,
        statement_factor=fit.statement_factor,
        participant_intercept=np.asarray(solution[:, 0], dtype=np.float64),
        participant_factor=np.asarray(solution[:, 1:], dtype=np.float64),
        pass_rate=(passes + 1.0) / (seen + 3.0),
    )


def script_of(matrix: VoteMatrix, members: NDArray[np.int64]) -> Script:
    sub = matrix.votes[members]
    cols = sub.indices.astype(np.int64)
    values = sub.data.astype(np.int64) + 1
    n_s = matrix.n_statements
    counts = np.stack([np.bincount(cols[values == k], minlength=n_s) for k in range(3)], axis=1)
    return Script(statements=counts.sum(axis=1) >= 0.5 * len(members), vote=counts.argmax(axis=1) - 1)


def follow_script(
    matrix: VoteMatrix,
    script: Script,
    model: OpinionModel,
    core: NDArray[np.int64],
    *,
    min_shared: int,
    min_agreement: float,
    min_posterior: float,
) -> Followers:
    """Score every participant against `script`; the fidelity c is the core's median agreement with it."""
    n_p = matrix.n_participants
    rows = matrix.row_of_vote
    cols = matrix.votes.indices.astype(np.int64)
    inside = script.statements[cols]
    r, s, v = rows[inside], cols[inside], matrix.votes.data[inside].astype(np.int64)
    target = script.vote[s]
    match = (v == target).astype(np.float64)
    matched = np.bincount(r, weights=match, minlength=n_p).astype(np.float64)
    voted = np.bincount(r, minlength=n_p).astype(np.float64)
    fidelity = float(np.clip(np.median(matched[core] / np.maximum(voted[core], 1.0)), 0.55, 0.99))

    agree = np.clip(
        model.mu
        + model.statement_intercept[s]
        + model.participant_intercept[r]
        + np.einsum("ij,ij->i", model.participant_factor[r], model.statement_factor[s]),
        _P_FLOOR,
        1 - _P_FLOOR,
    )
    passing = model.pass_rate[s]
    expected = np.where(target == 0, passing, (1 - passing) * np.where(target > 0, agree, 1 - agree))
    expected = np.clip(expected, _P_FLOOR, 1 - _P_FLOOR)
    terms = np.where(match > 0, np.log(fidelity / expected), np.log((1 - fidelity) / (1 - expected)))
    log_lr = np.bincount(r, weights=terms, minlength=n_p).astype(np.float64)

    eligible = voted >= min_shared
    share = _follower_share(log_lr[eligible])
    bar = np.log(min_posterior / (1 - min_posterior) * (1 - share) / share)
    members = eligible & (log_lr >= bar) & (matched >= min_agreement * voted)
    return Followers(members, log_lr, matched, voted, fidelity, share)


def _follower_share(log_lr: NDArray[np.float64], tol: float = 1e-7) -> float:
    """π maximising Π_i (π LR_i + 1 − π): the EM fixed point π = mean posterior."""
    if len(log_lr) == 0:
        return 1e-6
    lr = np.exp(np.clip(log_lr, -50, 50))
    share = 0.1
    for _ in range(200):
        posterior = share * lr / (share * lr + 1 - share)
        new = float(np.clip(posterior.mean(), 1e-6, 1 - 1e-6))
        if abs(new - share) < tol:
            return new
        share = new
    return share

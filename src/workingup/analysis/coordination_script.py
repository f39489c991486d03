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

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.factorization import fit_factorization
from workingup.analysis.matrix import VoteMatrix

__all__ = [
    "OpinionModel",
    "Script",
    "departures",
    "fit_opinion_model",
    "follow_script",
    "joint_posterior",
    "script_of",
]

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
    ridge: float = 1.0

    def agree(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
        """The model's agree rating (0 disagree … 1 agree, unclipped) for each (participant, statement) given."""
        return np.asarray(
            self.mu
            + self.statement_intercept[cols]
            + self.participant_intercept[rows]
            + np.einsum("ij,ij->i", self.participant_factor[rows], self.statement_factor[cols])
        )

    def placed_without(self, matrix: VoteMatrix, statements: NDArray[np.bool_]) -> OpinionModel:
        """The same model with every participant placed from their votes on other statements only: what their
        other votes predict for `statements`, untouched by how they voted there."""
        use = ~statements[matrix.votes.indices]
        intercept, factor = _positions(
            matrix, self.mu, self.statement_intercept, self.statement_factor, use, self.ridge
        )
        return replace(self, participant_intercept=intercept, participant_factor=factor)


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
    matrix: VoteMatrix,
    exclude: NDArray[np.bool_],
    *,
    weight: NDArray[np.float64] | None = None,
    n_factors: int = 1,
    ridge: float = 1.0,
) -> OpinionModel:
    """The rank-`n_factors` model of everyone but `exclude` (each participant's ratings weighted by `weight`),
    then every participant's position against it."""
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
        weights=None if weight is None else weight[rows[fitted]],
        n_factors=n_factors,
        max_iter=40,
        tol=1e-5,
    )
    intercept, factor = _positions(
        matrix, fit.global_intercept, fit.statement_intercept, fit.statement_factor, decided, ridge
    )
    outside = ~exclude[rows]
    passes = np.bincount(cols, weights=(values == 0) & outside, minlength=n_s)
    seen = np.bincount(cols, weights=outside, minlength=n_s)
    return OpinionModel(
        mu=fit.global_intercept,
        statement_intercept=fit.statement_intercept,
        statement_factor=fit.statement_factor,
        participant_intercept=intercept,
        participant_factor=factor,
        pass_rate=(passes + 1.0) / (seen + 3.0),
        ridge=ridge,
    )


def _positions(
    matrix: VoteMatrix,
    mu: float,
    statement_intercept: NDArray[np.float64],
    statement_factor: NDArray[np.float64],
    use: NDArray[np.bool_],
    ridge: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each participant's (intercept, factors) from the stored votes marked `use` (agree/disagree only): a ridge
    regression of their ratings, less the statements' part, on [1, f_s]; O(votes) plus a small solve each."""
    n_p = matrix.n_participants
    use = use & (matrix.votes.data != 0)
    rows = matrix.row_of_vote[use]
    cols = matrix.votes.indices[use].astype(np.int64)
    residual = (matrix.votes.data[use] > 0) - mu - statement_intercept[cols]
    features = np.concatenate([np.ones((len(cols), 1)), statement_factor[cols]], axis=1)
    k = features.shape[1]
    system = np.empty((n_p, k, k))
    rhs = np.empty((n_p, k))
    for a in range(k):
        rhs[:, a] = np.bincount(rows, weights=residual * features[:, a], minlength=n_p)
        for b in range(a, k):
            system[:, a, b] = system[:, b, a] = np.bincount(
                rows, weights=features[:, a] * features[:, b], minlength=n_p
            )
    system += ridge * np.eye(k)
    solution = np.linalg.solve(system, rhs[:, :, None])[:, :, 0]
    return np.asarray(solution[:, 0], dtype=np.float64), np.asarray(solution[:, 1:], dtype=np.float64)


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

    agree = np.clip(model.agree(r, s), _P_FLOOR, 1 - _P_FLOOR)
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


def joint_posterior(scored: list[Followers], *, min_shared: int, tol: float = 1e-7) -> NDArray[np.float64]:
    """P(participant follows script k | votes) for several scripts at once, shape (n_participants, k).

    Why not each script's own test: scored one by one, every script's share of followers π_k is estimated among
    those who voted on enough of *its* statements, mostly its own followers, so each bar is low, and an honest
    participant gets as many chances to pass as there are scripts. Here one mixture explains everyone who voted
    on enough of any script: follower of script k with probability π_k (likelihood ratio LR_ik against the
    opinion model), else independent; the π_k are its EM fixed point. A script a participant did not vote
    enough of gives no evidence either way (LR 1) but no way to be its follower either.
    """
    if not scored:
        return np.zeros((0, 0))
    log_lr = np.stack([np.clip(f.log_lr, -50, 50) for f in scored], axis=1)
    eligible = np.stack([f.voted >= min_shared for f in scored], axis=1)
    ratio = np.where(eligible, np.exp(log_lr), 0.0)
    anyone: NDArray[np.bool_] = np.asarray(eligible.any(axis=1))
    k = ratio.shape[1]
    share = np.full(k, 0.1 / k)
    posterior = np.zeros_like(ratio)
    for _ in range(200):
        weighted = ratio * share[None, :]
        posterior = weighted / (weighted.sum(axis=1, keepdims=True) + 1.0 - share.sum())
        new = np.clip(posterior[anyone].mean(axis=0) if anyone.any() else share, 1e-6, None)
        new = new / max(1.0, new.sum() / (1 - 1e-6))
        if np.max(np.abs(new - share)) < tol:
            share = new
            break
        share = new
    weighted = ratio * share[None, :]
    posterior = weighted / (weighted.sum(axis=1, keepdims=True) + 1.0 - share.sum())
    return np.asarray(np.where(anyone[:, None], posterior, 0.0))


def departures(
    matrix: VoteMatrix,
    model: OpinionModel,
    members: NDArray[np.int64],
    script: Script,
    *,
    min_departure: float = 0.4,
) -> NDArray[np.bool_]:
    """Statements on which the members, as one, vote against what the opinion model predicts for them: at least
    half of them voted agree or disagree on it, and their share of agrees departs from the model's prediction for
    those same members by at least `min_departure`.

    Why: this is what a campaign is for. A genuine faction that the main divide does not explain also follows its
    modal votes closely, but its difference from the model is spread thinly over many statements (on
    austria-climate, a group of 116 departs by 0.4 on none); a script that manufactures or erases a verdict
    departs hard on the statements it targets (planted blocs: 5 to 8). Members are placed from their votes off
    the script: placed from all their votes, a member's position absorbs part of what the script pushes (four
    sub-blocs at 760k votes: 1 departure instead of 8)."""
    model = model.placed_without(matrix, script.statements)
    rows = matrix.row_of_vote
    cols = matrix.votes.indices.astype(np.int64)
    values = matrix.votes.data
    inside = np.zeros(matrix.n_participants, dtype=bool)
    inside[members] = True
    take = inside[rows] & (values != 0)
    r, c = rows[take], cols[take]
    predicted = np.clip(model.agree(r, c), 0.0, 1.0)
    residual = (values[take] > 0) - predicted
    n_s = matrix.n_statements
    count = np.bincount(c, minlength=n_s)
    mean = np.divide(
        np.bincount(c, weights=residual, minlength=n_s), count, out=np.zeros(n_s), where=count > 0
    )
    return np.asarray((count >= 0.5 * len(members)) & (np.abs(mean) >= min_departure))

"""Sub-scripts of a bloc: one campaign may run several scripts, and each is scored on its own.

Why: a campaign that splits its accounts into sub-blocs (the same targets, different camouflage: other
statements, other votes on them) is found first as one bloc whose modal votes are a blend of the sub-scripts.
Scored against the blend, members of a sub-bloc match only where their script and the blend agree (~70% instead
of the ~85% of their own), and where the sub-scripts cover different statements the blend keeps only the few they
share, too few for most members to be scored at all. Benchmark (four sub-blocs of 5%, 760k votes): 2,180 of
4,000 members found against the blend.

How: a latent class model of the members' votes (a mixture of independent categorical distributions per
statement, over "not voted", disagree, pass, agree, fitted by EM), with the number of classes chosen by BIC
between 1 and `max_classes`. "Not voted" is a category on purpose: which statements a script covers is as much
part of it as how it votes. BIC prefers one class unless the members really follow different scripts, so a bloc
that follows one script is left whole; each class of at least `min_size` members then proposes its own script.

Bounds, with m members, S statements (those at least a tenth of the members voted on, at most `max_statements`),
K = max_classes and v the votes of the fitted members on those statements: the model is fitted on at most
`max_fit` members (a fixed sample), O(K² × restarts × iterations × (v + max_fit)) time (the votes enter as a sparse
indicator; the search over K stops once BIC has risen twice) and O(v + max_fit × K) memory; assigning every
member is O((votes + m) × K), in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from workingup.analysis.matrix import VoteMatrix

__all__ = ["ScriptClasses", "split_scripts"]

_CATEGORIES = 4
"""Not voted, disagree, pass, agree."""


@dataclass(frozen=True)
class ScriptClasses:
    """The scripts a bloc's members follow: `groups` (members per class of at least `min_size`; one group, the
    members themselves, when BIC finds a single script) and the fitted model of those groups, to place anyone
    else."""

    groups: list[NDArray[np.int64]]
    statements: NDArray[np.int64]
    """Matrix columns the model describes."""
    log_theta: NDArray[np.float64]
    """Shape (groups, statements, 4): log P(category | group)."""
    log_weight: NDArray[np.float64]

    def classify(self, matrix: VoteMatrix, participants: NDArray[np.int64]) -> NDArray[np.int64]:
        """The group (index into `groups`) each participant's votes are most likely under. O(n × S × classes)."""
        if len(self.groups) == 1:
            return np.zeros(len(participants), dtype=np.int64)
        return _most_likely(matrix, participants, self.statements, self.log_theta, self.log_weight)


def _most_likely(
    matrix: VoteMatrix,
    participants: NDArray[np.int64],
    statements: NDArray[np.int64],
    log_theta: NDArray[np.float64],
    log_weight: NDArray[np.float64],
) -> NDArray[np.int64]:
    """The class each participant's votes are most likely under, in chunks of 50,000 participants."""
    participants = np.asarray(participants, dtype=np.int64)
    chunks = np.array_split(participants, max(1, len(participants) // 50_000 + 1))
    return np.concatenate(
        [
            np.argmax(
                _log_joint(_indicator(_codes(matrix, chunk, statements)), log_theta, log_weight), axis=1
            )
            for chunk in chunks
        ]
    ).astype(np.int64)


def split_scripts(
    matrix: VoteMatrix,
    members: NDArray[np.int64],
    *,
    min_size: int,
    max_classes: int = 8,
    max_statements: int = 200,
    max_fit: int = 5_000,
    restarts: int = 4,
    max_iter: int = 200,
    random_state: int = 0,
) -> ScriptClasses:
    """The members grouped by the script each follows. Classes under `min_size` members are dropped (their
    script has too few followers to tell from chance; classify() places their members with the nearest kept
    class)."""
    members = np.asarray(members, dtype=np.int64)
    statements = _statements(matrix, members, max_statements)
    whole = ScriptClasses([members], statements, np.zeros((1, len(statements), _CATEGORIES)), np.zeros(1))
    if len(members) < 2 * min_size or max_classes < 2 or len(statements) == 0:
        return whole
    rng = np.random.default_rng(random_state)
    fit_rows = members
    if len(members) > max_fit:
        fit_rows = np.sort(rng.choice(members, max_fit, replace=False))
    votes = _indicator(_codes(matrix, fit_rows, statements))
    n, s = len(fit_rows), len(statements)
    best: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None = None
    worse = 0
    for k in range(1, max_classes + 1):
        if n < k * min_size or worse == 2:  # BIC rose twice in a row: more classes only overfit
            break
        loglik, log_theta, log_weight = _fit(votes, k, restarts, max_iter, rng)
        parameters = k * s * (_CATEGORIES - 1) + (k - 1)
        bic = -2.0 * loglik + parameters * np.log(n)
        if best is None or bic < best[0]:
            best, worse = (bic, log_theta, log_weight), 0
        else:
            worse += 1
    assert best is not None
    _, log_theta, log_weight = best
    if len(log_weight) == 1:
        return whole
    label = _most_likely(matrix, members, statements, log_theta, log_weight)
    kept = np.flatnonzero(np.bincount(label, minlength=len(log_weight)) >= min_size)
    if len(kept) < 2:
        return whole
    log_theta, log_weight = log_theta[kept], log_weight[kept]
    label = _most_likely(matrix, members, statements, log_theta, log_weight)
    return ScriptClasses([members[label == c] for c in range(len(kept))], statements, log_theta, log_weight)


def _statements(matrix: VoteMatrix, members: NDArray[np.int64], max_statements: int) -> NDArray[np.int64]:
    """The statements at least a tenth of the members voted on (the most voted `max_statements` of them): where
    a sub-script followed by a tenth of the bloc still shows."""
    counts = np.bincount(matrix.votes[members].indices, minlength=matrix.n_statements)
    chosen = np.flatnonzero(counts >= max(2, 0.1 * len(members)))
    if len(chosen) > max_statements:
        chosen = np.sort(chosen[np.argsort(-counts[chosen], kind="stable")[:max_statements]])
    return chosen.astype(np.int64)


def _codes(
    matrix: VoteMatrix, participants: NDArray[np.int64], statements: NDArray[np.int64]
) -> NDArray[np.int8]:
    """(participants × statements) codes 0 not voted, 1 disagree, 2 pass, 3 agree."""
    sub = matrix.votes[participants]
    cols = sub.indices.astype(np.int64)
    column = np.full(matrix.n_statements, -1, dtype=np.int64)
    column[statements] = np.arange(len(statements))
    rows = np.repeat(np.arange(len(participants)), np.diff(sub.indptr))
    keep = column[cols] >= 0
    codes = np.zeros((len(participants), len(statements)), dtype=np.int8)
    codes[rows[keep], column[cols[keep]]] = (sub.data[keep].astype(np.int64) + 2).astype(np.int8)
    return codes


def _indicator(codes: NDArray[np.int8]) -> sp.csr_array:
    """(n, S × 3) sparse indicator of the votes cast (disagree, pass, agree per statement); "not voted" is what
    is left, so a class's log-likelihood is its all-not-voted baseline plus one sparse product over the votes."""
    rows, cols = np.nonzero(codes)
    data = np.ones(len(rows))
    index = cols * (_CATEGORIES - 1) + codes[rows, cols].astype(np.int64) - 1
    return sp.csr_array((data, (rows, index)), shape=(codes.shape[0], codes.shape[1] * (_CATEGORIES - 1)))


def _log_joint(
    votes: sp.csr_array, log_theta: NDArray[np.float64], log_weight: NDArray[np.float64]
) -> NDArray[np.float64]:
    """log P(class c) + log P(votes | class c), shape (n, classes); `log_theta` is (classes, S, 4)."""
    baseline = log_theta[:, :, 0].sum(axis=1)
    lift = (log_theta[:, :, 1:] - log_theta[:, :, :1]).reshape(len(log_theta), -1)
    return np.asarray(votes @ lift.T + (baseline + log_weight)[None, :])


def _fit(
    votes: sp.csr_array, k: int, restarts: int, max_iter: int, rng: np.random.Generator
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """EM for a k-class model, best of `restarts` random starts. Category probabilities are smoothed by one
    pseudo-vote per category (a MAP estimate), so no vote is impossible under any class."""
    n, width = votes.shape
    s = width // (_CATEGORIES - 1)
    votes_t = votes.T.tocsr()
    best: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None = None
    for _ in range(restarts if k > 1 else 1):
        resp = rng.dirichlet(np.ones(k), size=n)
        previous = -np.inf
        loglik = -np.inf
        log_theta = np.zeros((k, s, _CATEGORIES))
        log_weight = np.zeros(k)
        for _ in range(max_iter):
            mass = resp.sum(axis=0)
            cast = np.asarray(votes_t @ resp).T.reshape(k, s, _CATEGORIES - 1)
            counts = np.concatenate([(mass[:, None] - cast.sum(axis=2))[:, :, None], cast], axis=2) + 1.0
            log_theta = np.log(counts / counts.sum(axis=2, keepdims=True))
            log_weight = np.log((mass + 1e-9) / (n + k * 1e-9))
            joint = _log_joint(votes, log_theta, log_weight)
            top = joint.max(axis=1, keepdims=True)
            norm = top[:, 0] + np.log(np.exp(joint - top).sum(axis=1))
            resp = np.exp(joint - norm[:, None])
            loglik = float(norm.sum())
            if loglik - previous <= 1e-6 * abs(loglik):
                break
            previous = loglik
        if best is None or loglik > best[0]:
            best = (loglik, log_theta, log_weight)
    assert best is not None
    return best

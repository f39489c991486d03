"""The declared-bloc lens: agreement within each bloc the roster records (leaning side, sector), with intervals.

Opinion groups are inferred from votes; blocs are declared by the people themselves. A convergence dialogue
knows its table's composition, so "does the right-leaning bloc support this too?" can be asked directly.

Agreement within a bloc is the share of agree among the bloc's votes on the statement (a pass is a vote that
did not agree, as in Pol.is; `pass_weight` changes that). Its uncertainty is the Beta posterior under a uniform
prior, Beta(agree + 1, trials − agree + 1), reported as a central credible interval (90% by default).
*Cross-bloc support* is the lowest bloc's lower bound: a statement every bloc supports has a high one; a
statement one bloc rejects has a low one, however enthusiastic the others are. Blocs with fewer than
`min_bloc_votes` votes on a statement make the figure undefined (NaN) rather than optimistic.

Weights let a coordinated bloc of voters count as one voice (each member 1/size): counts are then fractional,
and the Beta posterior takes them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import beta

from workingup.analysis.matrix import VoteMatrix

__all__ = ["BlocSupport", "bloc_support"]


@dataclass(frozen=True, eq=False)
class BlocSupport:
    """Arrays of shape (n_blocs, n_statements) unless noted; statements in the matrix's order."""

    bloc_names: tuple[str, ...]
    statement_ids: NDArray[Any]
    agree: NDArray[np.float64]
    trials: NDArray[np.float64]
    mean: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    level: float
    cross_bloc_support: NDArray[np.float64]
    """Shape (n_statements,): the lowest bloc's lower bound; NaN where some bloc has too few votes."""
    weakest_bloc: NDArray[np.int64]
    """Shape (n_statements,): index of the bloc giving the cross-bloc figure (-1 where undefined)."""
    bloc_sizes: NDArray[np.int64]
    """Shape (n_blocs,): participants declared in each bloc."""

    def to_dict(self) -> dict[str, Any]:
        def column(array: NDArray[Any]) -> list[Any]:
            return [None if isinstance(x, float) and np.isnan(x) else x for x in array.tolist()]

        return {
            "bloc_names": list(self.bloc_names),
            "bloc_sizes": self.bloc_sizes.tolist(),
            "level": self.level,
            "statement_ids": self.statement_ids.tolist(),
            "agree": self.agree.tolist(),
            "trials": self.trials.tolist(),
            "mean": self.mean.tolist(),
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
            "cross_bloc_support": column(self.cross_bloc_support),
            "weakest_bloc": self.weakest_bloc.tolist(),
        }


def bloc_support(
    matrix: VoteMatrix,
    bloc: NDArray[np.integer],
    bloc_names: tuple[str, ...],
    *,
    participant_weight: NDArray[np.float64] | None = None,
    level: float = 0.9,
    pass_weight: float = 1.0,
    min_bloc_votes: float = 3.0,
) -> BlocSupport:
    """Agreement per declared bloc and statement; `bloc[i]` is participant i's bloc, -1 for none.

    Examples
    --------
    >>> m = VoteMatrix.from_arrays([1, 2, 3, 4, 5, 6], [9] * 6, [1, 1, 1, 1, 1, -1])
    >>> s = bloc_support(m, np.array([0, 0, 0, 1, 1, 1]), ("left", "right"), min_bloc_votes=1)
    >>> s.agree.tolist(), round(float(s.mean[1, 0]), 3)
    ([[3.0], [2.0]], 0.6)
    """
    bloc = np.asarray(bloc, dtype=np.int64)
    n_blocs = len(bloc_names)
    if bloc.shape != (matrix.n_participants,):
        raise ValueError(f"bloc needs one entry per participant ({matrix.n_participants}), got {bloc.shape}")
    if len(bloc) and (bloc.max(initial=-1) >= n_blocs or bloc.min(initial=0) < -1):
        raise ValueError(f"bloc indices must be -1 or in 0..{n_blocs - 1}")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    weight = (
        np.ones(matrix.n_participants)
        if participant_weight is None
        else np.asarray(participant_weight, float)
    )

    n_s = matrix.n_statements
    rows = matrix.row_of_vote
    cols = matrix.votes.indices
    values = matrix.votes.data
    row_bloc = bloc[rows]
    keep = row_bloc >= 0
    key = row_bloc[keep] * n_s + cols[keep]
    w = weight[rows][keep]
    v = values[keep]
    size = n_blocs * n_s

    def count(weights: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.bincount(key, weights=weights, minlength=size), dtype=np.float64).reshape(
            n_blocs, n_s
        )

    agree = count(w * (v == 1))
    trials = count(w * np.where(v == 0, pass_weight, 1.0))

    a, b = agree + 1.0, trials - agree + 1.0
    tail = (1.0 - level) / 2.0
    lower = beta.ppf(tail, a, b)
    upper = beta.ppf(1.0 - tail, a, b)
    mean = a / (a + b)

    enough = trials >= min_bloc_votes
    defined = enough.all(axis=0) & (n_blocs > 0)
    masked = np.where(enough, lower, np.inf)
    weakest = np.where(defined, np.argmin(masked, axis=0) if n_blocs else -1, -1).astype(np.int64)
    cross = np.full(n_s, np.nan)
    cross[defined] = lower[weakest[defined], np.flatnonzero(defined)]
    return BlocSupport(
        bloc_names=tuple(bloc_names),
        statement_ids=matrix.statement_ids,
        agree=agree,
        trials=trials,
        mean=mean,
        lower=lower,
        upper=upper,
        level=level,
        cross_bloc_support=cross,
        weakest_bloc=weakest,
        bloc_sizes=np.bincount(bloc[bloc >= 0], minlength=n_blocs).astype(np.int64),
    )

"""Vote counts per group and statement, and the smoothed statistics Pol.is builds on them.

Every figure downstream (representativeness, consensus, priority) is a function of four counts per group and
statement: agrees, disagrees, passes and seen (= all three). Counting once, over the stored votes only, is what
keeps the whole analysis linear in the number of votes.

The statistics follow Pol.is's `stats.clj` exactly: a +1 pseudo-count on successes and trials (+2 on trials for
the probabilities), and a two-proportion z-test with +1 on all four counts that returns 0 where the pooled
proportion is 1 (it would divide by zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from workingup.analysis.matrix import VoteMatrix

__all__ = ["GroupCounts", "count_by_group", "probability", "prop_test", "two_prop_test"]


@dataclass(frozen=True, eq=False)
class GroupCounts:
    """Counts of shape (n_groups, n_statements). `seen` counts passes too."""

    agree: NDArray[np.int64]
    disagree: NDArray[np.int64]
    seen: NDArray[np.int64]

    @property
    def passes(self) -> NDArray[np.int64]:
        return self.seen - self.agree - self.disagree

    @property
    def n_groups(self) -> int:
        return int(self.agree.shape[0])

    def total(self) -> GroupCounts:
        """All groups together, as a single group."""
        return GroupCounts(
            self.agree.sum(axis=0, keepdims=True),
            self.disagree.sum(axis=0, keepdims=True),
            self.seen.sum(axis=0, keepdims=True),
        )

    def trials(self, pass_weight: float = 1.0) -> NDArray[np.float64]:
        """Seen, with each pass counting `pass_weight` (1 is Pol.is: a pass is a trial that did not agree)."""
        if pass_weight == 1.0:
            return self.seen.astype(np.float64)
        return (self.agree + self.disagree + pass_weight * self.passes).astype(np.float64)


def count_by_group(matrix: VoteMatrix, groups: NDArray[np.integer], n_groups: int) -> GroupCounts:
    """Count the stored votes of the rows whose group is ≥ 0 (a negative group leaves the row out).

    Examples
    --------
    >>> m = VoteMatrix.from_arrays([1, 1, 2, 3], [7, 8, 7, 7], [1, 0, -1, 1])
    >>> c = count_by_group(m, np.array([0, 1, -1]), 2)
    >>> c.agree.tolist(), c.seen.tolist()
    ([[1, 0], [0, 0]], [[1, 1], [1, 0]])
    """
    groups = np.asarray(groups, dtype=np.int64)
    if groups.shape != (matrix.n_participants,):
        raise ValueError(
            f"groups needs one entry per participant ({matrix.n_participants}), got {groups.shape}"
        )
    if len(groups) and groups.max(initial=-1) >= n_groups:
        raise ValueError(f"group labels must be below n_groups={n_groups}")
    n_s = matrix.n_statements
    row_group = groups[matrix.row_of_vote]
    keep = row_group >= 0
    key = row_group[keep] * n_s + matrix.votes.indices[keep]
    values = matrix.votes.data[keep]
    size = n_groups * n_s

    def count(selected: NDArray[np.bool_] | None) -> NDArray[np.int64]:
        chosen = key if selected is None else key[selected]
        return np.bincount(chosen, minlength=size).reshape(n_groups, n_s).astype(np.int64)

    return GroupCounts(agree=count(values == 1), disagree=count(values == -1), seen=count(None))


def probability(successes: ArrayLike, trials: ArrayLike) -> NDArray[np.float64]:
    """(successes + 1) / (trials + 2): Laplace's rule, so that 0 of 0 is 0.5, not undefined."""
    return np.asarray(
        (np.asarray(successes, dtype=np.float64) + 1.0) / (np.asarray(trials, dtype=np.float64) + 2.0)
    )


def prop_test(successes: ArrayLike, trials: ArrayLike) -> NDArray[np.float64]:
    """One-proportion z-score against 1/2, with +1 pseudo-counts: 2·sqrt(n+1)·((s+1)/(n+1) − 1/2)."""
    s = np.asarray(successes, dtype=np.float64) + 1.0
    n = np.asarray(trials, dtype=np.float64) + 1.0
    return np.asarray(2.0 * np.sqrt(n) * (s / n - 0.5))


def two_prop_test(
    successes_in: ArrayLike, successes_out: ArrayLike, trials_in: ArrayLike, trials_out: ArrayLike
) -> NDArray[np.float64]:
    """Two-proportion z-score (in vs out), +1 on all four counts; 0 where the pooled proportion is 1."""
    s1 = np.asarray(successes_in, dtype=np.float64) + 1.0
    s2 = np.asarray(successes_out, dtype=np.float64) + 1.0
    n1 = np.asarray(trials_in, dtype=np.float64) + 1.0
    n2 = np.asarray(trials_out, dtype=np.float64) + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    return np.asarray(np.where(pooled == 1.0, 0.0, z))

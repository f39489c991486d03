"""Routing: which statement to show a participant next.

Pol.is (`conversation.clj` `priority-metric`) shows statements with probability proportional to
[(1 − pass rate)·(extremity + 1)·agree rate·(1 + 8·2^(−S/5))]², rates with +1/+2 pseudo-counts, S = times seen,
counted over the clustered participants: statements people engage with, that separate opinions, and that are
new (the last factor starts at 9 and halves every 5 views) come first. Meta statements get a fixed 7² = 49.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.counts import GroupCounts, probability
from workingup.analysis.matrix import VoteMatrix

__all__ = ["META_PRIORITY", "available_statements", "draw_next_statement", "routing_priority"]

META_PRIORITY = 7.0
"""Pol.is's meta-priority, before squaring."""


def routing_priority(
    counts: GroupCounts, extremity: NDArray[np.float64], meta: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Priority of every statement; `counts` over the clustered participants (any grouping, it is summed).

    Examples
    --------
    >>> c = GroupCounts(np.array([[0]]), np.array([[0]]), np.array([[0]]))
    >>> float(routing_priority(c, np.array([0.0]), np.array([False]))[0])  # new statement: (½·½·9)²
    5.0625
    """
    total = counts.total()
    seen = total.seen[0].astype(np.float64)
    agree_rate = probability(total.agree[0], seen)
    pass_rate = probability(total.passes[0], seen)
    importance = agree_rate * (1.0 - pass_rate) * (1.0 + np.asarray(extremity, dtype=np.float64))
    newness = 1.0 + 8.0 * np.power(2.0, -seen / 5.0)
    return np.asarray(np.where(meta, META_PRIORITY, importance * newness) ** 2)


def available_statements(matrix: VoteMatrix, participant_id: Any) -> NDArray[np.bool_]:
    """Statements `participant_id` may be shown: not yet seen (a pass counts as seen) and not rejected.

    A participant the matrix does not know yet (a newcomer) may be shown every statement that is not rejected.
    """
    available = ~matrix.rejected
    row = np.searchsorted(matrix.participant_ids, participant_id)
    if row < matrix.n_participants and matrix.participant_ids[row] == participant_id:
        start, end = matrix.votes.indptr[row], matrix.votes.indptr[row + 1]
        available[matrix.votes.indices[start:end]] = False
    return available


def draw_next_statement(
    priority: NDArray[np.float64], available: NDArray[np.bool_], rng: np.random.Generator
) -> int | None:
    """Index of the next statement, drawn with probability ∝ priority among `available` (unseen, not rejected).

    None when nothing is left to show.
    """
    candidates = np.flatnonzero(available)
    if len(candidates) == 0:
        return None
    weights = np.asarray(priority, dtype=np.float64)[candidates]
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        return int(candidates[rng.integers(len(candidates))])
    return int(candidates[rng.choice(len(candidates), p=weights / total)])

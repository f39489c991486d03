"""Routing: which statement to show a participant next.

Pol.is (`conversation.clj` `priority-metric`) shows statements with probability proportional to
[(1 − pass rate)·(extremity + 1)·agree rate·(1 + 8·2^(−S/5))]², rates with +1/+2 pseudo-counts, S = times seen,
counted over the clustered participants: statements people engage with, that separate opinions, and that are
new (the last factor starts at 9 and halves every 5 views) come first. Meta statements get a fixed 7² = 49.

`VerdictRouting` is the other option (issue 16): it asks where a vote from *this* participant would settle a
verdict most. Each statement's calibrated call (analysis/verdict.py) has a probability p of bridging; a vote
from one side of the divide moves p, and `SidePosterior.vote_value` is the expected fall in p(1 − p) it brings.
A participant's side is read from their own votes so far (one ridge step on the bridging model's statement
factors), so a newcomer is routed as an average participant for their first vote and as one of their side
after. Statements whose verdict is settled (p near 0 or 1) fall to the back; new statements, whose p is the
dialogue's prior share of bridges, come first. Pol.is's priority stays available (`routing_priority`), and the
benchmark (benchmarks/bridging/bench_routing.py) runs both beside random order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.counts import GroupCounts, probability
from workingup.analysis.matrix import VoteMatrix

__all__ = [
    "META_PRIORITY",
    "VerdictRouting",
    "available_statements",
    "draw_next_statement",
    "routing_priority",
]

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


@dataclass(frozen=True, eq=False)
class VerdictRouting:
    """What routing by the verdict needs, per statement (matrix order) and for the dialogue as a whole."""

    statement_ids: NDArray[Any]
    value: NDArray[np.float64]
    """Shape (2, n_statements): expected settling of the call by one vote from the low / the high side."""
    side_share: NDArray[np.float64]
    """Shape (2,): share of participants on each side, to weigh the two for someone whose side is unknown."""
    intercept: NDArray[np.float64]
    """The bridging model's statement intercepts and factors (NaN where unfitted), to place a participant."""
    factor: NDArray[np.float64]
    base: float
    """Predicted rating of an average participant before the statement's own terms (μ + mean i_u)."""
    cut: float
    """Where the participants' factors split into the two sides (NaN: no divide yet)."""
    ridge: float
    """Penalty of the one-step factor estimate (the model's per-participant factor penalty)."""

    def side_of(self, statements: NDArray[np.int64], values: NDArray[np.integer[Any]]) -> int:
        """Side (0 low, 1 high) of a participant from their votes (statement indices, +1/0/−1); -1 unknown.

        One ridge step of the model's participant update with everything else fixed: f = Σ f_s (r − base −
        i_s) / (Σ f_s² + ridge), over agree (r = 1) and disagree (r = 0) votes on fitted statements."""
        statements = np.asarray(statements, dtype=np.int64)
        values = np.asarray(values)
        use = (values != 0) & np.isfinite(self.factor[statements]) & np.isfinite(self.intercept[statements])
        if not np.any(use) or not np.isfinite(self.cut):
            return -1
        s, r = statements[use], (values[use] > 0).astype(np.float64)
        f_s = self.factor[s]
        f = float(np.dot(f_s, r - self.base - self.intercept[s]) / (np.dot(f_s, f_s) + self.ridge))
        return int(f > self.cut)

    def priority(self, side: int) -> NDArray[np.float64]:
        """Priority of every statement for a participant on `side` (-1: unknown, the sides weighed by size)."""
        value = self.value[side] if side in (0, 1) else self.side_share @ self.value
        return np.asarray(value + 1e-9)  # every statement stays possible; settled ones almost never drawn

    def to_dict(self) -> dict[str, Any]:
        def column(array: NDArray[Any]) -> list[Any]:
            return [None if isinstance(x, float) and not np.isfinite(x) else x for x in array.tolist()]

        return {
            "statement_ids": self.statement_ids.tolist(),
            "value_low": self.value[0].tolist(),
            "value_high": self.value[1].tolist(),
            "side_share": self.side_share.tolist(),
            "intercept": column(self.intercept),
            "factor": column(self.factor),
            "base": self.base,
            "cut": self.cut if np.isfinite(self.cut) else None,
            "ridge": self.ridge,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerdictRouting:
        def floats(key: str) -> NDArray[np.float64]:
            return np.array([np.nan if x is None else float(x) for x in data[key]], dtype=np.float64)

        return cls(
            statement_ids=np.asarray(data["statement_ids"]),
            value=np.vstack([floats("value_low"), floats("value_high")]),
            side_share=np.asarray(data["side_share"], dtype=np.float64),
            intercept=floats("intercept"),
            factor=floats("factor"),
            base=float(data["base"]),
            cut=float("nan") if data["cut"] is None else float(data["cut"]),
            ridge=float(data["ridge"]),
        )

"""Who is clustered: Pol.is's rule, so that our groups are drawn from the same people as theirs.

A participant who voted on a handful of statements sits near the centre of the map for lack of evidence, not
because of a moderate opinion; clustering them would blur the groups. Pol.is therefore clusters those with at
least min(7, n_statements) votes and, while fewer than 15 qualify, tops the set up with the most active voters.
Passes count as votes; so do votes on statements moderated out later (Pol.is counts the raw matrix).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["clustered_participants"]


def clustered_participants(
    seen_per_participant: NDArray[np.integer],
    n_statements: int,
    *,
    min_votes: int = 7,
    greedy_n: int = 15,
) -> NDArray[np.bool_]:
    """A mask of the participants to cluster.

    Parameters
    ----------
    seen_per_participant
        Votes cast by each participant (passes included), in row order.
    n_statements
        Statements that have at least one vote (the columns Pol.is knows).
    min_votes
        The threshold is min(min_votes, n_statements).
    greedy_n
        While fewer than this many participants qualify, the most active voters are added (ties: row order,
        which is participant-id order). Participants with no vote are never added.

    Examples
    --------
    >>> clustered_participants(np.array([9, 7, 6, 0]), 40, greedy_n=0).tolist()
    [True, True, False, False]
    >>> clustered_participants(np.array([9, 7, 6, 0]), 40, greedy_n=3).tolist()
    [True, True, True, False]
    """
    counts = np.asarray(seen_per_participant, dtype=np.int64)
    threshold = max(min(min_votes, n_statements), 1)
    mask = counts >= threshold
    missing = greedy_n - int(mask.sum())
    if missing > 0:
        candidates = np.flatnonzero(~mask & (counts > 0))
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        mask[order[:missing]] = True
    return mask

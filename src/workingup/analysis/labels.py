"""Keep group names stable between two updates of a growing dialogue.

k-means numbers its clusters arbitrarily, so without care "group A" could become "group B" after one more vote
and a facilitator's notes about group A would silently point at other people. After each update the new groups
are matched to the previous ones by shared members (Hungarian assignment maximising the overlap); a matched group
inherits its predecessor's label, an unmatched new group takes the smallest label no matched group uses.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["PreviousGroups", "match_labels"]


class PreviousGroups(Protocol):
    """What a new analysis needs of an earlier one to keep its group names: each participant's group.

    An `AnalysisResult` is one; so is what the services read back from a stored analysis (the process that
    made the earlier analysis may be gone), since nothing else of it is needed.
    """

    @property
    def labels(self) -> NDArray[np.int64]:
        """Each participant's group label, −1 for those not clustered; aligned with `participant_ids`."""
        ...

    @property
    def participant_ids(self) -> NDArray[Any]: ...


def match_labels(
    labels: NDArray[np.integer],
    participant_ids: NDArray[Any],
    previous_labels: NDArray[np.integer],
    previous_participant_ids: NDArray[Any],
) -> NDArray[np.int64]:
    """New group number → stable label, as an array indexed by the new group number (0…k-1).

    `labels` and `previous_labels` give each participant's group (-1: not clustered). Participants are matched
    by id, so people who joined or left in between do not matter. Only pairs sharing at least one member match.

    Examples
    --------
    >>> ids = np.array([1, 2, 3, 4, 5])
    >>> match_labels(np.array([0, 0, 1, 1, 1]), ids, np.array([1, 1, 0, 0, -1]), ids).tolist()
    [1, 0]
    """
    labels = np.asarray(labels, dtype=np.int64)
    n_new = int(labels.max(initial=-1)) + 1
    previous_labels = np.asarray(previous_labels, dtype=np.int64)
    old_names = np.unique(previous_labels[previous_labels >= 0])

    overlap = np.zeros((n_new, len(old_names)), dtype=np.int64)
    _common, here, there = np.intersect1d(participant_ids, previous_participant_ids, return_indices=True)
    new_g = labels[here]
    old_g = previous_labels[there]
    both = (new_g >= 0) & (old_g >= 0)
    if both.any():
        np.add.at(overlap, (new_g[both], np.searchsorted(old_names, old_g[both])), 1)

    mapping = np.full(n_new, -1, dtype=np.int64)
    if n_new and len(old_names):
        # SciPy's optimiser loads only when labels are matched.
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(overlap, maximize=True)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if overlap[r, c] > 0:
                mapping[r] = old_names[c]
    taken = set(mapping[mapping >= 0].tolist())
    free = (label for label in range(n_new + len(old_names) + 1) if label not in taken)
    for g in range(n_new):  # unmatched groups, largest first (the new numbering is by size)
        if mapping[g] < 0:
            mapping[g] = next(free)
    return mapping

"""Consensus: what (nearly) everyone agrees or disagrees with, and what every group agrees with.

Majority consensus (Pol.is `select-consensus-comments`): over every participant, a statement is an agree
consensus when pa > ½ and pat is significant; ranked by pa·pat (stable: statement order breaks ties), the top
`pick_max` kept; the disagree side mirrors it. Rejected and meta statements are never selected.

Group-informed consensus (Pol.is `group-aware-consensus`): GIC(c) = Π_g (na_g + 1)/(ns_g + 2) over the opinion
groups. A statement scores high only if *every* group leans to agree, which is why it is the bridging measure
facilitators look at first. It is reported for every statement, rejected ones included, as Pol.is does.

How passes count is configurable (compdemocracy/polis#1699): `pass_weight` = 1 is Pol.is (a pass is a trial
that did not agree, as heavy as a disagree), 0 leaves passes out of `ns`, ½ counts them as half a trial.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.counts import GroupCounts, probability, prop_test
from workingup.analysis.repness import Z_90

__all__ = ["ConsensusStatement", "MajorityConsensus", "group_informed_consensus", "majority_consensus"]


@dataclass(frozen=True)
class ConsensusStatement:
    statement_id: Any
    n_success: int
    n_trials: float
    """A whole number unless passes are weighted below 1."""
    p_success: float
    p_test: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MajorityConsensus:
    agree: tuple[ConsensusStatement, ...]
    disagree: tuple[ConsensusStatement, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"agree": [s.to_dict() for s in self.agree], "disagree": [s.to_dict() for s in self.disagree]}


def majority_consensus(
    counts: GroupCounts,
    statement_ids: NDArray[Any],
    eligible: NDArray[np.bool_],
    *,
    pick_max: int = 5,
    z: float = Z_90,
    pass_weight: float = 1.0,
) -> MajorityConsensus:
    """Top agree and disagree consensus statements; `counts` is a single group holding every participant."""
    total = counts.total()
    ns = total.trials(pass_weight)[0]
    columns = np.flatnonzero(eligible)

    def side(successes: NDArray[np.int64]) -> tuple[ConsensusStatement, ...]:
        p = probability(successes, ns)
        test = prop_test(successes, ns)
        candidates = columns[(p[columns] > 0.5) & (test[columns] > z)]
        metric = p[candidates] * test[candidates]
        chosen = candidates[np.argsort(-metric, kind="stable")][:pick_max]
        return tuple(
            ConsensusStatement(
                statement_id=statement_ids[c].item(),
                n_success=int(successes[c]),
                n_trials=_whole(ns[c]),
                p_success=float(p[c]),
                p_test=float(test[c]),
            )
            for c in chosen
        )

    return MajorityConsensus(agree=side(total.agree[0]), disagree=side(total.disagree[0]))


def group_informed_consensus(counts: GroupCounts, *, pass_weight: float = 1.0) -> NDArray[np.float64]:
    """Π over groups of (na_g + 1)/(ns_g + 2), one value per statement, always in (0, 1).

    Examples
    --------
    >>> from workingup.analysis.counts import GroupCounts
    >>> c = GroupCounts(np.array([[3], [1]]), np.array([[0], [1]]), np.array([[4], [2]]))
    >>> round(float(group_informed_consensus(c)[0]), 6)  # (4/6)·(2/4)
    0.333333
    """
    if counts.n_groups == 0:
        return np.full(counts.agree.shape[1], np.nan)
    return np.asarray(np.prod(probability(counts.agree, counts.trials(pass_weight)), axis=0))


def _whole(value: float) -> float:
    return int(value) if float(value).is_integer() else float(value)

"""The whole Pol.is-compatible analysis of a vote matrix, in one call.

Steps (docs/architecture.md §3.1): project (sparsity-aware PCA, rejected and meta columns zeroed) → choose who is clustered →
opinion groups → representativeness, majority consensus, group-informed consensus, divisiveness and
routing priority → stable labels. Nothing here is random (the groups' k-means starts use fixed seeds),
everything is single-threaded and rows are in participant-id order, so the same votes give a byte-identical
result in any process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.clustering import OpinionClusterer
from workingup.analysis.consensus import group_informed_consensus, majority_consensus
from workingup.analysis.counts import GroupCounts, count_by_group, probability
from workingup.analysis.labels import PreviousGroups, match_labels
from workingup.analysis.matrix import VoteMatrix
from workingup.analysis.participation import clustered_participants
from workingup.analysis.priority import routing_priority
from workingup.analysis.projection import SparsityAwarePCA
from workingup.analysis.repness import representativeness, select_representative
from workingup.analysis.result import AnalysisResult, OpinionGroup
from workingup.analysis.settings import STEPS, AnalysisSettings

__all__ = ["STEPS", "analyze"]


def analyze(
    matrix: VoteMatrix,
    settings: AnalysisSettings | None = None,
    *,
    previous: PreviousGroups | None = None,
    progress: Callable[[str], None] | None = None,
    **overrides: Any,
) -> AnalysisResult:
    """Analyse `matrix` the Pol.is way.

    Parameters
    ----------
    matrix
        The votes.
    settings
        Defaults to `AnalysisSettings()` (Pol.is's values); keyword `overrides` replace single settings, e.g.
        ``analyze(m, max_groups=8)``.
    previous
        The previous analysis of the same dialogue (an `AnalysisResult`, or anything with its `labels` and
        `participant_ids`): groups that keep most of their members keep their labels.
    progress
        Called with each step's name (see `STEPS`) as it starts.

    Examples
    --------
    >>> from workingup.simulation import simulate_dialogue
    >>> m = VoteMatrix.from_simulation(simulate_dialogue(120, 30, votes_per_participant=(20, 30), seed=1))
    >>> result = analyze(m)
    >>> result.n_groups, sum(g.size for g in result.groups) == int(result.clustered.sum())
    (2, True)
    """
    settings = replace(settings or AnalysisSettings(), **overrides)
    step = progress or (lambda _name: None)
    excluded = matrix.rejected | matrix.meta
    voters = matrix.seen_per_participant > 0
    has_votes = matrix.seen_per_statement > 0

    step("projection")
    pca = SparsityAwarePCA(n_components=2, zeroed_columns=np.flatnonzero(excluded))
    participant_xy = np.zeros((matrix.n_participants, 2))
    statement_xy = np.zeros((matrix.n_statements, 2))
    components = np.zeros((2, matrix.n_statements))
    mean = np.zeros(matrix.n_statements)
    if voters.any() and matrix.n_statements:
        voted = matrix.subset_participants(voters) if not voters.all() else matrix
        pca.fit(voted.votes)
        k = pca.n_components_
        participant_xy[:, :k] = pca.transform(matrix.votes)
        statement_xy[:, :k] = pca.statement_projection_
        components[:k] = pca.components_
        mean = pca.mean_
    extremity = np.sqrt(np.sum(statement_xy**2, axis=1))

    step("groups")
    clustered = clustered_participants(
        matrix.seen_per_participant,
        int(has_votes.sum()),
        min_votes=settings.min_votes,
        greedy_n=settings.greedy_n,
    )
    labels = np.full(matrix.n_participants, -1, dtype=np.int64)
    silhouettes: dict[int, float] = {}
    centers = np.zeros((0, 2))
    if clustered.any():
        clusterer = OpinionClusterer(
            max_groups=settings.max_groups,
            min_group_size=settings.min_group_size,
            n_init=settings.n_init,
        ).fit(participant_xy[clustered])
        labels[clustered] = clusterer.labels_
        silhouettes = clusterer.silhouettes_
        centers = clusterer.cluster_centers_
    n_groups = len(centers)

    step("statistics")
    counts = count_by_group(matrix, labels, n_groups)
    table = representativeness(counts)
    eligible = has_votes & ~excluded
    representative = select_representative(
        table, matrix.statement_ids, eligible, pick_max=settings.pick_max, z=settings.z_threshold
    )
    everyone = GroupCounts(  # majority consensus is over every participant, clustered or not
        matrix.agree_count[None, :], matrix.disagree_count[None, :], matrix.seen_per_statement[None, :]
    )
    consensus = majority_consensus(
        everyone,
        matrix.statement_ids,
        eligible,
        pick_max=settings.pick_max,
        z=settings.z_threshold,
        pass_weight=settings.pass_weight,
    )
    gic = group_informed_consensus(counts, pass_weight=settings.pass_weight)
    divisiveness = _divisiveness(counts, settings.pass_weight)
    priority = routing_priority(counts, extremity, matrix.meta)

    names = np.arange(n_groups, dtype=np.int64)
    if previous is not None and n_groups:
        names = match_labels(labels, matrix.participant_ids, previous.labels, previous.participant_ids)
    order = np.argsort(names, kind="stable")
    sizes = np.bincount(labels[labels >= 0], minlength=n_groups)
    groups = tuple(
        OpinionGroup(
            label=int(names[g]),
            size=int(sizes[g]),
            center=(float(centers[g, 0]), float(centers[g, 1])),
            representative=representative[g],
        )
        for g in order.tolist()
    )
    named = np.where(labels >= 0, names[np.maximum(labels, 0)] if n_groups else -1, -1)
    ordered_counts = GroupCounts(
        _frozen(counts.agree[order]), _frozen(counts.disagree[order]), _frozen(counts.seen[order])
    )

    return AnalysisResult(
        settings=settings,
        participant_ids=matrix.participant_ids,
        statement_ids=matrix.statement_ids,
        n_votes=matrix.n_votes,
        participant_xy=_frozen(participant_xy),
        statement_xy=_frozen(statement_xy),
        extremity=_frozen(extremity),
        pca_mean=_frozen(np.asarray(mean, dtype=np.float64)),
        pca_components=_frozen(components),
        clustered=_frozen(clustered),
        labels=_frozen(named.astype(np.int64)),
        groups=groups,
        silhouettes=MappingProxyType(dict(silhouettes)),
        group_counts=ordered_counts,
        agree=matrix.agree_count,
        disagree=matrix.disagree_count,
        passes=matrix.pass_count,
        rejected=matrix.rejected,
        meta=matrix.meta,
        consensus=consensus,
        group_informed_consensus=_frozen(gic),
        divisiveness=_frozen(divisiveness),
        priority=_frozen(priority),
    )


def _divisiveness(counts: GroupCounts, pass_weight: float) -> NDArray[np.float64]:
    if counts.n_groups < 2:
        return np.zeros(counts.agree.shape[1])
    p = probability(counts.agree, counts.trials(pass_weight))
    return np.asarray(p.max(axis=0) - p.min(axis=0))


def _frozen(array: NDArray[Any]) -> NDArray[Any]:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array

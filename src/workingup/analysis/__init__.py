"""The analysis engine: from a vote matrix to opinion groups, consensus and routing, Pol.is-compatible.

A library in its own right (docs/architecture.md §2): numpy/scipy/scikit-learn only, no database, no web, no global state,
seeded randomness only. Start with `VoteMatrix` and `analyze`.

>>> from workingup.analysis import VoteMatrix, analyze
>>> from workingup.simulation import simulate_dialogue
>>> result = analyze(VoteMatrix.from_simulation(simulate_dialogue(80, 20, votes_per_participant=(15, 20))))
>>> [g.name for g in result.groups]
['A', 'B']
"""

from typing import TYPE_CHECKING

from workingup.lazy import lazy_exports

if TYPE_CHECKING:
    from workingup.analysis.clustering import OpinionClusterer, canonical_labels
    from workingup.analysis.consensus import (
        ConsensusStatement,
        MajorityConsensus,
        group_informed_consensus,
        majority_consensus,
    )
    from workingup.analysis.counts import GroupCounts, count_by_group, probability, prop_test, two_prop_test
    from workingup.analysis.labels import PreviousGroups, match_labels
    from workingup.analysis.matrix import VoteMatrix
    from workingup.analysis.participation import clustered_participants
    from workingup.analysis.pipeline import analyze
    from workingup.analysis.priority import (
        META_PRIORITY,
        available_statements,
        draw_next_statement,
        routing_priority,
    )
    from workingup.analysis.projection import SparsityAwarePCA
    from workingup.analysis.repness import (
        RepnessTable,
        RepresentativeStatement,
        representativeness,
        select_representative,
    )
    from workingup.analysis.result import FORMAT, AnalysisResult, OpinionGroup
    from workingup.analysis.settings import MAX_GROUPS, SETTINGS_HELP, STEPS, Z_90, AnalysisSettings

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "clustering": (
            "OpinionClusterer",
            "canonical_labels",
        ),
        "consensus": (
            "ConsensusStatement",
            "MajorityConsensus",
            "group_informed_consensus",
            "majority_consensus",
        ),
        "counts": (
            "GroupCounts",
            "count_by_group",
            "probability",
            "prop_test",
            "two_prop_test",
        ),
        "labels": (
            "PreviousGroups",
            "match_labels",
        ),
        "matrix": ("VoteMatrix",),
        "participation": ("clustered_participants",),
        "pipeline": ("analyze",),
        "priority": (
            "META_PRIORITY",
            "available_statements",
            "draw_next_statement",
            "routing_priority",
        ),
        "projection": ("SparsityAwarePCA",),
        "repness": (
            "RepnessTable",
            "RepresentativeStatement",
            "representativeness",
            "select_representative",
        ),
        "result": (
            "FORMAT",
            "AnalysisResult",
            "OpinionGroup",
        ),
        "settings": ("MAX_GROUPS", "SETTINGS_HELP", "STEPS", "Z_90", "AnalysisSettings"),
    },
)

__all__ = [
    "FORMAT",
    "MAX_GROUPS",
    "META_PRIORITY",
    "SETTINGS_HELP",
    "STEPS",
    "Z_90",
    "AnalysisResult",
    "AnalysisSettings",
    "ConsensusStatement",
    "GroupCounts",
    "MajorityConsensus",
    "OpinionClusterer",
    "OpinionGroup",
    "PreviousGroups",
    "RepnessTable",
    "RepresentativeStatement",
    "SparsityAwarePCA",
    "VoteMatrix",
    "analyze",
    "available_statements",
    "canonical_labels",
    "clustered_participants",
    "count_by_group",
    "draw_next_statement",
    "group_informed_consensus",
    "majority_consensus",
    "match_labels",
    "probability",
    "prop_test",
    "representativeness",
    "routing_priority",
    "select_representative",
    "two_prop_test",
]

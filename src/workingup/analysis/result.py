"""What an analysis returns: immutable, self-describing, and serialised the same way every time.

Arrays are read-only numpy arrays indexed like the vote matrix (participants by id order, statements by id
order); `to_json()` writes them column-wise (one list per field) so that a dialogue with 100,000 participants still
serialises compactly, and writes floats with Python's shortest round-trip repr, so that two identical results
give byte-identical files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis.consensus import MajorityConsensus
from workingup.analysis.counts import GroupCounts
from workingup.analysis.repness import RepnessTable, RepresentativeStatement, representativeness
from workingup.analysis.settings import AnalysisSettings

__all__ = ["FORMAT", "AnalysisResult", "OpinionGroup", "group_name"]

FORMAT = "workingup.analysis/1"


@dataclass(frozen=True)
class OpinionGroup:
    """One opinion group: its stable label, its size, where it sits on the map and what sets it apart."""

    label: int
    size: int
    center: tuple[float, float]
    representative: tuple[RepresentativeStatement, ...]

    @property
    def name(self) -> str:
        """A, B, … Z, AA, AB, …: how facilitators refer to groups."""
        return group_name(self.label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "size": self.size,
            "center": list(self.center),
            "representative": [s.to_dict() for s in self.representative],
        }


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """The analysis of one vote matrix. Statement-indexed arrays follow `statement_ids`, participant-indexed
    arrays follow `participant_ids`, group-indexed rows follow `groups`."""

    settings: AnalysisSettings
    participant_ids: NDArray[Any]
    statement_ids: NDArray[Any]
    n_votes: int

    participant_xy: NDArray[np.float64]
    """Opinion-map coordinates of every participant, shape (n_participants, 2)."""
    statement_xy: NDArray[np.float64]
    """Where a participant agreeing with that statement alone would sit, shape (n_statements, 2)."""
    extremity: NDArray[np.float64]
    pca_mean: NDArray[np.float64]
    pca_components: NDArray[np.float64]
    """Shape (2, n_statements): project a new participant without re-running the analysis."""

    clustered: NDArray[np.bool_]
    labels: NDArray[np.int64]
    """Group label of every participant, -1 when not clustered."""
    groups: tuple[OpinionGroup, ...]
    silhouettes: Mapping[int, float]
    """Mean silhouette over the clustered participants for every admissible number of groups (read-only)."""
    group_counts: GroupCounts
    """Agree/disagree/seen counts per group (rows in `groups` order) and statement."""

    agree: NDArray[np.int64]
    disagree: NDArray[np.int64]
    passes: NDArray[np.int64]
    rejected: NDArray[np.bool_]
    meta: NDArray[np.bool_]

    consensus: MajorityConsensus
    group_informed_consensus: NDArray[np.float64]
    divisiveness: NDArray[np.float64]
    """Spread between the groups' agree probabilities (highest minus lowest)."""
    priority: NDArray[np.float64]

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def selectable(self) -> NDArray[np.bool_]:
        """Statements that can be reported: voted on, neither rejected nor meta."""
        return np.asarray((self.agree + self.disagree + self.passes > 0) & ~self.rejected & ~self.meta)

    def repness_table(self) -> RepnessTable:
        """pa, pd, pat, pdt, ra, rd, rat, rdt for every group (rows in `groups` order) and statement."""
        return representativeness(self.group_counts)

    def group(self, label: int) -> OpinionGroup:
        for g in self.groups:
            if g.label == label:
                return g
        raise KeyError(f"no group labelled {label}")

    def bridging(self, n: int = 5) -> NDArray[np.int64]:
        """Indices of the `n` selectable statements with the highest group-informed consensus."""
        return self._top(self.group_informed_consensus, n)

    def most_divisive(self, n: int = 5) -> NDArray[np.int64]:
        """Indices of the `n` selectable statements the groups disagree about most."""
        return self._top(self.divisiveness, n)

    def _top(self, score: NDArray[np.float64], n: int) -> NDArray[np.int64]:
        candidates = np.flatnonzero(self.selectable & np.isfinite(score))
        order = np.argsort(-score[candidates], kind="stable")
        return np.asarray(candidates[order][:n], dtype=np.int64)

    # ---------------------------------------------------------------------------------------------- output

    def to_dict(self) -> dict[str, Any]:
        counts = self.group_counts
        return {
            "format": FORMAT,
            "settings": self.settings.to_dict(),
            "n_participants": len(self.participant_ids),
            "n_statements": len(self.statement_ids),
            "n_votes": self.n_votes,
            "n_clustered": int(self.clustered.sum()),
            "silhouettes": {str(k): v for k, v in sorted(self.silhouettes.items())},
            "groups": [g.to_dict() for g in self.groups],
            "consensus": self.consensus.to_dict(),
            "participants": {
                "id": _list(self.participant_ids),
                "x": _list(self.participant_xy[:, 0]),
                "y": _list(self.participant_xy[:, 1]),
                "group": [None if g < 0 else g for g in self.labels.tolist()],
            },
            "statements": {
                "id": _list(self.statement_ids),
                "x": _list(self.statement_xy[:, 0]),
                "y": _list(self.statement_xy[:, 1]),
                "extremity": _list(self.extremity),
                "agree": _list(self.agree),
                "disagree": _list(self.disagree),
                "pass": _list(self.passes),
                "rejected": _list(self.rejected),
                "meta": _list(self.meta),
                "group_informed_consensus": _list(self.group_informed_consensus),
                "divisiveness": _list(self.divisiveness),
                "priority": _list(self.priority),
                "group_agree": [_list(row) for row in counts.agree],
                "group_disagree": [_list(row) for row in counts.disagree],
                "group_seen": [_list(row) for row in counts.seen],
            },
            "pca": {"mean": _list(self.pca_mean), "components": [_list(row) for row in self.pca_components]},
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """The whole result as JSON; identical results give identical text (NaN is written as null)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


def _list(array: NDArray[Any]) -> list[Any]:
    values = np.asarray(array)
    if values.dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in values.tolist()]
    plain: list[Any] = values.tolist()
    return plain


def group_name(label: int) -> str:
    """A, B, … Z, AA, AB, …: how facilitators refer to opinion groups."""
    name = ""
    label += 1
    while label > 0:
        label, remainder = divmod(label - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name

"""red-dwarf 0.4.0, the reference Python reimplementation of Pol.is, driven on the same inputs as ours.

Only glue lives here (building its pandas inputs from a VoteMatrix); every figure compared comes from its code.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workingup.analysis import VoteMatrix
from workingup.polis import read_polis

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # its pydantic models warn at import
    from reddwarf.implementations.polis import run_pipeline
    from reddwarf.utils.consensus import select_consensus_statements
    from reddwarf.utils.stats import calculate_comment_statistics_dataframes, select_representative_statements

__all__ = ["Conversation", "load", "reddwarf_consensus", "reddwarf_repness", "reddwarf_run_pipeline"]


@dataclass(frozen=True)
class Conversation:
    matrix: VoteMatrix
    polis_groups: np.ndarray
    """Pol.is's own group-id for every row, -1 where Pol.is did not cluster the participant."""
    gic: np.ndarray | None
    """Pol.is's group-informed-consensus per statement, when the export carries it."""

    @property
    def mod_out(self) -> list[int]:
        """red-dwarf's moderated-out list: rejected and meta statements (its `process_statements`)."""
        m = self.matrix
        return [int(i) for i in m.statement_ids[m.rejected | m.meta]]

    def raw_frame(self) -> pd.DataFrame:
        """red-dwarf's raw vote matrix: voters × voted statements, NaN where unseen, ids sorted."""
        m = self.matrix
        rows = m.seen_per_participant > 0
        cols = m.seen_per_statement > 0
        frame = pd.DataFrame(
            m.to_dense()[np.ix_(rows, cols)], index=m.participant_ids[rows], columns=m.statement_ids[cols]
        )
        frame.index.name = "participant_id"
        frame.columns.name = "statement_id"
        return frame


@functools.cache
def load(folder: Path) -> Conversation:
    """A shared conversation with Pol.is's groups (cached: several tests read the same one)."""
    conversation = read_polis(folder)
    matrix = VoteMatrix.from_polis(conversation)
    group_of = {p.participant_id: p.group_id for p in conversation.participants if p.group_id is not None}
    groups = np.array([group_of.get(int(i), -1) for i in matrix.participant_ids], dtype=np.int64)
    gic = [c.group_informed_consensus for c in conversation.comments]
    return Conversation(matrix, groups, None if None in gic else np.array(gic, dtype=np.float64))


def reddwarf_repness(conv: Conversation, labels: np.ndarray) -> dict[int, list[dict[str, Any]]]:
    """red-dwarf's representative statements given group labels (0…k-1, -1 = not clustered) per row."""
    raw = conv.raw_frame()
    row_labels = pd.Series(labels, index=conv.matrix.participant_ids).loc[raw.index].to_numpy()
    clustered = row_labels >= 0
    stats, _ = calculate_comment_statistics_dataframes(raw.loc[clustered], row_labels[clustered])
    return select_representative_statements(stats, conv.mod_out)


def reddwarf_consensus(conv: Conversation) -> dict[str, list[dict[str, Any]]]:
    return dict(select_consensus_statements(conv.raw_frame(), conv.mod_out))


def reddwarf_run_pipeline(conv: Conversation) -> Any:
    """Its whole pipeline with an exact PCA (it would otherwise pick a randomized solver on larger matrices)."""
    m = conv.matrix
    p, s = np.nonzero(~np.isnan(m.to_dense()))
    values = m.to_dense()[p, s]
    votes = [
        {"participant_id": int(m.participant_ids[i]), "statement_id": int(m.statement_ids[j]), "vote": int(v)}
        for i, j, v in zip(p.tolist(), s.tolist(), values.tolist(), strict=True)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation warnings from inside red-dwarf
        return run_pipeline(
            votes=votes,
            mod_out_statement_ids=conv.mod_out,
            meta_statement_ids=[int(i) for i in m.statement_ids[m.meta]],
            reducer_kwargs={"svd_solver": "full"},
            random_state=0,
        )

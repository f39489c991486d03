"""Running the analysis on a dialogue's current votes, keeping the result, and reading the latest one back.

Each result — the opinion analysis (`workingup.analysis.FORMAT`) and the three-lens convergence verdict, as
`services.analysis.DialogueAnalysis.to_json()` writes them — is stored in `analysis_run`, so every server process
and every restart sees the same latest analysis and its time: the dashboard, the public results and the routing
priority all read it from there. Only the newest KEEP runs of a dialogue are kept. Each run continues the group
names of the latest stored one (`stored_groups`), so group A stays group A across runs, restarts and processes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from workingup.analysis import FORMAT, AnalysisResult, PreviousGroups
from workingup.services.analysis import analyze_votes, load_votes
from workingup.services.stored_analysis import StoredAnalysis
from workingup.store import models
from workingup.store.queries import all_dialogues

log = logging.getLogger(__name__)
KEEP = 5
MIN_VOTERS = 2


def run_analysis(
    session: Session, dialogue: models.Dialogue, previous: PreviousGroups | None = None
) -> tuple[models.AnalysisRun, AnalysisResult] | None:
    """Analyse (opinion groups, then the three-lens convergence verdict) and store; None when fewer than
    MIN_VOTERS people have voted (nothing to analyse yet). Groups are named after `previous`'s when given."""
    votes = load_votes(session, dialogue)
    if votes.matrix.n_participants < MIN_VOTERS:
        return None
    with threadpool_limits(1):
        done = analyze_votes(votes, dialogue_id=dialogue.id, previous=previous)
    run = models.AnalysisRun(
        dialogue_id=dialogue.id,
        n_participants=votes.matrix.n_participants,
        n_votes=votes.matrix.n_votes,
        n_groups=done.analysis.n_groups,
        format=FORMAT,
        result=done.to_json(),
    )
    session.add(run)
    session.flush()
    stale = select(models.AnalysisRun.id).where(models.AnalysisRun.dialogue_id == dialogue.id)
    keep = list(session.scalars(stale.order_by(models.AnalysisRun.id.desc()).limit(KEEP)))
    session.execute(
        delete(models.AnalysisRun).where(
            models.AnalysisRun.dialogue_id == dialogue.id, models.AnalysisRun.id.not_in(keep)
        )
    )
    return run, done.analysis


def refresh_analysis(session: Session, dialogue_id: int) -> models.AnalysisRun | None:
    """Analyse the dialogue again, its groups named as in its latest stored run, and store the result.

    None when the dialogue no longer exists or has too few voters. This is what the background refresh and
    *Analyse now* run, in whichever process: everything it needs is in the database.
    """
    dialogue = session.get(models.Dialogue, dialogue_id)
    if dialogue is None:
        return None
    done = run_analysis(session, dialogue, stored_groups(session, dialogue_id))
    return None if done is None else done[0]


@dataclass(frozen=True)
class StoredGroups:
    """Each participant's group in a stored run (a `PreviousGroups`): −1 for those it did not cluster."""

    labels: NDArray[np.int64]
    participant_ids: NDArray[np.int64]


def stored_groups(session: Session, dialogue_id: int) -> StoredGroups | None:
    """The groups of the dialogue's latest stored run, to name the next run's groups after; None before the
    first run, or when the latest one is in an older format (the next run then names its groups afresh)."""
    run = latest_run(session, dialogue_id)
    if run is None:
        return None
    try:
        participants = StoredAnalysis.of(run).opinions.participants
    except (ValueError, KeyError, TypeError) as error:
        log.info("analysis run %s gives no group names to keep: %s", run.id, error)
        return None
    ids = np.asarray(participants.id, dtype=np.int64)
    labels = np.array([-1 if g is None else g for g in participants.group], dtype=np.int64)
    if labels.shape != ids.shape:
        log.info("analysis run %s gives no group names to keep: ids and groups differ in length", run.id)
        return None
    return StoredGroups(labels=labels, participant_ids=ids)


def latest_run(session: Session, dialogue_id: int) -> models.AnalysisRun | None:
    return session.scalars(
        select(models.AnalysisRun)
        .where(models.AnalysisRun.dialogue_id == dialogue_id)
        .order_by(models.AnalysisRun.id.desc())
        .limit(1)
    ).first()


def latest_run_id(session: Session, dialogue_id: int) -> int | None:
    return session.scalar(
        select(models.AnalysisRun.id)
        .where(models.AnalysisRun.dialogue_id == dialogue_id)
        .order_by(models.AnalysisRun.id.desc())
        .limit(1)
    )


def dialogues_needing_analysis(session: Session) -> list[int]:
    """Dialogues with a vote newer than their latest analysis (or with votes and no analysis at all).

    One indexed look-up per dialogue (its newest vote, its newest run) rather than a GROUP BY over every vote of
    every dialogue, which read millions of index entries at each start when a big import sat beside the demo.
    """
    needing = []
    for dialogue_id in (d.id for d in all_dialogues(session)):
        voted_at = session.execute(
            select(models.Vote.created_at)
            .where(models.Vote.dialogue_id == dialogue_id)
            .order_by(models.Vote.id.desc())
            .limit(1)
        ).first()
        if voted_at is None:
            continue
        run = latest_run_created(session, dialogue_id)
        if run is None or (voted_at[0] is not None and voted_at[0] > run):
            needing.append(dialogue_id)
    return needing


def latest_run_created(session: Session, dialogue_id: int) -> datetime | None:
    return session.scalar(
        select(models.AnalysisRun.created_at)
        .where(models.AnalysisRun.dialogue_id == dialogue_id)
        .order_by(models.AnalysisRun.id.desc())
        .limit(1)
    )

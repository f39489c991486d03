"""Reading what the services need, as plain values: counts, the current vote matrix, the vote history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from workingup.domain import Moderation, Role
from workingup.store.models import CurrentVote, Dialogue, Participant, Statement, Vote

STAGING_PREFIX = "~importing-"
"""The slug of a dialogue an import is still writing: no valid slug starts with "~", so no URL or command reaches
it, and no list shows it, until the import's last transaction gives it its real slug (services/polis_io.py)."""


def dialogue_by_slug(session: Session, slug: str) -> Dialogue | None:
    if slug.startswith(STAGING_PREFIX):
        return None
    return session.scalars(select(Dialogue).where(Dialogue.slug == slug)).one_or_none()


def all_dialogues(session: Session) -> list[Dialogue]:
    """Every dialogue but those an import is still writing."""
    return list(
        session.scalars(
            select(Dialogue).where(Dialogue.slug.not_like(f"{STAGING_PREFIX}%")).order_by(Dialogue.id)
        )
    )


@dataclass(frozen=True, slots=True)
class VoteCounts:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passed


def statement_vote_counts(session: Session, dialogue_id: int) -> dict[int, VoteCounts]:
    """Current (not historical) votes per statement."""
    rows = session.execute(
        select(
            CurrentVote.statement_id,
            func.sum(case((CurrentVote.value == 1, 1), else_=0)),
            func.sum(case((CurrentVote.value == -1, 1), else_=0)),
            func.sum(case((CurrentVote.value == 0, 1), else_=0)),
        )
        .where(CurrentVote.dialogue_id == dialogue_id)
        .group_by(CurrentVote.statement_id)
    )
    return {sid: VoteCounts(int(a), int(d), int(p)) for sid, a, d, p in rows}


def current_votes(
    session: Session, dialogue_id: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """(participant id, statement id, value) of every current vote, sorted by participant then statement."""
    rows = session.execute(
        select(CurrentVote.participant_id, CurrentVote.statement_id, CurrentVote.value)
        .where(CurrentVote.dialogue_id == dialogue_id)
        .order_by(CurrentVote.participant_id, CurrentVote.statement_id)
    ).all()
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8)
    array = np.asarray(rows, dtype=np.int64)
    return array[:, 0].copy(), array[:, 1].copy(), array[:, 2].astype(np.int8)


def vote_history(
    session: Session, dialogue_id: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8], list[datetime | None]]:
    """Every vote event in the order it was recorded (vote id order)."""
    rows = session.execute(
        select(Vote.participant_id, Vote.statement_id, Vote.value, Vote.created_at)
        .where(Vote.dialogue_id == dialogue_id)
        .order_by(Vote.id)
    ).all()
    return (
        np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
        np.fromiter((r[2] for r in rows), dtype=np.int8, count=len(rows)),
        [r[3] for r in rows],
    )


@dataclass(frozen=True, slots=True)
class DialogueCounts:
    participants: int
    simulated_participants: int
    participants_by_role: dict[Role, int]
    statements: int
    statements_by_moderation: dict[Moderation, int]
    vote_events: int
    current_votes: int
    simulated_votes: int
    voters: int

    @property
    def any_simulated(self) -> bool:
        return self.simulated_participants > 0 or self.simulated_votes > 0


def has_simulated(session: Session, dialogue_id: int) -> bool:
    """Whether any participant or vote of the dialogue is simulated: two index-bounded EXISTS, cheap enough for
    every page that must carry the simulated-data banner (counting every vote, as `dialogue_counts` does, is not)."""
    participants = select(Participant.id).where(
        Participant.dialogue_id == dialogue_id, Participant.simulated.is_(True)
    )
    votes = select(Vote.id).where(Vote.dialogue_id == dialogue_id, Vote.simulated.is_(True))
    return bool(session.scalar(select(participants.exists() | votes.exists())))


def dialogue_counts(session: Session, dialogue_id: int) -> DialogueCounts:
    by_role: dict[Role, int] = dict(
        session.execute(
            select(Participant.role, func.count())
            .where(Participant.dialogue_id == dialogue_id)
            .group_by(Participant.role)
        ).all()
    )
    simulated_participants = session.scalar(
        select(func.count()).where(Participant.dialogue_id == dialogue_id, Participant.simulated.is_(True))
    )
    by_moderation: dict[Moderation, int] = dict(
        session.execute(
            select(Statement.moderation, func.count())
            .where(Statement.dialogue_id == dialogue_id)
            .group_by(Statement.moderation)
        ).all()
    )
    events, simulated_votes = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Vote.simulated.is_(True), 1), else_=0)), 0)).where(
            Vote.dialogue_id == dialogue_id
        )
    ).one()
    current, voters = session.execute(
        select(func.count(), func.count(func.distinct(CurrentVote.participant_id))).where(
            CurrentVote.dialogue_id == dialogue_id
        )
    ).one()
    return DialogueCounts(
        participants=sum(by_role.values()),
        simulated_participants=int(simulated_participants or 0),
        participants_by_role={role: int(by_role.get(role, 0)) for role in Role},
        statements=sum(by_moderation.values()),
        statements_by_moderation={m: int(by_moderation.get(m, 0)) for m in Moderation},
        vote_events=int(events),
        current_votes=int(current),
        simulated_votes=int(simulated_votes),
        voters=int(voters),
    )

"""The agenda's activity log: one line per thing that happened, in order, for the tracker and the report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.store import models
from workingup.store.agenda import ActivityRow


def log_activity(
    session: Session,
    dialogue: models.Dialogue,
    kind: str,
    message: str,
    *,
    actor: str | None = None,
    recommendation_id: int | None = None,
    commitment_id: int | None = None,
    public: bool = True,
) -> ActivityRow:
    row = ActivityRow(
        dialogue_id=dialogue.id,
        kind=kind,
        message=message,
        actor=actor,
        recommendation_id=recommendation_id,
        commitment_id=commitment_id,
        public=public,
    )
    session.add(row)
    session.flush()
    return row


def activity(
    session: Session, dialogue: models.Dialogue, *, public_only: bool = False, limit: int | None = None
) -> list[ActivityRow]:
    """Newest first."""
    query = select(ActivityRow).where(ActivityRow.dialogue_id == dialogue.id)
    if public_only:
        query = query.where(ActivityRow.public.is_(True))
    query = query.order_by(ActivityRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))

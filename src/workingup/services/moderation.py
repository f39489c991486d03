"""The moderation queue: find statements page by page, accept or reject many at once, add seed and meta ones.

Rejected statements are never deleted: their votes stay in the history and the analysis zeroes their column
(docs/architecture.md §3.1). Bulk actions name the statements by id and refuse ids from another dialogue rather than skipping
them, so a facilitator never believes something was moderated that was not.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from workingup.domain import MAX_ID, Moderation, StatementKind
from workingup.services.errors import NotFound, ServiceError
from workingup.services.statement_rules import focus_area_id, statement_text
from workingup.store import models

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class QueueFilter:
    moderation: Moderation | None = Moderation.UNMODERATED
    focus_area: str | None = None
    kind: StatementKind | None = None
    origin: str | None = None
    """"participant", "seed" or None for both"""
    meta: bool | None = None
    query: str = ""


@dataclass(frozen=True)
class QueueRow:
    statement: models.Statement
    focus_area: str | None
    votes: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _filtered(dialogue: models.Dialogue, f: QueueFilter) -> Select[models.Statement]:
    query = select(models.Statement).where(models.Statement.dialogue_id == dialogue.id)
    if f.moderation is not None:
        query = query.where(models.Statement.moderation == f.moderation)
    if f.focus_area:
        matches = [fa.id for fa in dialogue.focus_areas if fa.key == f.focus_area]
        if not matches:
            raise ServiceError(f"unknown focus area {f.focus_area!r}")
        query = query.where(models.Statement.focus_area_id == matches[0])
    if f.kind is not None:
        query = query.where(models.Statement.kind == f.kind)
    if f.origin == "seed":
        query = query.where(models.Statement.is_seed.is_(True))
    elif f.origin == "participant":
        query = query.where(models.Statement.is_seed.is_(False))
    elif f.origin is not None:
        raise ServiceError(f"origin must be 'seed' or 'participant', not {f.origin!r}")
    if f.meta is not None:
        query = query.where(models.Statement.is_meta.is_(f.meta))
    if f.query.strip():
        escaped = f.query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(models.Statement.text).like(f"%{escaped}%", escape="\\"))
    return query


def queue(
    session: Session, dialogue: models.Dialogue, f: QueueFilter, page: int = 1, page_size: int = PAGE_SIZE
) -> QueuePage:
    if page < 1:
        raise ServiceError("pages start at 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ServiceError(f"a page holds 1 to {MAX_PAGE_SIZE} statements")
    base = _filtered(dialogue, f)
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    statements = session.scalars(
        base.order_by(models.Statement.created_at, models.Statement.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    ids = [st.id for st in statements]
    votes = dict(
        session.execute(
            select(models.CurrentVote.statement_id, func.count())
            .where(models.CurrentVote.dialogue_id == dialogue.id, models.CurrentVote.statement_id.in_(ids))
            .group_by(models.CurrentVote.statement_id)
        ).all()
    )
    titles = {fa.id: fa.title for fa in dialogue.focus_areas}
    rows = [
        QueueRow(st, titles.get(st.focus_area_id) if st.focus_area_id else None, int(votes.get(st.id, 0)))
        for st in statements
    ]
    return QueuePage(rows=rows, page=page, page_size=page_size, total=total)


def statement_texts(session: Session, dialogue: models.Dialogue) -> dict[int, str]:
    """Every statement's text by id, whatever its moderation: a stored analysis names statements by id only."""
    return dict(
        session.execute(
            select(models.Statement.id, models.Statement.text).where(
                models.Statement.dialogue_id == dialogue.id
            )
        ).all()
    )


def most_voted(session: Session, dialogue: models.Dialogue, limit: int) -> list[tuple[str, int]]:
    """(text, current votes) of the statements with the most current votes, most first, ties by id.

    Counted from `current_vote` of this dialogue alone, which its (dialogue, statement) index answers without
    reading the table: joined from `statement` instead, the count read every current vote of every dialogue once
    per statement (issue 18: 32 s with a 2M-vote dialogue beside the demo).
    """
    votes = func.count().label("votes")
    top = (
        select(models.CurrentVote.statement_id, votes)
        .where(models.CurrentVote.dialogue_id == dialogue.id)
        .group_by(models.CurrentVote.statement_id)
        .order_by(votes.desc(), models.CurrentVote.statement_id)
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(models.Statement.text, top.c.votes)
        .join(top, top.c.statement_id == models.Statement.id)
        .order_by(top.c.votes.desc(), models.Statement.id)
    ).all()
    return [(text, int(n)) for text, n in rows]


BULK_ACTIONS = ("accept", "reject", "unmoderate", "meta", "not-meta")


def bulk_moderate(session: Session, dialogue: models.Dialogue, ids: list[int], action: str) -> int:
    """Apply `action` to every statement in `ids`; all of them must belong to the dialogue."""
    if action not in BULK_ACTIONS:
        raise ServiceError(f"action must be one of {', '.join(BULK_ACTIONS)}, not {action!r}")
    if not ids:
        raise ServiceError("choose at least one statement")
    unique = sorted(set(ids))
    if not all(1 <= i <= MAX_ID for i in unique):
        raise NotFound("statement ids are whole numbers from 1; nothing was changed")
    statements = session.scalars(
        select(models.Statement).where(
            models.Statement.id.in_(unique), models.Statement.dialogue_id == dialogue.id
        )
    ).all()
    if len(statements) != len(unique):
        missing = sorted(set(unique) - {st.id for st in statements})
        raise NotFound(f"no statement {', '.join(map(str, missing))} in this dialogue; nothing was changed")
    for st in statements:
        if action == "accept":
            st.moderation = Moderation.ACCEPTED
        elif action == "reject":
            st.moderation = Moderation.REJECTED
        elif action == "unmoderate":
            st.moderation = Moderation.UNMODERATED
        else:
            st.is_meta = action == "meta"
    return len(statements)


def add_seed_statement(
    session: Session,
    dialogue: models.Dialogue,
    text: str,
    *,
    focus_area: str | None,
    kind: StatementKind = StatementKind.PROPOSAL,
    is_meta: bool = False,
) -> models.Statement:
    """A facilitator's statement: accepted at once, marked as seed (or meta, about the process itself)."""
    text = statement_text(text, minimum=1)
    focus_id = focus_area_id(dialogue, focus_area)
    statement = models.Statement(
        dialogue_id=dialogue.id,
        text=text,
        focus_area_id=focus_id,
        kind=kind,
        moderation=Moderation.ACCEPTED,
        is_seed=True,
        is_meta=is_meta,
    )
    session.add(statement)
    session.flush()
    return statement

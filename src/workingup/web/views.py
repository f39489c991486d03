"""What a dialogue page shows, assembled from the store as plain values for the templates and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.store import models
from workingup.store.queries import DialogueCounts, VoteCounts, dialogue_counts, statement_vote_counts


@dataclass(frozen=True)
class StatementView:
    id: int
    text: str
    kind: str | None
    moderation: str
    is_seed: bool
    votes: VoteCounts


@dataclass(frozen=True)
class FocusAreaView:
    key: str
    title: str
    description: str
    inquiry_areas: list[str]
    statements: list[StatementView]


@dataclass(frozen=True)
class DialogueView:
    slug: str
    title: str
    description: str
    phase: str
    ground_rules: list[str]
    focus_areas: list[FocusAreaView]
    unfiled: list[StatementView]
    counts: DialogueCounts


def dialogue_view(session: Session, dialogue: models.Dialogue) -> DialogueView:
    votes = statement_vote_counts(session, dialogue.id)
    statements = session.scalars(
        select(models.Statement)
        .where(models.Statement.dialogue_id == dialogue.id)
        .order_by(models.Statement.id)
    ).all()
    by_focus: dict[int | None, list[StatementView]] = {}
    for st in statements:
        by_focus.setdefault(st.focus_area_id, []).append(
            StatementView(
                id=st.id,
                text=st.text,
                kind=st.kind.value if st.kind else None,
                moderation=st.moderation.value,
                is_seed=st.is_seed,
                votes=votes.get(st.id, VoteCounts()),
            )
        )
    return DialogueView(
        slug=dialogue.slug,
        title=dialogue.title,
        description=dialogue.description,
        phase=dialogue.phase.label,
        ground_rules=list(dialogue.ground_rules),
        focus_areas=[
            FocusAreaView(
                key=fa.key,
                title=fa.title,
                description=fa.description,
                inquiry_areas=[ia.title for ia in fa.inquiry_areas],
                statements=by_focus.get(fa.id, []),
            )
            for fa in dialogue.focus_areas
        ],
        unfiled=by_focus.get(None, []),
        counts=dialogue_counts(session, dialogue.id),
    )

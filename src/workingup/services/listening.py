"""Listening sessions as a dialogue lives them: capture, import, themes, and candidate statements into the dialogue.

The pure work (parsing, embedding, clustering, quoting) is `workingup.themes`; this module keeps its inputs and
results in the store and links what the table adopts back to the exact words people said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.domain import (
    DialogueDefinition,
    FocusArea,
    InquiryArea,
    Moderation,
    Sector,
    SeedStatement,
    StatementKind,
)
from workingup.services.errors import NotFound, ServiceError
from workingup.store import models
from workingup.store.listening import ContributionRow, ListeningSessionRow, StatementOriginRow, ThemeRunRow
from workingup.themes import (
    CandidateStatement,
    Contribution,
    NearDuplicateIndex,
    ThemeResult,
    candidate_statements,
    find_themes,
    map_to_focus_areas,
    read_contributions,
    sample_session,
)
from workingup.themes.methods import Method


def create_session(
    session: Session,
    dialogue: models.Dialogue,
    *,
    held_on: date,
    place: str,
    facilitator: str,
    consent_recorded: bool,
    consent_to_name: bool = False,
    demographics: Sequence[tuple[str, str]] = (),
    notes: str = "",
    illustrative: bool = False,
) -> ListeningSessionRow:
    if not place.strip() or not facilitator.strip():
        raise ServiceError("a listening session needs a place (or format) and a facilitator")
    if consent_to_name and not consent_recorded:
        raise ServiceError("naming a session in the report needs the participants' recorded consent")
    row = ListeningSessionRow(
        dialogue_id=dialogue.id,
        held_on=held_on,
        place=place.strip(),
        facilitator=facilitator.strip(),
        consent_recorded=consent_recorded,
        consent_to_name=consent_to_name,
        demographics=[list(pair) for pair in demographics],
        notes=notes,
        illustrative=illustrative,
    )
    session.add(row)
    session.flush()
    return row


def get_session(session: Session, dialogue: models.Dialogue, session_id: int) -> ListeningSessionRow:
    row = session.get(ListeningSessionRow, session_id)
    if row is None or row.dialogue_id != dialogue.id:
        raise NotFound(f"no listening session {session_id} in dialogue {dialogue.slug!r}")
    return row


def sessions_of(session: Session, dialogue: models.Dialogue) -> list[ListeningSessionRow]:
    return list(
        session.scalars(
            select(ListeningSessionRow)
            .where(ListeningSessionRow.dialogue_id == dialogue.id)
            .order_by(ListeningSessionRow.held_on, ListeningSessionRow.id)
        )
    )


def add_contributions(
    session: Session, listening: ListeningSessionRow, contributions: Sequence[Contribution]
) -> list[ContributionRow]:
    """Store parsed contributions; ids a file gave that this session already uses are refused before anything is
    written.

    Contributions the file gave no id (a text file, a CSV without an id column, typed ones) are numbered by the
    reader from 1; here they are numbered on after the session's highest number instead, so a second such file
    into the same session (the notes of a second table, a late page) adds to it rather than clashing with the
    first."""
    taken = set(
        session.scalars(
            select(ContributionRow.external_id).where(
                ContributionRow.session_id == listening.id, ContributionRow.external_id.is_not(None)
            )
        )
    )
    after = max((int(t) for t in taken if t is not None and t.isdigit()), default=0)
    ids = [str(c.id + after) if isinstance(c.id, int) else c.id for c in contributions]
    clashes = sorted(set(ids) & taken)
    if clashes:
        raise ServiceError(
            f"listening session {listening.id} already has contributions with id {', '.join(clashes[:5])}"
        )
    rows = [
        ContributionRow(
            session_id=listening.id,
            external_id=external_id,
            speaker=c.speaker,
            text=c.text,
            attributes=[list(pair) for pair in c.attributes],
            line=c.line,
        )
        for c, external_id in zip(contributions, ids, strict=True)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def import_contributions(
    session: Session, listening: ListeningSessionRow, path: str | Path
) -> list[ContributionRow]:
    """Read a CSV or text file and store it; a bad file raises ContributionFormatError and writes nothing."""
    return add_contributions(session, listening, read_contributions(Path(path)))


def add_typed_contribution(
    session: Session, listening: ListeningSessionRow, text: str, speaker: str | None = None
) -> ContributionRow:
    """One contribution typed by the facilitator during or after the session."""
    next_id = f"typed-{len(listening.contributions) + 1}"
    return add_contributions(
        session, listening, [Contribution(id=next_id, text=text.strip(), speaker=speaker)]
    )[0]


def load_sample(session: Session, dialogue: models.Dialogue) -> ListeningSessionRow:
    """The shipped illustrative session (written for this project, marked as such everywhere it is shown)."""
    sample = sample_session()
    row = create_session(
        session,
        dialogue,
        held_on=sample.held_on,
        place=sample.place,
        facilitator=sample.facilitator,
        consent_recorded=sample.consent_recorded,
        consent_to_name=False,
        demographics=sample.demographics,
        notes=sample.notes,
        illustrative=True,
    )
    add_contributions(session, row, sample.contributions)
    return row


def dialogue_contributions(session: Session, dialogue: models.Dialogue) -> list[Contribution]:
    """Every quotable contribution of the dialogue, identified by its store id (sessions without consent left out)."""
    rows = session.execute(
        select(ContributionRow)
        .join(ListeningSessionRow, ListeningSessionRow.id == ContributionRow.session_id)
        .where(ListeningSessionRow.dialogue_id == dialogue.id, ListeningSessionRow.consent_recorded.is_(True))
        .order_by(ContributionRow.id)
    ).scalars()
    return [
        Contribution(
            id=row.id, text=row.text, speaker=row.speaker, attributes=tuple((a, b) for a, b in row.attributes)
        )
        for row in rows
    ]


def definition_of(
    dialogue: models.Dialogue, statements: Sequence[models.Statement] = ()
) -> DialogueDefinition:
    """The dialogue as it stands in the store, in the shape the theme mapping reads."""
    focus_keys = {fa.id: fa.key for fa in dialogue.focus_areas}
    return DialogueDefinition(
        slug=dialogue.slug,
        title=dialogue.title,
        description=dialogue.description,
        ground_rules=tuple(dialogue.ground_rules),
        focus_areas=tuple(
            FocusArea(
                key=fa.key,
                title=fa.title,
                description=fa.description,
                inquiry_areas=tuple(InquiryArea(key=ia.key, title=ia.title) for ia in fa.inquiry_areas),
            )
            for fa in dialogue.focus_areas
        ),
        sectors=tuple(Sector(key=s.key, label=s.label, seats=s.seats) for s in dialogue.sectors),
        statements=tuple(
            SeedStatement(
                text=s.text, focus_area=focus_keys[s.focus_area_id], kind=s.kind or StatementKind.PROPOSAL
            )
            for s in statements
            if s.focus_area_id in focus_keys and s.moderation != Moderation.REJECTED
        ),
    )


@dataclass(frozen=True)
class ThemeRun:
    id: int
    method: str
    result: ThemeResult
    focus: tuple[dict[str, Any], ...]


def run_themes(session: Session, dialogue: models.Dialogue, *, method: Method = "tfidf") -> ThemeRun:
    """Find themes in every quotable contribution of the dialogue and keep the result."""
    contributions = dialogue_contributions(session, dialogue)
    if not contributions:
        raise ServiceError(
            f"dialogue {dialogue.slug!r} has no contributions with recorded consent to find themes in"
        )
    result = find_themes(contributions, method=method)
    focus: tuple[dict[str, Any], ...] = ()
    if dialogue.focus_areas:
        statements = _statements(session, dialogue)
        focus = tuple(
            m.to_dict()
            for m in map_to_focus_areas(result, definition_of(dialogue, statements), method=method)
        )
    row = ThemeRunRow(
        dialogue_id=dialogue.id,
        method=result.method,
        n_contributions=len(contributions),
        result=result.to_dict(),
        focus=list(focus),
    )
    session.add(row)
    session.flush()
    return ThemeRun(row.id, row.method, result, focus)


def latest_themes(session: Session, dialogue: models.Dialogue) -> ThemeRun | None:
    row = session.scalars(
        select(ThemeRunRow)
        .where(ThemeRunRow.dialogue_id == dialogue.id)
        .order_by(ThemeRunRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return ThemeRun(row.id, row.method, ThemeResult.from_dict(row.result), tuple(row.focus))


def _statements(session: Session, dialogue: models.Dialogue) -> list[models.Statement]:
    return list(
        session.scalars(
            select(models.Statement)
            .where(models.Statement.dialogue_id == dialogue.id)
            .order_by(models.Statement.id)
        )
    )


def candidates_for(
    session: Session, dialogue: models.Dialogue, run: ThemeRun, theme_id: int, *, limit: int = 5
) -> tuple[CandidateStatement, ...]:
    """Verbatim sentences from a theme's quotes, each with the existing statements it may duplicate."""
    theme = next((t for t in run.result.themes if t.id == theme_id), None)
    if theme is None:
        raise NotFound(f"theme run {run.id} has no theme {theme_id}")
    statements = [s for s in _statements(session, dialogue) if s.moderation != Moderation.REJECTED]
    existing = (
        NearDuplicateIndex([s.text for s in statements], ids=[s.id for s in statements])
        if statements
        else None
    )
    return candidate_statements(theme, limit=limit, existing=existing)


def adopt_candidate(
    session: Session,
    dialogue: models.Dialogue,
    run: ThemeRun,
    candidate: CandidateStatement,
    *,
    text: str | None = None,
    focus_area: str | None = None,
    kind: StatementKind | None = None,
) -> models.Statement:
    """Add a candidate (optionally edited) to the dialogue as an accepted statement, linked to the exact words."""
    contribution = session.get(ContributionRow, int(candidate.contribution_id))
    if contribution is None or contribution.session.dialogue_id != dialogue.id:
        raise NotFound(f"contribution {candidate.contribution_id} is not in dialogue {dialogue.slug!r}")
    quote = contribution.text[candidate.start : candidate.end]
    if quote != candidate.text:
        raise ServiceError("the candidate no longer matches its contribution's words; run the themes again")
    wording = (text if text is not None else candidate.text).strip()
    if not wording:
        raise ServiceError("a statement needs text")
    focus_id = None
    if focus_area is None:
        match = next((m for m in run.focus if m.get("theme_id") == candidate.theme_id), None)
        focus_area = match.get("focus_area") if match else None
    if focus_area is not None:
        found = next((fa for fa in dialogue.focus_areas if fa.key == focus_area), None)
        if found is None:
            raise NotFound(f"dialogue {dialogue.slug!r} has no focus area {focus_area!r}")
        focus_id = found.id
    statement = models.Statement(
        dialogue_id=dialogue.id,
        text=wording,
        focus_area_id=focus_id,
        kind=kind or candidate.suggested_kind,
        moderation=Moderation.ACCEPTED,
        is_seed=True,
    )
    session.add(statement)
    session.flush()
    session.add(
        StatementOriginRow(
            statement_id=statement.id,
            theme_run_id=run.id,
            theme_id=candidate.theme_id,
            contribution_id=contribution.id,
            quote_start=candidate.start,
            quote_end=candidate.end,
            quote=quote,
        )
    )
    session.flush()
    return statement


def origins(session: Session, dialogue: models.Dialogue) -> list[tuple[models.Statement, StatementOriginRow]]:
    """Statements that came from listening sessions, with where they came from."""
    return [
        (statement, origin)
        for statement, origin in session.execute(
            select(models.Statement, StatementOriginRow)
            .join(StatementOriginRow, StatementOriginRow.statement_id == models.Statement.id)
            .where(models.Statement.dialogue_id == dialogue.id)
            .order_by(models.Statement.id)
        ).all()
    ]

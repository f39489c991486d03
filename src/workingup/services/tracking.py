"""Action tracking: who committed to what, by when, how far it got, and the evidence — in public.

Every change is logged (services/log.py), so the tracker shows a history rather than a state that was simply
overwritten. What participants see of it is what became of the statements they wrote or agreed with.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.domain import CommitmentStatus, Outcome
from workingup.services import endorsements, recommendations
from workingup.services.errors import NotFound, ServiceError
from workingup.services.log import log_activity
from workingup.store import models
from workingup.store.agenda import CommitmentRow, EvidenceRow, MilestoneRow, RecommendationRow


def commit(
    session: Session,
    dialogue: models.Dialogue,
    recommendation: int | str,
    *,
    actor: str,
    description: str,
    due_on: date | None = None,
    participant: str | int | None = None,
) -> CommitmentRow:
    """Record a commitment to act on an adopted recommendation.

    Only an adopted one: the tracker is public, and a commitment listed under a recommendation the table did not
    adopt reads as if the dialogue had agreed to it (issue 19: they could be recorded and were shown)."""
    rec = recommendations.get(session, dialogue, recommendations.parse_number(recommendation))
    if rec.withdrawn:
        raise ServiceError(f"R{rec.number} was withdrawn; nothing to commit to")
    results = endorsements.results(session, dialogue)
    if results.round_id is None:
        raise ServiceError(
            f"R{rec.number} has not been adopted (no endorsement round yet); "
            "commitments are recorded against adopted recommendations"
        )
    result = results.result(rec.number)
    if result.outcome != Outcome.ADOPTED:
        raise ServiceError(
            f"R{rec.number} has not been adopted ({result.outcome.label.lower()}: {result.explanation}); "
            "commitments are recorded against adopted recommendations"
        )
    if not actor.strip():
        raise ServiceError("a commitment needs who commits (an organisation or a person)")
    if not description.strip():
        raise ServiceError("a commitment needs what will be done")
    if len(actor.strip()) > 300:
        raise ServiceError("who commits is at most 300 characters")
    person = (
        endorsements.find_participant(session, dialogue, participant) if participant is not None else None
    )
    row = CommitmentRow(
        dialogue_id=dialogue.id,
        recommendation_id=rec.id,
        actor=actor.strip(),
        participant_id=person.id if person is not None else None,
        description=description.strip(),
        due_on=due_on,
        status=CommitmentStatus.PLANNED,
    )
    session.add(row)
    session.flush()
    due = f" by {due_on.isoformat()}" if due_on else ""
    log_activity(
        session,
        dialogue,
        "committed",
        f"{row.actor} committed to R{rec.number}{due}: {row.description}",
        actor=row.actor,
        recommendation_id=rec.id,
        commitment_id=row.id,
    )
    return row


def get_commitment(session: Session, dialogue: models.Dialogue, commitment_id: int) -> CommitmentRow:
    row = session.get(CommitmentRow, commitment_id)
    if row is None or row.dialogue_id != dialogue.id:
        raise NotFound(f"dialogue {dialogue.slug!r} has no commitment {commitment_id}")
    return row


def set_status(
    session: Session,
    dialogue: models.Dialogue,
    commitment_id: int,
    status: CommitmentStatus | str,
    *,
    note: str = "",
    actor: str | None = None,
) -> CommitmentRow:
    try:
        status = CommitmentStatus(status)
    except ValueError:
        raise ServiceError(
            f"a status is one of {', '.join(s.value for s in CommitmentStatus)}, not {status!r}"
        ) from None
    row = get_commitment(session, dialogue, commitment_id)
    if row.status == status:
        raise ServiceError(f"commitment {commitment_id} is already {status.label.lower()}")
    if status == CommitmentStatus.DROPPED and not note.strip():
        raise ServiceError("say why the commitment is dropped: the tracker shows it publicly")
    before = row.status
    row.status = status
    row.updated_at = datetime.now(UTC)
    session.flush()
    message = f"Commitment {row.id} ({row.actor}): {before.label.lower()} → {status.label.lower()}"
    log_activity(
        session,
        dialogue,
        "status",
        message + (f": {note.strip()}" if note.strip() else ""),
        actor=actor,
        recommendation_id=row.recommendation_id,
        commitment_id=row.id,
    )
    return row


def add_milestone(
    session: Session, dialogue: models.Dialogue, commitment_id: int, title: str, *, due_on: date | None = None
) -> MilestoneRow:
    row = get_commitment(session, dialogue, commitment_id)
    if not title.strip():
        raise ServiceError("a milestone needs a title")
    milestone = MilestoneRow(
        commitment_id=row.id, title=title.strip(), due_on=due_on, position=len(row.milestones)
    )
    row.milestones.append(milestone)
    session.flush()
    log_activity(
        session,
        dialogue,
        "milestone",
        f"Commitment {row.id}: milestone “{milestone.title}” added",
        recommendation_id=row.recommendation_id,
        commitment_id=row.id,
    )
    return milestone


def set_progress(
    session: Session, dialogue: models.Dialogue, milestone_id: int, progress: int
) -> MilestoneRow:
    milestone = session.get(MilestoneRow, milestone_id)
    commitment = session.get(CommitmentRow, milestone.commitment_id) if milestone is not None else None
    if milestone is None or commitment is None or commitment.dialogue_id != dialogue.id:
        raise NotFound(f"dialogue {dialogue.slug!r} has no milestone {milestone_id}")
    if not 0 <= progress <= 100:
        raise ServiceError("progress is a percentage from 0 to 100")
    before = milestone.progress
    milestone.progress = progress
    milestone.updated_at = datetime.now(UTC)
    session.flush()
    log_activity(
        session,
        dialogue,
        "progress",
        f"Commitment {commitment.id}: “{milestone.title}” {before}% → {progress}%",
        recommendation_id=commitment.recommendation_id,
        commitment_id=commitment.id,
    )
    return milestone


def add_evidence(
    session: Session,
    dialogue: models.Dialogue,
    commitment_id: int,
    *,
    url: str | None = None,
    note: str = "",
    dated: date | None = None,
) -> EvidenceRow:
    row = get_commitment(session, dialogue, commitment_id)
    link = recommendations.check_url(url) if url else None
    if link is None and not note.strip():
        raise ServiceError("evidence needs a link or a note")
    evidence = EvidenceRow(
        commitment_id=row.id, url=link, note=note.strip(), dated=dated or datetime.now(UTC).date()
    )
    row.evidence.append(evidence)
    session.flush()
    log_activity(
        session,
        dialogue,
        "evidence",
        f"Commitment {row.id}: evidence added ({evidence.dated.isoformat()})",
        recommendation_id=row.recommendation_id,
        commitment_id=row.id,
    )
    return evidence


@dataclass(frozen=True)
class TrackedCommitment:
    id: int
    actor: str
    description: str
    due_on: date | None
    status: CommitmentStatus
    progress: int | None
    """Mean progress of its milestones (percent); None without milestones (done counts as 100)."""
    milestones: tuple[MilestoneRow, ...]
    evidence: tuple[EvidenceRow, ...]
    updated_at: datetime
    overdue: bool


@dataclass(frozen=True)
class TrackedRecommendation:
    number: int
    title: str
    text: str
    focus_area: str
    outcome: Outcome | None
    commitments: tuple[TrackedCommitment, ...]


@dataclass(frozen=True)
class Tracker:
    dialogue_slug: str
    dialogue_title: str
    recommendations: tuple[TrackedRecommendation, ...]

    def status_counts(self) -> dict[CommitmentStatus, int]:
        counts = dict.fromkeys(CommitmentStatus, 0)
        for rec in self.recommendations:
            for c in rec.commitments:
                counts[c.status] += 1
        return counts


def tracker(session: Session, dialogue: models.Dialogue, *, today: date | None = None) -> Tracker:
    """Every recommendation with its commitments: adopted ones first, then the rest in order."""
    today = today or datetime.now(UTC).date()
    outcomes = {r.number: r.outcome for r in endorsements.results(session, dialogue).recommendations}
    focus = {fa.id: fa.title for fa in dialogue.focus_areas}
    by_rec: dict[int, list[CommitmentRow]] = {}
    for row in session.scalars(
        select(CommitmentRow).where(CommitmentRow.dialogue_id == dialogue.id).order_by(CommitmentRow.id)
    ):
        by_rec.setdefault(row.recommendation_id, []).append(row)
    tracked = [
        TrackedRecommendation(
            number=rec.number,
            title=rec.current.title,
            text=rec.current.text,
            focus_area=focus.get(rec.current.focus_area_id, ""),
            outcome=outcomes.get(rec.number),
            commitments=tuple(_tracked(c, today) for c in by_rec.get(rec.id, [])),
        )
        for rec in recommendations.all_of(session, dialogue)
    ]
    tracked.sort(key=lambda r: (r.outcome != Outcome.ADOPTED, r.number))
    return Tracker(dialogue.slug, dialogue.title, tuple(tracked))


def _tracked(row: CommitmentRow, today: date) -> TrackedCommitment:
    progress = None
    if row.status == CommitmentStatus.DONE:
        progress = 100
    elif row.milestones:
        progress = round(sum(m.progress for m in row.milestones) / len(row.milestones))
    open_ = row.status in (CommitmentStatus.PLANNED, CommitmentStatus.IN_PROGRESS)
    return TrackedCommitment(
        id=row.id,
        actor=row.actor,
        description=row.description,
        due_on=row.due_on,
        status=row.status,
        progress=progress,
        milestones=tuple(row.milestones),
        evidence=tuple(row.evidence),
        updated_at=row.updated_at,
        overdue=open_ and row.due_on is not None and row.due_on < today,
    )


CSV_COLUMNS = (
    "recommendation",
    "recommendation_title",
    "focus_area",
    "outcome",
    "commitment",
    "actor",
    "description",
    "due_on",
    "status",
    "overdue",
    "progress_percent",
    "milestones_done",
    "milestones",
    "evidence_items",
    "latest_evidence",
    "updated_at",
)


def tracker_csv(board: Tracker) -> str:
    """One row per commitment (recommendations without one get a row with empty commitment columns).

    Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) are
    prefixed with an apostrophe: exported text stays text.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rec in board.recommendations:
        head = [f"R{rec.number}", rec.title, rec.focus_area, rec.outcome.value if rec.outcome else ""]
        if not rec.commitments:
            writer.writerow([_cell(v) for v in head + [""] * (len(CSV_COLUMNS) - len(head))])
        for c in rec.commitments:
            latest = c.evidence[-1] if c.evidence else None
            writer.writerow(
                [
                    _cell(v)
                    for v in [
                        *head,
                        str(c.id),
                        c.actor,
                        c.description,
                        c.due_on.isoformat() if c.due_on else "",
                        c.status.value,
                        "yes" if c.overdue else "no",
                        "" if c.progress is None else str(c.progress),
                        str(sum(1 for m in c.milestones if m.progress >= 100)),
                        str(len(c.milestones)),
                        str(len(c.evidence)),
                        "" if latest is None else latest.url or latest.note,
                        c.updated_at.isoformat(),
                    ]
                ]
            )
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class StatementFate:
    """What became of a statement a participant wrote or agreed with."""

    statement_id: int
    text: str
    wrote: bool
    agreed: bool
    recommendations: tuple[TrackedRecommendation, ...]


def statement_fates(
    session: Session, dialogue: models.Dialogue, participant: str | int
) -> list[StatementFate]:
    """For one participant: each statement they wrote or agree with, and the recommendations resting on it."""
    person = endorsements.find_participant(session, dialogue, participant)
    wrote = set(
        session.scalars(
            select(models.Statement.id).where(
                models.Statement.dialogue_id == dialogue.id, models.Statement.author_id == person.id
            )
        )
    )
    agreed = set(
        session.scalars(
            select(models.CurrentVote.statement_id).where(
                models.CurrentVote.participant_id == person.id, models.CurrentVote.value == 1
            )
        )
    )
    board = {r.number: r for r in tracker(session, dialogue).recommendations}
    resting: dict[int, list[TrackedRecommendation]] = {}
    for rec in recommendations.all_of(session, dialogue):
        for basis in _basis_of(rec):
            if rec.number in board:
                resting.setdefault(basis, []).append(board[rec.number])
    fates = []
    for sid in sorted(wrote | agreed):
        statement = session.get_one(models.Statement, sid)
        fates.append(
            StatementFate(
                statement_id=sid,
                text=statement.text,
                wrote=sid in wrote,
                agreed=sid in agreed,
                recommendations=tuple(resting.get(sid, ())),
            )
        )
    fates.sort(key=lambda f: (not f.recommendations, f.statement_id))
    return fates


def _basis_of(rec: RecommendationRow) -> list[int]:
    return [b.statement_id for b in rec.current.basis]

"""Agenda API: drafting and revising recommendations, the endorsement round, the final report and the tracker
(facilitators); endorsing (stakeholders); the public tracker.

The same work as pages/agenda.py over JSON: facilitator routes under /api/v1/manage/{slug} need a session token
of one of the dialogue's facilitators, endorsing needs a participant token (the service refuses anyone who is not
a stakeholder at the table), and the public tracker shows what its page shows, once the results are published.
Every rule lives in services/recommendations.py, endorsements.py and tracking.py; this module only translates.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response, status
from sqlalchemy.orm import Session

from workingup.domain import MAX_ID, Role, Stance
from workingup.services import endorsements, recommendations, records, tracking
from workingup.services.analysis import analyze_dialogue
from workingup.services.dialogues import get_dialogue
from workingup.services.errors import NotFound
from workingup.services.log import activity
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import AUTH, error_responses
from workingup.web.exports import report_response
from workingup.web.schemas import out
from workingup.web.schemas_agenda import (
    ActivityOut,
    BasisOut,
    CandidateOut,
    CommitmentIn,
    CommitmentOut,
    DraftIn,
    EndorsePageOut,
    EvidenceIn,
    EvidenceItem,
    FateRecommendationOut,
    MilestoneIn,
    NameConsentIn,
    NameConsentOut,
    OwnStanceOut,
    PoolOut,
    ProgressIn,
    RecommendationForFacilitator,
    RecommendationForParticipant,
    RecommendationHistory,
    RecommendationResultOut,
    ReviseIn,
    RoundIn,
    RoundOut,
    StanceIn,
    StatementFateOut,
    StatusIn,
    TrackedRecommendationOut,
    TrackedRecommendationPublic,
    TrackerOut,
    TrackerPublic,
    VersionOut,
)
from workingup.web.security import ApiDialogueFacilitator, ApiParticipant
from workingup.web.state import report_analyses

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(prefix="/api/v1", tags=["agenda"], route_class=UnitOfWorkRoute)
FACILITATOR: list[str | Enum] = ["facilitator"]
PARTICIPANT: list[str | Enum] = ["participant"]
PUBLIC: list[str | Enum] = ["public"]

ACTIVITY_LIMIT = 30
PUBLIC_ACTIVITY_LIMIT = 50
"""As many log lines as the facilitator's and the public tracker pages show."""


# --- recommendations --------------------------------------------------------------------------------------------


def _version(dialogue: records.Dialogue, v: records.RecommendationVersionRow) -> VersionOut:
    focus = {fa.id: fa.title for fa in dialogue.focus_areas}
    return out(
        VersionOut,
        v,
        focus_area=focus.get(v.focus_area_id, ""),
        evidence=[EvidenceItem(text=e.get("text", ""), url=e.get("url", "") or "") for e in v.evidence],
        basis=[
            BasisOut(
                statement_id=b.statement_id,
                text=b.statement_text,
                verdict=b.figures.get("verdict"),
                votes=b.figures.get("votes"),
                computed_at=b.figures.get("computed_at"),
            )
            for b in sorted(v.basis, key=lambda b: b.position)
        ],
    )


def _recommendation(dialogue: records.Dialogue, r: records.RecommendationRow) -> RecommendationForFacilitator:
    return out(
        RecommendationForFacilitator, r, current=_version(dialogue, r.current), versions=len(r.versions)
    )


def _evidence(items: list[EvidenceItem] | None) -> list[dict[str, str]] | None:
    return None if items is None else [item.model_dump() for item in items]


@router.get(
    "/manage/{slug}/agenda/candidates",
    operation_id="list_convergence_candidates",
    tags=FACILITATOR,
    response_model=list[CandidateOut],
    responses=error_responses(*AUTH),
    summary="Statements worth drafting from (convergence first), from the latest analysis",
    description="The same list the agenda page shows, from the latest stored analysis (POST "
    "/manage/{slug}/analysis refreshes it; the server also does after votes arrive). Before any analysis is "
    "stored, one is computed for this answer.",
)
def list_convergence_candidates(ctx: ApiDialogueFacilitator, session: SessionDep) -> list[CandidateOut]:
    found = recommendations.stored_candidates(session, ctx.dialogue)
    if found is None:
        found = recommendations.candidates(session, ctx.dialogue, analyze_dialogue(session, ctx.dialogue))
    return [CandidateOut.model_validate(vars(c)) for c in found]


@router.get(
    "/manage/{slug}/recommendations",
    operation_id="list_recommendations",
    tags=FACILITATOR,
    response_model=list[RecommendationForFacilitator],
    responses=error_responses(*AUTH),
)
def list_recommendations(
    ctx: ApiDialogueFacilitator, session: SessionDep, include_withdrawn: bool = False
) -> list[RecommendationForFacilitator]:
    rows = recommendations.all_of(session, ctx.dialogue, include_withdrawn=include_withdrawn)
    return [_recommendation(ctx.dialogue, r) for r in rows]


@router.get(
    "/manage/{slug}/recommendations/{number}",
    operation_id="get_recommendation_history",
    tags=FACILITATOR,
    response_model=RecommendationHistory,
    responses=error_responses(*AUTH),
    summary="One recommendation with every version, oldest first",
)
def get_recommendation_history(
    number: PathId, ctx: ApiDialogueFacilitator, session: SessionDep
) -> RecommendationHistory:
    row = recommendations.get(session, ctx.dialogue, number)
    return RecommendationHistory(
        number=row.number,
        withdrawn=row.withdrawn,
        versions=[_version(ctx.dialogue, v) for v in sorted(row.versions, key=lambda v: v.number)],
    )


@router.post(
    "/manage/{slug}/recommendations",
    operation_id="draft_recommendation",
    tags=FACILITATOR,
    status_code=status.HTTP_201_CREATED,
    response_model=RecommendationForFacilitator,
    responses=error_responses(*AUTH),
    summary="Draft a recommendation from one or more statements; their support figures are copied into it",
)
def draft_recommendation(
    body: DraftIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> RecommendationForFacilitator:
    row = recommendations.draft(
        session,
        ctx.dialogue,
        statement_ids=body.statement_ids,
        kind=body.kind,
        horizon=body.horizon,
        actors=body.actors,
        title=body.title,
        text=body.text,
        focus_area=body.focus_area,
        evidence=_evidence(body.evidence) or [],
        author=ctx.facilitator.display_name,
    )
    return _recommendation(ctx.dialogue, row)


@router.post(
    "/manage/{slug}/recommendations/{number}/versions",
    operation_id="revise_recommendation",
    tags=FACILITATOR,
    status_code=status.HTTP_201_CREATED,
    response_model=RecommendationForFacilitator,
    responses=error_responses(*AUTH),
    summary="Save a new version; stances given on the old wording stop counting",
)
def revise_recommendation(
    number: PathId, body: ReviseIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> RecommendationForFacilitator:
    recommendations.revise(
        session,
        ctx.dialogue,
        number,
        statement_ids=body.statement_ids,
        kind=body.kind,
        horizon=body.horizon,
        actors=body.actors,
        title=body.title,
        text=body.text,
        focus_area=body.focus_area,
        evidence=_evidence(body.evidence),
        note=body.note,
        author=ctx.facilitator.display_name,
    )
    return _recommendation(ctx.dialogue, recommendations.get(session, ctx.dialogue, number))


# --- the endorsement round --------------------------------------------------------------------------------------


def _stances(counts: dict[str, int] | None) -> dict[str, int] | None:
    return None if counts is None else {s.value: counts.get(s.value, 0) for s in Stance}


def _pools(breakdown: endorsements.Breakdown) -> list[PoolOut]:
    return [
        PoolOut(
            label=p.label,
            size=None if p.suppressed else p.size,
            counts=None if p.suppressed else _stances(breakdown.counts.get(p.label)),
        )
        for p in breakdown.pools
    ]


def _round(session: Session, dialogue: records.Dialogue) -> RoundOut:
    results = endorsements.results(session, dialogue)
    return out(
        RoundOut,
        results,
        recommendations=[
            out(RecommendationResultOut, r, by_sector=_pools(r.by_sector), by_leaning=_pools(r.by_leaning))
            for r in results.recommendations
        ],
    )


@router.get(
    "/manage/{slug}/round",
    operation_id="get_endorsement_round",
    tags=FACILITATOR,
    response_model=RoundOut,
    responses=error_responses(*AUTH),
    summary="The latest endorsement round: each recommendation's outcome, counts, every block and reservation",
)
def get_endorsement_round(ctx: ApiDialogueFacilitator, session: SessionDep) -> RoundOut:
    return _round(session, ctx.dialogue)


@router.post(
    "/manage/{slug}/round",
    operation_id="open_endorsement_round",
    tags=FACILITATOR,
    status_code=status.HTTP_201_CREATED,
    response_model=RoundOut,
    responses=error_responses(*AUTH, 409),
    summary="Open an endorsement round under unanimity or a threshold",
)
def open_endorsement_round(body: RoundIn, ctx: ApiDialogueFacilitator, session: SessionDep) -> RoundOut:
    endorsements.open_round(session, ctx.dialogue, body.rule, threshold=body.threshold)
    return _round(session, ctx.dialogue)


@router.post(
    "/manage/{slug}/round/close",
    operation_id="close_endorsement_round",
    tags=FACILITATOR,
    response_model=RoundOut,
    responses=error_responses(*AUTH),
)
def close_endorsement_round(ctx: ApiDialogueFacilitator, session: SessionDep) -> RoundOut:
    endorsements.close_round(session, ctx.dialogue)
    return _round(session, ctx.dialogue)


# --- the final report -------------------------------------------------------------------------------------------

REPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/markdown": {"schema": {"type": "string"}},
        },
        "description": "The final report as one self-contained file in the chosen format.",
    }
}


@router.get(
    "/manage/{slug}/report.{fmt}",
    operation_id="get_report",
    tags=FACILITATOR,
    response_class=Response,
    responses={**REPORT, **error_responses(*AUTH)},
    summary="The final report: html, pdf or md",
)
def get_report(
    request: Request, fmt: Literal["html", "pdf", "md"], ctx: ApiDialogueFacilitator, session: SessionDep
) -> Response:
    analysis = report_analyses(request).get(session, ctx.dialogue)
    return report_response(session, ctx.dialogue, fmt, download=False, analysis=analysis)


# --- the tracker (facilitators) ---------------------------------------------------------------------------------


def _commitment(number: int, c: tracking.TrackedCommitment) -> CommitmentOut:
    return out(CommitmentOut, c, recommendation=number)


def _tracked(session: Session, dialogue: records.Dialogue, commitment_id: int) -> CommitmentOut:
    """One commitment as the tracker computes it (progress, overdue), after a change."""
    for rec in tracking.tracker(session, dialogue).recommendations:
        for c in rec.commitments:
            if c.id == commitment_id:
                return _commitment(rec.number, c)
    raise NotFound(f"dialogue {dialogue.slug!r} has no commitment {commitment_id}")  # pragma: no cover


def _activity(entry: records.ActivityRow) -> ActivityOut:
    return ActivityOut(at=entry.created_at, message=entry.message)


@router.get(
    "/manage/{slug}/tracker",
    operation_id="get_tracker_admin",
    tags=FACILITATOR,
    response_model=TrackerOut,
    responses=error_responses(*AUTH),
    summary="Every recommendation with its commitments, milestones and evidence, and the activity log",
)
def get_tracker_admin(ctx: ApiDialogueFacilitator, session: SessionDep) -> TrackerOut:
    board = tracking.tracker(session, ctx.dialogue)
    return TrackerOut(
        status_counts=board.status_counts(),
        recommendations=[
            out(TrackedRecommendationOut, r, commitments=[_commitment(r.number, c) for c in r.commitments])
            for r in board.recommendations
        ],
        activity=[_activity(a) for a in activity(session, ctx.dialogue, limit=ACTIVITY_LIMIT)],
    )


@router.post(
    "/manage/{slug}/commitments",
    operation_id="record_commitment",
    tags=FACILITATOR,
    status_code=status.HTTP_201_CREATED,
    response_model=CommitmentOut,
    responses=error_responses(*AUTH),
    summary="Record who committed to act on a recommendation, and by when",
)
def record_commitment(body: CommitmentIn, ctx: ApiDialogueFacilitator, session: SessionDep) -> CommitmentOut:
    row = tracking.commit(
        session,
        ctx.dialogue,
        body.recommendation,
        actor=body.actor,
        description=body.description,
        due_on=body.due_on,
        participant=body.participant_id,
    )
    return _tracked(session, ctx.dialogue, row.id)


@router.post(
    "/manage/{slug}/commitments/{commitment_id}/status",
    operation_id="change_commitment_status",
    tags=FACILITATOR,
    response_model=CommitmentOut,
    responses=error_responses(*AUTH),
    summary="Change a commitment's status (logged publicly; dropping needs a reason)",
)
def change_commitment_status(
    commitment_id: PathId, body: StatusIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> CommitmentOut:
    row = tracking.set_status(
        session,
        ctx.dialogue,
        commitment_id,
        body.status,
        note=body.note,
        actor=ctx.facilitator.display_name,
    )
    return _tracked(session, ctx.dialogue, row.id)


@router.post(
    "/manage/{slug}/commitments/{commitment_id}/milestones",
    operation_id="add_milestone",
    tags=FACILITATOR,
    status_code=status.HTTP_201_CREATED,
    response_model=CommitmentOut,
    responses=error_responses(*AUTH),
)
def add_milestone(
    commitment_id: PathId, body: MilestoneIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> CommitmentOut:
    tracking.add_milestone(session, ctx.dialogue, commitment_id, body.title, due_on=body.due_on)
    return _tracked(session, ctx.dialogue, commitment_id)


@router.put(
    "/manage/{slug}/milestones/{milestone_id}/progress",
    operation_id="set_milestone_progress",
    tags=FACILITATOR,
    response_model=CommitmentOut,
    responses=error_responses(*AUTH),
    summary="Set how far a milestone got (percent); answers with its commitment",
)
def set_milestone_progress(
    milestone_id: PathId, body: ProgressIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> CommitmentOut:
    milestone = tracking.set_progress(session, ctx.dialogue, milestone_id, body.progress)
    return _tracked(session, ctx.dialogue, milestone.commitment_id)


@router.post(
    "/manage/{slug}/commitments/{commitment_id}/evidence",
    operation_id="add_commitment_evidence",
    tags=FACILITATOR,
    status_code=status.HTTP_201_CREATED,
    response_model=CommitmentOut,
    responses=error_responses(*AUTH),
    summary="Add evidence (an http(s) link and/or a note) to a commitment",
)
def add_commitment_evidence(
    commitment_id: PathId, body: EvidenceIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> CommitmentOut:
    tracking.add_evidence(
        session,
        ctx.dialogue,
        commitment_id,
        url=(body.url or "").strip() or None,
        note=body.note,
        dated=body.dated,
    )
    return _tracked(session, ctx.dialogue, commitment_id)


# --- stakeholders: endorsing ------------------------------------------------------------------------------------


def _own(
    number: int, row: records.EndorsementRow, current: records.RecommendationVersionRow, session: Session
) -> OwnStanceOut:
    given_on = endorsements.wording_of(session, row)
    return out(
        OwnStanceOut,
        row,
        recommendation=number,
        version=given_on.number,
        current=row.version_id == current.id,
        recorded_at=row.created_at,
    )


@router.get(
    "/dialogues/{slug}/me/agenda",
    operation_id="get_own_agenda",
    tags=PARTICIPANT,
    response_model=EndorsePageOut,
    responses=error_responses(401, 403, 404),
    summary="The recommendations with your stance on each, and what became of the statements you backed",
)
def get_own_agenda(ctx: ApiParticipant, session: SessionDep) -> EndorsePageOut:
    results = endorsements.results(session, ctx.dialogue)
    mine = endorsements.stances_of(session, ctx.dialogue, ctx.participant)
    fates = tracking.statement_fates(session, ctx.dialogue, ctx.participant.id)
    return EndorsePageOut(
        rule_text=results.rule_text,
        round_open=results.open,
        may_endorse=results.open and ctx.participant.role is Role.STAKEHOLDER,
        recommendations=[
            out(
                RecommendationForParticipant,
                r.current,
                number=r.number,
                version=r.current.number,
                mine=_own(r.number, mine[r.number], r.current, session) if r.number in mine else None,
            )
            for r in recommendations.all_of(session, ctx.dialogue)
        ],
        fates=[
            out(
                StatementFateOut,
                f,
                recommendations=[
                    out(
                        FateRecommendationOut,
                        r,
                        commitments=[f"{c.actor}: {c.status.label.lower()}" for c in r.commitments],
                    )
                    for r in f.recommendations
                ],
            )
            for f in fates
        ],
    )


@router.post(
    "/dialogues/{slug}/endorsements",
    operation_id="record_stance",
    tags=PARTICIPANT,
    status_code=status.HTTP_201_CREATED,
    response_model=OwnStanceOut,
    responses=error_responses(400, 401, 403, 404),
    summary="Your stance on a recommendation's current wording (stakeholders only; a block needs its reason)",
)
def record_stance(body: StanceIn, ctx: ApiParticipant, session: SessionDep) -> OwnStanceOut:
    row = endorsements.record(
        session, ctx.dialogue, ctx.participant, body.recommendation, body.stance, body.text
    )
    rec = recommendations.get(session, ctx.dialogue, body.recommendation)
    return _own(rec.number, row, rec.current, session)


@router.put(
    "/dialogues/{slug}/me/name-consent",
    operation_id="set_name_consent",
    tags=PARTICIPANT,
    response_model=NameConsentOut,
    responses=error_responses(400, 401, 403, 404),
    summary="Whether the report and the results may name you (a block's reason is published either way)",
)
def set_name_consent(body: NameConsentIn, ctx: ApiParticipant, session: SessionDep) -> NameConsentOut:
    row = endorsements.set_name_consent(session, ctx.participant, body.named)
    return NameConsentOut.model_validate(row)


# --- the public tracker -----------------------------------------------------------------------------------------


def _published_dialogue(session: Session, slug: str) -> records.Dialogue:
    dialogue = get_dialogue(session, slug)
    if not dialogue.published:
        raise NotFound("the results of this dialogue are not published")
    return dialogue


@router.get(
    "/dialogues/{slug}/tracker",
    operation_id="get_public_tracker",
    tags=PUBLIC,
    response_model=TrackerPublic,
    responses=error_responses(404),
    summary="What became of the recommendations: commitments, status, progress, evidence (once published)",
)
def get_public_tracker(slug: str, session: SessionDep) -> TrackerPublic:
    dialogue = _published_dialogue(session, slug)
    board = tracking.tracker(session, dialogue)
    return TrackerPublic(
        status_counts=board.status_counts(),
        recommendations=[TrackedRecommendationPublic.model_validate(r) for r in board.recommendations],
        activity=[
            _activity(a) for a in activity(session, dialogue, public_only=True, limit=PUBLIC_ACTIVITY_LIMIT)
        ],
    )


TRACKER_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": f"One row per commitment; columns: {', '.join(tracking.CSV_COLUMNS)}.",
    }
}


@router.get(
    "/dialogues/{slug}/tracker.csv",
    operation_id="get_public_tracker_csv",
    tags=PUBLIC,
    response_class=Response,
    responses={**TRACKER_CSV, **error_responses(404)},
)
def get_public_tracker_csv(slug: str, session: SessionDep) -> Response:
    dialogue = _published_dialogue(session, slug)
    return Response(
        tracking.tracker_csv(tracking.tracker(session, dialogue)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-tracker.csv"'},
    )

"""From consensus to action on the web: drafting and the round (facilitator), endorsing (stakeholders), the final
report, and the action tracker (facilitator and public).

Same patterns as the other pages: facilitator pages need a session and membership of the dialogue's
facilitators, participant pages the participant cookie, every form POST the CSRF value, and each POST redirects
back with a notice. The services do the work; nothing here decides an outcome.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from workingup.domain import (
    HORIZON_LABELS,
    RECOMMENDATION_TYPE_LABELS,
    AdoptionRule,
    CommitmentStatus,
    Horizon,
    RecommendationType,
    Role,
    Stance,
)
from workingup.services import endorsements, recommendations, records, tracking
from workingup.services.dialogues import counts, get_dialogue
from workingup.services.errors import Forbidden, Invalid, ServiceError
from workingup.services.log import activity
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.exports import REPORT_MEDIA, report_response
from workingup.web.rendering import render
from workingup.web.security import CsrfChecked, FacilitatorContext, PageFacilitator, page_participant
from workingup.web.state import report_analyses
from workingup.web.strings import catalogue

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)
_ = catalogue()


def _back(request: Request, name: str, slug: str, notice: str | None = None) -> RedirectResponse:
    url = str(request.url_for(name, slug=slug))
    return RedirectResponse(f"{url}?{urlencode({'notice': notice})}" if notice else url, status_code=303)


def _notice(notice: str) -> str | None:
    key = f"notice.{notice}"
    return _(key) if notice and key in _.messages else None


def _base(ctx: FacilitatorContext, current: str, notice: str, session: Session) -> dict[str, Any]:
    return {
        "dialogue": ctx.dialogue,
        "facilitator": ctx.facilitator,
        "current": current,
        "notice": _notice(notice),
        "simulated": counts(session, ctx.dialogue.id).any_simulated,
    }


def _date(value: str, what: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ServiceError(f"{what} must be a date like 2027-06-30, not {value!r}") from None


# --- facilitator: recommendations and the round ---------------------------------------------------------------


@router.get("/f/{slug}/agenda", name="agenda_page")
def agenda_page(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, notice: str = ""
) -> Response:
    return _agenda(request, session, ctx, notice)


def _agenda(
    request: Request,
    session: Session,
    ctx: FacilitatorContext,
    notice: str,
    draft: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The agenda page; after a refused draft, `draft` holds what was typed and the error with its field, so the
    form comes back filled in with the message beside the field (nothing typed is lost)."""
    results = endorsements.results(session, ctx.dialogue)
    outcomes = {r.number: r for r in results.recommendations}
    rows = recommendations.all_of(session, ctx.dialogue)
    focus = {fa.id: fa.title for fa in ctx.dialogue.focus_areas}
    return render(
        request,
        "agenda/facilitator_agenda.html",
        {
            **_base(ctx, "agenda_page", notice, session),
            "candidates": recommendations.stored_candidates(session, ctx.dialogue) or [],
            "recommendations": [
                (r, focus.get(r.current.focus_area_id, ""), outcomes.get(r.number)) for r in rows
            ],
            "results": results,
            "types": RECOMMENDATION_TYPE_LABELS,
            "horizons": HORIZON_LABELS,
            "stances": list(Stance),
            "rules": list(AdoptionRule),
            "draft": draft or {},
        },
        status_code=status_code,
    )


@router.post("/f/{slug}/agenda/recommendations", dependencies=[CsrfChecked])
async def draft_recommendation(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator
) -> Response:
    form = await request.form()
    typed: dict[str, Any] = {
        name: str(form.get(name, ""))
        for name in (
            "title",
            "text",
            "kind",
            "horizon",
            "actors",
            "focus_area",
            "evidence_text",
            "evidence_url",
        )
    }
    typed["statements"] = [str(v) for v in form.getlist("statements")]
    try:
        return _draft(request, session, ctx, typed)
    except ServiceError as error:
        if isinstance(error, Forbidden):
            raise
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        field = error.field if isinstance(error, Invalid) else ""
        draft = {**typed, "error": str(error), "field": field}
        return _agenda(request, session, ctx, "", draft, 400)


def _draft(request: Request, session: Session, ctx: FacilitatorContext, typed: dict[str, Any]) -> Response:
    try:
        statement_ids = [int(v) for v in typed["statements"]]
    except ValueError:
        raise Invalid("statement ids must be numbers", "statements") from None
    try:
        kind = RecommendationType(typed["kind"])
    except ValueError:
        raise Invalid("choose the recommendation's type", "kind") from None
    try:
        horizon = Horizon(typed["horizon"])
    except ValueError:
        raise Invalid("choose the recommendation's horizon", "horizon") from None
    evidence_url = typed["evidence_url"].strip()
    evidence_text = typed["evidence_text"].strip()
    recommendations.draft(
        session,
        ctx.dialogue,
        statement_ids=statement_ids,
        kind=kind,
        horizon=horizon,
        actors=typed["actors"].split(","),
        title=typed["title"].strip() or None,
        text=typed["text"].strip() or None,
        focus_area=typed["focus_area"] or None,
        evidence=[{"text": evidence_text, "url": evidence_url}] if evidence_text or evidence_url else [],
        author=ctx.facilitator.display_name,
    )
    return _back(request, "agenda_page", ctx.dialogue.slug, "drafted")


@router.post("/f/{slug}/agenda/recommendations/{number}/revise", dependencies=[CsrfChecked])
def revise_recommendation(
    request: Request,
    slug: str,
    number: int,
    session: SessionDep,
    ctx: PageFacilitator,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    recommendations.revise(
        session,
        ctx.dialogue,
        number,
        title=title.strip() or None,
        text=text.strip() or None,
        note=note,
        author=ctx.facilitator.display_name,
    )
    return _back(request, "agenda_page", slug, "revised")


@router.post("/f/{slug}/agenda/round", dependencies=[CsrfChecked])
def open_round(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    rule: Annotated[str, Form()] = "unanimity",
    threshold: Annotated[str, Form()] = "",
) -> Response:
    try:
        parsed = AdoptionRule(rule)
        share = float(threshold) / 100 if threshold.strip() and parsed is AdoptionRule.THRESHOLD else None
    except ValueError:
        raise ServiceError("choose unanimity, or a threshold in percent") from None
    endorsements.open_round(session, ctx.dialogue, parsed, threshold=share)
    return _back(request, "agenda_page", slug, "round_opened")


@router.post("/f/{slug}/agenda/round/close", dependencies=[CsrfChecked])
def close_round(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    endorsements.close_round(session, ctx.dialogue)
    return _back(request, "agenda_page", slug, "round_closed")


# --- facilitator: the final report ----------------------------------------------------------------------------


@router.get("/f/{slug}/report", name="report_page")
def report_page(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    """The report's links; opening the page starts preparing its analysis, and until that is ready the page
    says so and reloads itself (a `Refresh` header), so the download that follows takes a second, not ten."""
    preparation = report_analyses(request).prepare(session, ctx.dialogue.id)
    response = render(
        request,
        "agenda/facilitator_report.html",
        {
            **_base(ctx, "report_page", "", session),
            "formats": tuple(REPORT_MEDIA),
            "preparation": preparation,
        },
    )
    if not preparation.ready:
        response.headers["Refresh"] = "2"
    return response


@router.get("/f/{slug}/report.{fmt}", name="report_file")
def report_file(
    request: Request, slug: str, fmt: str, session: SessionDep, ctx: PageFacilitator, download: int = 0
) -> Response:
    if fmt not in REPORT_MEDIA:
        raise ServiceError(f"a report format is one of {', '.join(REPORT_MEDIA)}, not {fmt!r}")
    analysis = report_analyses(request).get(session, ctx.dialogue)
    return report_response(session, ctx.dialogue, fmt, download=bool(download), analysis=analysis)


# --- facilitator: the tracker ---------------------------------------------------------------------------------


@router.get("/f/{slug}/tracker", name="tracker_admin_page")
def tracker_admin_page(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, notice: str = ""
) -> Response:
    return render(
        request,
        "agenda/facilitator_tracker.html",
        {
            **_base(ctx, "tracker_admin_page", notice, session),
            "board": tracking.tracker(session, ctx.dialogue),
            "statuses": list(CommitmentStatus),
            "log": activity(session, ctx.dialogue, limit=30),
        },
    )


@router.post("/f/{slug}/tracker/commitments", dependencies=[CsrfChecked])
def make_commitment(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    recommendation: Annotated[str, Form()] = "",
    actor: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
) -> Response:
    tracking.commit(
        session,
        ctx.dialogue,
        recommendation,
        actor=actor,
        description=description,
        due_on=_date(due_on, "By when"),
    )
    return _back(request, "tracker_admin_page", slug, "committed")


@router.post("/f/{slug}/tracker/commitments/{commitment_id}/status", dependencies=[CsrfChecked])
def change_status(
    request: Request,
    slug: str,
    commitment_id: int,
    session: SessionDep,
    ctx: PageFacilitator,
    status: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    tracking.set_status(
        session, ctx.dialogue, commitment_id, status, note=note, actor=ctx.facilitator.display_name
    )
    return _back(request, "tracker_admin_page", slug, "status_changed")


@router.post("/f/{slug}/tracker/commitments/{commitment_id}/milestones", dependencies=[CsrfChecked])
def add_milestone(
    request: Request,
    slug: str,
    commitment_id: int,
    session: SessionDep,
    ctx: PageFacilitator,
    title: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
) -> Response:
    tracking.add_milestone(session, ctx.dialogue, commitment_id, title, due_on=_date(due_on, "By when"))
    return _back(request, "tracker_admin_page", slug, "milestone_added")


@router.post("/f/{slug}/tracker/milestones/{milestone_id}", dependencies=[CsrfChecked])
def set_progress(
    request: Request,
    slug: str,
    milestone_id: int,
    session: SessionDep,
    ctx: PageFacilitator,
    progress: Annotated[str, Form()] = "",
) -> Response:
    try:
        percent = int(progress)
    except ValueError:
        raise ServiceError("progress is a whole percentage from 0 to 100") from None
    tracking.set_progress(session, ctx.dialogue, milestone_id, percent)
    return _back(request, "tracker_admin_page", slug, "progress_saved")


@router.post("/f/{slug}/tracker/commitments/{commitment_id}/evidence", dependencies=[CsrfChecked])
def add_evidence(
    request: Request,
    slug: str,
    commitment_id: int,
    session: SessionDep,
    ctx: PageFacilitator,
    url: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    dated: Annotated[str, Form()] = "",
) -> Response:
    tracking.add_evidence(
        session, ctx.dialogue, commitment_id, url=url.strip() or None, note=note, dated=_date(dated, "Date")
    )
    return _back(request, "tracker_admin_page", slug, "evidence_added")


# --- participants: endorsing, and what became of their statements ---------------------------------------------


def _joined(request: Request, session: Session, slug: str) -> tuple[records.Dialogue, records.Participant]:
    dialogue = get_dialogue(session, slug)
    context = page_participant(request, session, dialogue)
    if context is None:
        raise Forbidden("join the dialogue first")
    return dialogue, context.participant


@router.get("/d/{slug}/agenda", name="endorse_page")
def endorse_page(request: Request, slug: str, session: SessionDep, notice: str = "") -> Response:
    dialogue, participant = _joined(request, session, slug)
    return _endorse_page(request, session, dialogue, participant, notice)


def _endorse_page(
    request: Request,
    session: Session,
    dialogue: records.Dialogue,
    participant: records.Participant,
    notice: str,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The endorsement page; after a refused stance, `typed` holds the recommendation's number, the stance and
    text that were sent and the error, shown beside that recommendation's field with what was typed kept."""
    results = endorsements.results(session, dialogue)
    current = endorsements.stances_of(session, dialogue, participant)
    rows = recommendations.all_of(session, dialogue)
    return render(
        request,
        "agenda/endorse.html",
        {
            "dialogue": dialogue,
            "current": "endorse_page",
            "notice": _notice(notice),
            "stakeholder": participant.role is Role.STAKEHOLDER,
            "results": results,
            "recommendations": [(r, current.get(r.number)) for r in rows],
            "stances": list(Stance),
            "fates": tracking.statement_fates(session, dialogue, participant.id),
            "simulated": counts(session, dialogue.id).any_simulated,
            "typed": typed or {},
        },
        status_code=status_code,
    )


@router.post("/d/{slug}/agenda", dependencies=[CsrfChecked])
def endorse(
    request: Request,
    slug: str,
    session: SessionDep,
    recommendation: Annotated[str, Form()] = "",
    stance: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    dialogue, participant = _joined(request, session, slug)
    try:
        endorsements.record(session, dialogue, participant, recommendation, stance, text)
    except Invalid as error:
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        typed = {"number": recommendation.strip(), "stance": stance, "text": text, "error": str(error)}
        typed["field"] = error.field
        return _endorse_page(request, session, dialogue, participant, "", typed, 400)
    return _back(request, "endorse_page", slug, "stance_recorded")


# --- public: the tracker --------------------------------------------------------------------------------------


@router.get("/d/{slug}/tracker", name="public_tracker_page")
def public_tracker_page(request: Request, slug: str, session: SessionDep) -> Response:
    dialogue = get_dialogue(session, slug)
    return render(
        request,
        "agenda/tracker.html",
        {
            "dialogue": dialogue,
            "board": tracking.tracker(session, dialogue) if dialogue.published else None,
            "log": activity(session, dialogue, public_only=True, limit=50) if dialogue.published else [],
            "simulated": counts(session, dialogue.id).any_simulated,
        },
    )


@router.get("/d/{slug}/tracker.csv", name="public_tracker_csv")
def public_tracker_csv(slug: str, session: SessionDep) -> Response:
    dialogue = get_dialogue(session, slug)
    if not dialogue.published:
        raise Forbidden("the facilitators have not published this dialogue's results yet")
    return Response(
        tracking.tracker_csv(tracking.tracker(session, dialogue)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-tracker.csv"'},
    )

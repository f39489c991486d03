"""Facilitator API: sessions, dialogue setup and phases, roster and balance, invitations, moderation, exports.

Authenticated by a facilitator session token (`Authorization: Bearer`, from POST /api/v1/sessions); every route
under /api/v1/manage/{slug} answers 403 to anyone who is not one of that dialogue's facilitators.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status

from workingup.domain import Role, StatementKind
from workingup.services import accounts, moderation, records, roster, setup
from workingup.services.errors import NotFound, Unauthenticated
from workingup.web.analysis_view import analysis_view
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import AUTH, error_responses
from workingup.web.exports import csv_response, polis_zip_response
from workingup.web.limits import sign_in_attempt
from workingup.web.schemas import (
    AnalysisOut,
    BalanceOut,
    BalanceRowOut,
    BulkModerationIn,
    BulkModerationOut,
    CoordinatedBlocOut,
    DialogueForFacilitator,
    FacilitatorSelf,
    FocusAreaIn,
    InquiryAreaIn,
    InvitationCreatedOut,
    InvitationForFacilitator,
    InvitationIn,
    LoginIn,
    ParticipantForFacilitator,
    PhaseAdvanceIn,
    QueuePageOut,
    SeedStatementIn,
    SessionOut,
    SettingsIn,
    StatementForFacilitator,
    out,
)
from workingup.web.security import ApiDialogueFacilitator, ApiFacilitator, BearerDep, now, session_policy
from workingup.web.state import app_state
from workingup.web.tables import TABLES, queue_filter

router = APIRouter(prefix="/api/v1", tags=["facilitator"], route_class=UnitOfWorkRoute)


def facilitator_self(session: SessionDep, f: records.Facilitator) -> FacilitatorSelf:
    dialogues = [d.slug for d in accounts.facilitated_dialogues(session, f.id)]
    return out(FacilitatorSelf, f, dialogues=dialogues)


def session_out(session: SessionDep, opened: accounts.NewSession) -> SessionOut:
    """A new session with its token, the only answer that carries one."""
    return out(SessionOut, opened, facilitator=facilitator_self(session, opened.facilitator))


@router.post(
    "/sessions",
    operation_id="sign_in",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionOut,
    responses=error_responses(401, 429),
)
def sign_in(request: Request, body: LoginIn, session: SessionDep) -> SessionOut:
    with sign_in_attempt(request, body.email):
        opened = accounts.sign_in(
            session,
            body.email,
            body.password,
            allow_demo=app_state(request).allow_demo_login,
            policy=session_policy(request),
            now=now(request),
        )
    return session_out(session, opened)


@router.delete(
    "/sessions/current",
    operation_id="sign_out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401),
)
def sign_out(session: SessionDep, credentials: BearerDep, _facilitator: ApiFacilitator) -> Response:
    if credentials is None:  # pragma: no cover - ApiFacilitator already refused
        raise Unauthenticated("sign in first")
    accounts.sign_out(session, credentials.credentials)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/facilitator",
    operation_id="get_facilitator_self",
    response_model=FacilitatorSelf,
    responses=error_responses(401),
)
def get_facilitator_self(facilitator: ApiFacilitator, session: SessionDep) -> FacilitatorSelf:
    return facilitator_self(session, facilitator)


def _dialogue(d: records.Dialogue) -> DialogueForFacilitator:
    return out(DialogueForFacilitator, d, next_phase=d.phase.next(), voting_open=d.voting_closed_at is None)


@router.get(
    "/manage/{slug}",
    operation_id="get_dialogue_setup",
    response_model=DialogueForFacilitator,
    responses=error_responses(*AUTH),
)
def get_dialogue_setup(ctx: ApiDialogueFacilitator) -> DialogueForFacilitator:
    return _dialogue(ctx.dialogue)


@router.patch(
    "/manage/{slug}/settings",
    operation_id="change_dialogue_settings",
    response_model=DialogueForFacilitator,
    responses=error_responses(*AUTH),
)
def change_dialogue_settings(
    body: SettingsIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> DialogueForFacilitator:
    setup.change_settings(ctx.dialogue, setup.DialogueSettings(**body.model_dump()))
    return _dialogue(ctx.dialogue)


@router.post(
    "/manage/{slug}/phase",
    operation_id="advance_phase",
    response_model=DialogueForFacilitator,
    responses=error_responses(*AUTH, 409),
    summary="Advance the dialogue to its next phase (recorded with the date)",
)
def advance_phase(
    body: PhaseAdvanceIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> DialogueForFacilitator:
    setup.advance_phase(session, ctx.dialogue, body.expected)
    return _dialogue(ctx.dialogue)


@router.post(
    "/manage/{slug}/focus-areas",
    operation_id="add_focus_area",
    status_code=status.HTTP_201_CREATED,
    response_model=DialogueForFacilitator,
    responses=error_responses(400, *AUTH, 409),
)
def add_focus_area(
    body: FocusAreaIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> DialogueForFacilitator:
    setup.add_focus_area(session, ctx.dialogue, body.title, body.description)
    return _dialogue(ctx.dialogue)


@router.post(
    "/manage/{slug}/focus-areas/{key}/inquiry-areas",
    operation_id="add_inquiry_area",
    status_code=status.HTTP_201_CREATED,
    response_model=DialogueForFacilitator,
    responses=error_responses(400, *AUTH, 409),
)
def add_inquiry_area(
    key: str, body: InquiryAreaIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> DialogueForFacilitator:
    setup.add_inquiry_area(session, ctx.dialogue, key, body.title)
    return _dialogue(ctx.dialogue)


@router.get(
    "/manage/{slug}/balance",
    operation_id="get_balance_audit",
    response_model=BalanceOut,
    responses=error_responses(*AUTH),
    summary="Stakeholders by sector × declared side, with balance warnings",
)
def get_balance_audit(ctx: ApiDialogueFacilitator, session: SessionDep) -> BalanceOut:
    audit = roster.balance_audit(session, ctx.dialogue)
    return out(BalanceOut, audit, rows=[out(BalanceRowOut, r, **r.by_side) for r in audit.rows])


@router.get(
    "/manage/{slug}/participants",
    operation_id="list_participants",
    response_model=list[ParticipantForFacilitator],
    responses=error_responses(*AUTH),
)
def list_participants(
    ctx: ApiDialogueFacilitator,
    session: SessionDep,
    role: Role | None = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ParticipantForFacilitator]:
    people = roster.participants(session, ctx.dialogue, role, offset=offset, limit=limit)
    return [ParticipantForFacilitator.model_validate(p) for p in people]


@router.delete(
    "/manage/{slug}/participants/{participant_id}/token",
    operation_id="revoke_participant_token",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTH),
    summary="End a participant's token: their votes stay counted, the token stops working",
)
def revoke_participant_token(
    participant_id: int, ctx: ApiDialogueFacilitator, session: SessionDep
) -> Response:
    accounts.end_participant_token(session, roster.participant_of(session, ctx.dialogue, participant_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _invitation(i: records.Invitation) -> InvitationForFacilitator:
    return InvitationForFacilitator.model_validate(i)


def _created(request: Request, created: roster.NewInvitation) -> InvitationCreatedOut:
    """A new or reissued invitation with its link, the only time the link can be shown."""
    link = str(request.url_for("invitation_page", token=created.token))
    return InvitationCreatedOut(invitation=_invitation(created.invitation), link=link, token=created.token)


@router.get(
    "/manage/{slug}/invitations",
    operation_id="list_invitations",
    response_model=list[InvitationForFacilitator],
    responses=error_responses(*AUTH),
)
def list_invitations(ctx: ApiDialogueFacilitator, session: SessionDep) -> list[InvitationForFacilitator]:
    return [_invitation(i) for i in roster.invitations(session, ctx.dialogue)]


@router.post(
    "/manage/{slug}/invitations",
    operation_id="create_invitation",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationCreatedOut,
    responses=error_responses(400, *AUTH),
)
def create_invitation(
    request: Request, body: InvitationIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> InvitationCreatedOut:
    created = roster.create_invitation(session, ctx.dialogue, body.label, body.role, body.sector)
    return _created(request, created)


@router.post(
    "/manage/{slug}/invitations/{invitation_id}/revoke",
    operation_id="revoke_invitation",
    response_model=InvitationForFacilitator,
    responses=error_responses(400, *AUTH),
)
def revoke_invitation(
    invitation_id: int, ctx: ApiDialogueFacilitator, session: SessionDep
) -> InvitationForFacilitator:
    invitation = roster.revoke_invitation(session, ctx.dialogue, invitation_id)
    return _invitation(invitation)


@router.post(
    "/manage/{slug}/invitations/{invitation_id}/reissue",
    operation_id="reissue_invitation",
    response_model=InvitationCreatedOut,
    responses=error_responses(400, *AUTH),
    summary="A new link for an invitation not yet used; the old link stops working",
)
def reissue_invitation(
    request: Request, invitation_id: int, ctx: ApiDialogueFacilitator, session: SessionDep
) -> InvitationCreatedOut:
    created = roster.reissue_invitation(session, ctx.dialogue, invitation_id)
    return _created(request, created)


def _statement_out(row: moderation.QueueRow) -> StatementForFacilitator:
    st = row.statement
    return out(
        StatementForFacilitator,
        st,
        focus_area=row.focus_area,
        from_participant=st.author_id is not None,
        votes=row.votes,
    )


@router.get(
    "/manage/{slug}/statements",
    operation_id="list_statements_for_moderation",
    response_model=QueuePageOut,
    responses=error_responses(*AUTH),
    summary="The moderation queue, filtered and paginated",
)
def list_statements_for_moderation(
    ctx: ApiDialogueFacilitator,
    session: SessionDep,
    status_filter: Annotated[
        Literal["unmoderated", "accepted", "rejected", "all"], Query(alias="status")
    ] = "unmoderated",
    focus_area: Annotated[str | None, Query(max_length=100)] = None,
    kind: StatementKind | None = None,
    origin: Literal["participant", "seed"] | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=moderation.MAX_PAGE_SIZE)] = moderation.PAGE_SIZE,
) -> QueuePageOut:
    params = {"status": status_filter, "focus_area": focus_area or "", "kind": kind.value if kind else ""}
    params |= {"origin": origin or "", "q": q}
    result = moderation.queue(session, ctx.dialogue, queue_filter(params), page, page_size)
    return out(QueuePageOut, result, items=[_statement_out(r) for r in result.rows])


@router.post(
    "/manage/{slug}/statements/moderation",
    operation_id="moderate_statements",
    response_model=BulkModerationOut,
    responses=error_responses(400, *AUTH),
    summary="Accept, reject or (un)mark as meta many statements at once; all or nothing",
)
def moderate_statements(
    body: BulkModerationIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> BulkModerationOut:
    changed = moderation.bulk_moderate(session, ctx.dialogue, body.ids, body.action)
    return BulkModerationOut(changed=changed)


@router.post(
    "/manage/{slug}/statements",
    operation_id="add_seed_statement",
    status_code=status.HTTP_201_CREATED,
    response_model=StatementForFacilitator,
    responses=error_responses(400, *AUTH),
)
def add_seed_statement(
    body: SeedStatementIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> StatementForFacilitator:
    st = moderation.add_seed_statement(
        session, ctx.dialogue, body.text, focus_area=body.focus_area, kind=body.kind, is_meta=body.is_meta
    )
    area = next((fa.title for fa in ctx.dialogue.focus_areas if fa.id == st.focus_area_id), None)
    return _statement_out(moderation.QueueRow(st, area, 0))


CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The table as CSV."}
}
ZIP: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        "description": "comments.csv, votes.csv, participants-votes.csv and summary.csv in a zip.",
    }
}


@router.get(
    "/manage/{slug}/exports/polis.zip",
    operation_id="export_polis",
    response_class=Response,
    responses={**ZIP, **error_responses(*AUTH)},
)
def export_polis(ctx: ApiDialogueFacilitator, session: SessionDep) -> Response:
    return polis_zip_response(session, ctx.dialogue)


@router.get(
    "/manage/{slug}/exports/{table}.csv",
    operation_id="export_table_csv",
    response_class=Response,
    responses={**CSV, **error_responses(*AUTH)},
    description=f"Any table a facilitator page shows; `table` is one of: {', '.join(TABLES)}.",
)
def export_table_csv(
    table: str, request: Request, ctx: ApiDialogueFacilitator, session: SessionDep
) -> Response:
    return csv_response(session, ctx.dialogue, table, dict(request.query_params))


def _analysis_out(session: SessionDep, dialogue: records.Dialogue) -> AnalysisOut:
    view = analysis_view(session, dialogue)
    if view is None:
        raise NotFound("there is no analysis of this dialogue yet (it needs votes from at least two people)")

    return out(
        AnalysisOut,
        view,
        coordinated_blocs=[
            CoordinatedBlocOut(size=b.size, agreement=b.agreement, shared=b.mean_shared)
            for b in view.coordinated
        ],
    )


@router.get(
    "/manage/{slug}/analysis",
    operation_id="get_analysis",
    response_model=AnalysisOut,
    responses=error_responses(*AUTH),
    summary="The latest analysis: opinion groups, representative, consensus and divisive statements",
)
def get_analysis(ctx: ApiDialogueFacilitator, session: SessionDep) -> AnalysisOut:
    return _analysis_out(session, ctx.dialogue)


@router.post(
    "/manage/{slug}/analysis",
    operation_id="run_analysis",
    response_model=AnalysisOut,
    responses=error_responses(*AUTH),
    summary="Analyse now instead of waiting for the background refresh",
)
def run_analysis_now(request: Request, ctx: ApiDialogueFacilitator, session: SessionDep) -> AnalysisOut:
    app_state(request).analyses.run_now(session, ctx.dialogue)
    return _analysis_out(session, ctx.dialogue)


SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "The opinion map."}
}


@router.get(
    "/manage/{slug}/analysis/map.svg",
    operation_id="get_opinion_map",
    response_class=Response,
    responses={**SVG, **error_responses(*AUTH)},
)
def get_opinion_map(ctx: ApiDialogueFacilitator, session: SessionDep) -> Response:
    view = analysis_view(session, ctx.dialogue)
    if view is None:
        raise NotFound("there is no analysis of this dialogue yet")
    return Response(view.map_svg, media_type="image/svg+xml")

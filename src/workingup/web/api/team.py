"""The facilitators of a dialogue, for its facilitators (services.team): list, add a colleague, step down; and
colleague invitations, one-time links for someone without an account, accepted by the invitee."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from workingup.services import accounts, records, team
from workingup.web.api.facilitator import session_out
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import AUTH, error_responses
from workingup.web.schemas import (
    ColleagueAcceptIn,
    ColleagueInvitationOut,
    ColleagueInvitedOut,
    SessionOut,
    TeamMemberIn,
    TeamMemberOut,
    out,
)
from workingup.web.security import ApiDialogueFacilitator, now, session_policy

router = APIRouter(prefix="/api/v1", tags=["facilitator"], route_class=UnitOfWorkRoute)


def _member(account: records.Facilitator, ctx: ApiDialogueFacilitator) -> TeamMemberOut:
    return out(TeamMemberOut, account, you=account.id == ctx.facilitator.id)


@router.get(
    "/manage/{slug}/facilitators",
    operation_id="list_facilitators",
    response_model=list[TeamMemberOut],
    responses=error_responses(*AUTH),
)
def list_facilitators(ctx: ApiDialogueFacilitator, session: SessionDep) -> list[TeamMemberOut]:
    return [_member(m, ctx) for m in team.members(session, ctx.dialogue)]


@router.post(
    "/manage/{slug}/facilitators",
    operation_id="add_facilitator",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamMemberOut,
    responses=error_responses(*AUTH),
    summary="Make an existing facilitator account one of this dialogue's facilitators",
)
def add_facilitator(body: TeamMemberIn, ctx: ApiDialogueFacilitator, session: SessionDep) -> TeamMemberOut:
    account = team.add_member(session, ctx.dialogue, body.email)
    return _member(account, ctx)


@router.delete(
    "/manage/{slug}/facilitators/{facilitator_id}",
    operation_id="remove_facilitator",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(*AUTH),
    summary="Take a facilitator off this dialogue (yourself included; never the last one)",
)
def remove_facilitator(facilitator_id: int, ctx: ApiDialogueFacilitator, session: SessionDep) -> Response:
    team.remove_member(session, ctx.dialogue, facilitator_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _colleague(invitation: records.ColleagueInvitation) -> ColleagueInvitationOut:
    return ColleagueInvitationOut.model_validate(invitation)


@router.get(
    "/manage/{slug}/colleague-invitations",
    operation_id="list_colleague_invitations",
    response_model=list[ColleagueInvitationOut],
    responses=error_responses(*AUTH),
    summary="Colleague invitations not yet used, withdrawn or expired",
)
def list_colleague_invitations(
    ctx: ApiDialogueFacilitator, session: SessionDep
) -> list[ColleagueInvitationOut]:
    return [_colleague(i) for i in team.pending(session, ctx.dialogue)]


@router.post(
    "/manage/{slug}/colleague-invitations",
    operation_id="invite_colleague",
    status_code=status.HTTP_201_CREATED,
    response_model=ColleagueInvitedOut,
    responses=error_responses(409, *AUTH),
    summary="A one-time link for someone without an account to join this dialogue's facilitators",
)
def invite_colleague(
    request: Request, body: TeamMemberIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> ColleagueInvitedOut:
    invited = team.invite(session, ctx.dialogue, body.email, ctx.facilitator)
    link = str(request.url_for("colleague_invitation_page", token=invited.token))
    return ColleagueInvitedOut(invitation=_colleague(invited.invitation), link=link, token=invited.token)


@router.post(
    "/manage/{slug}/colleague-invitations/{invitation_id}/withdraw",
    operation_id="withdraw_colleague_invitation",
    response_model=ColleagueInvitationOut,
    responses=error_responses(*AUTH),
)
def withdraw_colleague_invitation(
    invitation_id: int, ctx: ApiDialogueFacilitator, session: SessionDep
) -> ColleagueInvitationOut:
    invitation = team.withdraw(session, ctx.dialogue, invitation_id)
    return _colleague(invitation)


@router.post(
    "/colleague-invitations/{token}/accept",
    operation_id="accept_colleague_invitation",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionOut,
    responses=error_responses(400, 404, 409),
    summary="Create your facilitator account with your own name and password; you are signed in",
)
def accept_colleague_invitation(
    request: Request, token: str, body: ColleagueAcceptIn, session: SessionDep
) -> SessionOut:
    account, _dialogue = team.accept(session, token, body.display_name, body.password, now(request))
    opened = accounts.open_session(session, account, policy=session_policy(request), now=now(request))
    return session_out(session, opened)

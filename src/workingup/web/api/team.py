"""The facilitators of a dialogue, for its facilitators (services.team): list, add a colleague, step down."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from workingup.services import team
from workingup.store import models
from workingup.web.deps import SessionDep
from workingup.web.errors import error_responses
from workingup.web.schemas import TeamMemberIn, TeamMemberOut
from workingup.web.security import ApiDialogueFacilitator

router = APIRouter(prefix="/api/v1", tags=["facilitator"])
AUTH = (400, 401, 403, 404)


def _member(account: models.Facilitator, ctx: ApiDialogueFacilitator) -> TeamMemberOut:
    return TeamMemberOut(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        you=account.id == ctx.facilitator.id,
    )


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
    session.commit()
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
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

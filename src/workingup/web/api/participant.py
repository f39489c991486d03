"""Participant API: join, profile, the next statement, votes, submitting statements, my votes.

Authenticated by the participant token (`Authorization: Bearer`); the token decides who acts, so no route
takes a participant id, and a token of another dialogue gets 403.
"""

from __future__ import annotations

import random
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse

from workingup.services import accounts, participation, records
from workingup.services.dialogues import dialogue_by_id, get_dialogue
from workingup.services.errors import Unauthenticated
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import error_responses
from workingup.web.limits import check_limit, client_address
from workingup.web.schemas import (
    JoinedOut,
    MyVoteOut,
    NextStatementOut,
    OwnStatementOut,
    ParticipantSelf,
    ProfileIn,
    ProgressOut,
    StatementForParticipant,
    StatementIn,
    SubmissionOut,
    VoteIn,
    VoteOut,
    out,
)
from workingup.web.security import ApiParticipant, BearerDep
from workingup.web.state import app_state
from workingup.web.voting import cast_api_vote

router = APIRouter(prefix="/api/v1", tags=["participant"], route_class=UnitOfWorkRoute)


def _self(participant: records.Participant, dialogue: records.Dialogue) -> ParticipantSelf:
    return out(ParticipantSelf, participant, dialogue=dialogue.slug)


def _profile(body: ProfileIn) -> participation.Profile:
    return participation.Profile(sector=body.sector, leaning=body.leaning, consent=body.consent)


def _statement(statement: records.Statement, dialogue: records.Dialogue) -> StatementForParticipant:
    area = next((fa.title for fa in dialogue.focus_areas if fa.id == statement.focus_area_id), None)
    return out(StatementForParticipant, statement, focus_area=area)


def _progress(p: participation.VotingProgress) -> ProgressOut:
    return ProgressOut.model_validate(p)


@router.post(
    "/dialogues/{slug}/participants",
    operation_id="join_dialogue",
    status_code=status.HTTP_201_CREATED,
    response_model=JoinedOut,
    responses=error_responses(400, 403, 404, 429),
    summary="Join through the open link (when the facilitators allow it)",
)
def join_dialogue(request: Request, slug: str, body: ProfileIn, session: SessionDep) -> JoinedOut:
    dialogue = get_dialogue(session, slug)
    if dialogue.open_join:  # refused anyway otherwise, and a refusal is no new participant
        check_limit(request, "joins", client_address(request))
    joined = participation.join_open(session, dialogue, _profile(body))
    return JoinedOut(participant=_self(joined.participant, dialogue), token=joined.token)


@router.post(
    "/invitations/{token}/accept",
    operation_id="accept_invitation",
    status_code=status.HTTP_201_CREATED,
    response_model=JoinedOut,
    responses=error_responses(400, 404),
)
def accept_invitation(token: str, body: ProfileIn, session: SessionDep) -> JoinedOut:
    joined = participation.accept_invitation(session, token, _profile(body))
    dialogue = dialogue_by_id(session, joined.participant.dialogue_id)
    return JoinedOut(participant=_self(joined.participant, dialogue), token=joined.token)


@router.get(
    "/dialogues/{slug}/me",
    operation_id="get_own_profile",
    response_model=ParticipantSelf,
    responses=error_responses(401, 403, 404),
)
def get_own_profile(ctx: ApiParticipant) -> ParticipantSelf:
    return _self(ctx.participant, ctx.dialogue)


@router.put(
    "/dialogues/{slug}/me",
    operation_id="update_own_profile",
    response_model=ParticipantSelf,
    responses=error_responses(400, 401, 403, 404),
)
def update_own_profile(body: ProfileIn, ctx: ApiParticipant, session: SessionDep) -> ParticipantSelf:
    participation.update_profile(session, ctx.dialogue, ctx.participant, _profile(body))
    return _self(ctx.participant, ctx.dialogue)


@router.get(
    "/dialogues/{slug}/me/next",
    operation_id="get_next_statement",
    response_model=NextStatementOut,
    responses=error_responses(401, 403, 404),
    summary="The next statement to vote on, chosen by the routing priority; null when none is left",
)
def get_next_statement(request: Request, ctx: ApiParticipant, session: SessionDep) -> NextStatementOut:
    participation.check_open(ctx.dialogue)  # no card to offer once voting closed: say why, not "none left"
    priority = app_state(request).analyses.priority(session, ctx.dialogue.id, ctx.participant.id)
    statement = participation.next_statement(
        session, ctx.dialogue, ctx.participant, random.Random(), priority
    )
    return NextStatementOut(
        statement=_statement(statement, ctx.dialogue) if statement else None,
        progress=_progress(participation.progress(session, ctx.dialogue, ctx.participant)),
    )


@router.post(
    "/dialogues/{slug}/votes",
    operation_id="cast_vote",
    response_model=VoteOut,
    responses=error_responses(400, 401, 403, 404, 409, 429),
    summary="Vote on a statement (agree 1, disagree -1, pass 0); voting again changes the vote",
)
async def cast_vote(
    request: Request,
    slug: str,
    body: VoteIn,
    credentials: BearerDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=64,
            description="Any string unique to this vote (a UUID): resending it after a lost answer never counts twice.",
        ),
    ] = None,
) -> VoteOut:
    """The busiest route: the vote lane (web/vote_lane.py) answers its ordinary requests before FastAPI does,
    with the same `cast_api_vote`; this declaration is the schema, and answers every request of another shape."""
    if credentials is None:
        raise Unauthenticated("join the dialogue first: this needs a participant token")
    return await cast_api_vote(
        app_state(request), slug, credentials.credentials, body.statement_id, body.value, idempotency_key
    )


@router.get(
    "/dialogues/{slug}/me/votes",
    operation_id="list_own_votes",
    response_model=list[MyVoteOut],
    responses=error_responses(401, 403, 404),
)
def list_own_votes(ctx: ApiParticipant, session: SessionDep) -> list[MyVoteOut]:
    return [out(MyVoteOut, v, value=int(v.value)) for v in participation.my_votes(session, ctx.participant)]


@router.post(
    "/dialogues/{slug}/statements",
    operation_id="submit_statement",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionOut,
    responses={
        **error_responses(400, 401, 403, 404, 429),
        409: {"model": SubmissionOut, "description": "A duplicate exists; resend with confirm_duplicate."},
    },
)
def submit_statement(
    request: Request, body: StatementIn, ctx: ApiParticipant, session: SessionDep
) -> SubmissionOut | JSONResponse:
    check_limit(request, "statements", ctx.participant.id)
    result = participation.submit_statement(
        session,
        ctx.dialogue,
        ctx.participant,
        body.text,
        body.focus_area,
        confirm_duplicate=body.confirm_duplicate,
    )
    duplicate = _statement(result.duplicate, ctx.dialogue) if result.duplicate else None
    if result.statement is None:  # a likely duplicate, not sent: nothing to keep
        session.rollback()
        refused = SubmissionOut(statement=None, duplicate=duplicate)
        return JSONResponse(refused.model_dump(mode="json"), status_code=status.HTTP_409_CONFLICT)
    st = result.statement
    area = next((fa.title for fa in ctx.dialogue.focus_areas if fa.id == st.focus_area_id), None)
    return SubmissionOut(
        statement=out(OwnStatementOut, st, focus_area=area),
        duplicate=duplicate,
    )


# Last on purpose: API clients (and schema-driven tests) that walk the routes in order end their token only after
# using it everywhere else.
@router.delete(
    "/dialogues/{slug}/me/token",
    operation_id="end_own_token",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
    summary="Stop this token from working (e.g. on a shared device); the votes cast with it stay counted",
)
def end_own_token(ctx: ApiParticipant, session: SessionDep) -> Response:
    accounts.end_participant_token(session, ctx.participant)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

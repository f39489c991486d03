"""Who is asking: participants by bearer token, facilitators by session, and CSRF protection for forms.

The JSON API authenticates with `Authorization: Bearer <token>` only — a participant token or a facilitator
session token — so it needs no CSRF defence (browsers never attach that header on their own). Pages keep the same
tokens in HttpOnly, SameSite=Lax cookies, and every form POST must echo a per-browser CSRF value that only a
page of this site could have read (double-submit cookie).

How long a facilitator session lives comes from the app state's `session_policy` (from the settings) and the time
from its `clock` when a test has set one, so expiry is tested by moving a clock, not by sleeping.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from workingup.services import records
from workingup.services.accounts import SessionPolicy, facilitates, facilitator_by_id, facilitator_for_token
from workingup.services.dialogues import get_dialogue
from workingup.services.errors import Forbidden, ServiceError, Unauthenticated
from workingup.services.participation import participant_for_token
from workingup.web.deps import SessionDep
from workingup.web.state import app_state

SESSION_COOKIE = "wu_session"
CSRF_COOKIE = "wu_csrf"
CSRF_FIELD = "csrf_token"

bearer = HTTPBearer(
    auto_error=False,
    description="A participant token (from joining) or a facilitator session token (from signing in).",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


class LoginRequired(ServiceError):
    """A facilitator page was opened without a session: the browser is sent to the sign-in page."""


class CsrfFailed(Forbidden):
    pass


def session_policy(request: Request) -> SessionPolicy:
    """The app's facilitator-session lifetimes (WORKINGUP_SESSION_HOURS / _IDLE_MINUTES, or a test's own)."""
    return app_state(request).session_policy


def now(request: Request) -> datetime:
    """The current time, or the time of the clock a test put on the app."""
    clock = app_state(request).clock
    return clock() if clock is not None else records.utcnow()


def facilitator_of_token(request: Request, session: SessionDep, token: str) -> records.Facilitator | None:
    """The facilitator of a live session token, in `session`.

    Checking the token is a unit of work of its own, committed before the route runs: it slides the idle expiry
    forward and deletes an expired session's row, and both must hold even when the request is then refused and
    its own work rolled back."""
    with app_state(request).database.unit_of_work() as own:
        facilitator_id = facilitator_for_token(own, token, policy=session_policy(request), now=now(request))
    return None if facilitator_id is None else facilitator_by_id(session, facilitator_id)


def participant_cookie(dialogue_id: int) -> str:
    return f"wu_p{dialogue_id}"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@dataclass(frozen=True)
class ParticipantContext:
    dialogue: records.Dialogue
    participant: records.Participant


@dataclass(frozen=True)
class FacilitatorContext:
    dialogue: records.Dialogue
    facilitator: records.Facilitator


def _participant(
    request: Request, session: SessionDep, dialogue: records.Dialogue, token: str | None
) -> ParticipantContext:
    if not token:
        raise Unauthenticated("join the dialogue first: this needs a participant token")
    participant = participant_for_token(session, token)
    if participant is None:
        if facilitator_of_token(request, session, token) is not None:
            # Signed in, just not as a participant: the same answer a participant gets on facilitator routes.
            raise Forbidden("facilitators take part only by joining, with a participant token")
        raise Unauthenticated("unknown or ended participant token")
    if participant.dialogue_id != dialogue.id:
        raise Forbidden("this token belongs to a participant of another dialogue")
    return ParticipantContext(dialogue, participant)


def api_participant(
    request: Request, slug: str, session: SessionDep, credentials: BearerDep
) -> ParticipantContext:
    dialogue = get_dialogue(session, slug)
    return _participant(request, session, dialogue, credentials.credentials if credentials else None)


def api_facilitator(request: Request, session: SessionDep, credentials: BearerDep) -> records.Facilitator:
    if credentials is None:
        raise Unauthenticated("sign in first: this needs a facilitator session token")
    facilitator = facilitator_of_token(request, session, credentials.credentials)
    if facilitator is None:
        if participant_for_token(session, credentials.credentials) is not None:
            raise Forbidden("participants cannot use facilitator endpoints")
        raise Unauthenticated("unknown or expired session")
    return facilitator


def api_dialogue_facilitator(
    slug: str, session: SessionDep, facilitator: Annotated[records.Facilitator, Depends(api_facilitator)]
) -> FacilitatorContext:
    dialogue = get_dialogue(session, slug)
    if not facilitates(session, facilitator.id, dialogue.id):
        raise Forbidden("only this dialogue's facilitators may do this")
    return FacilitatorContext(dialogue, facilitator)


ApiParticipant = Annotated[ParticipantContext, Depends(api_participant)]
ApiFacilitator = Annotated[records.Facilitator, Depends(api_facilitator)]
ApiDialogueFacilitator = Annotated[FacilitatorContext, Depends(api_dialogue_facilitator)]


def page_participant(
    request: Request, session: SessionDep, dialogue: records.Dialogue
) -> ParticipantContext | None:
    """The participant this browser joined `dialogue` as, or None."""
    token = request.cookies.get(participant_cookie(dialogue.id))
    if not token:
        return None
    participant = participant_for_token(session, token)
    if participant is None or participant.dialogue_id != dialogue.id:
        return None
    return ParticipantContext(dialogue, participant)


def page_facilitator(request: Request, session: SessionDep) -> records.Facilitator | None:
    token = request.cookies.get(SESSION_COOKIE)
    return facilitator_of_token(request, session, token) if token else None


def page_dialogue_facilitator(request: Request, session: SessionDep, slug: str) -> FacilitatorContext:
    facilitator = page_facilitator(request, session)
    if facilitator is None:
        raise LoginRequired("please sign in")
    dialogue = get_dialogue(session, slug)
    if not facilitates(session, facilitator.id, dialogue.id):
        raise Forbidden("only this dialogue's facilitators may see this page")
    return FacilitatorContext(dialogue, facilitator)


PageFacilitator = Annotated[FacilitatorContext, Depends(page_dialogue_facilitator)]


def csrf_token(request: Request) -> tuple[str, bool]:
    """This browser's CSRF value, and whether it is new (and so must be set as a cookie)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing, False
    return secrets.token_urlsafe(32), True


def verify_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """Every form POST must carry the browser's CSRF value; a cross-site page cannot read it."""
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not csrf_token or not hmac.compare_digest(expected, csrf_token):
        raise CsrfFailed("the form has expired or came from another site; reload the page and try again")


CsrfChecked = Depends(verify_csrf)

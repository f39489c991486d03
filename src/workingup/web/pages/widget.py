"""The participation widget: a dialogue's voting card small enough to sit in a frame on another site.

An organisation places it on its own page with the snippet docs/embed.md documents (an iframe of
/d/{slug}/widget); people join with one consent and vote there without leaving that site. It is the only page
another site may frame: its Content-Security-Policy's frame-ancestors lists this site and the origins of the
WORKINGUP_EMBED_ORIGINS setting (web/headers.py), every other page keeps frame-ancestors 'none'. Joining and
voting are the participant pages' own paths (the same service calls, the same CSRF check, the same vote
idempotency and rate limits); only the page around them is smaller, and each answer comes back to the widget.
"""

from __future__ import annotations

import random
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from workingup.domain import VoteValue
from workingup.services import participation
from workingup.services.dialogues import get_dialogue
from workingup.services.errors import Forbidden, ServiceError
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.limits import check_limit, client_address
from workingup.web.pages.participant import COOKIE_AGE, _cast_card
from workingup.web.rendering import render
from workingup.web.security import CsrfChecked, page_participant, participant_cookie, set_cookie
from workingup.web.state import app_state
from workingup.web.strings import catalogue

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)
_ = catalogue()


@router.get("/d/{slug}/widget", name="widget_page")
def widget_page(request: Request, slug: str, session: SessionDep, voted: int | None = None) -> Response:
    dialogue = get_dialogue(session, slug)
    context = page_participant(request, session, dialogue)
    values: dict[str, object] = {"dialogue": dialogue, "joined": context is not None}
    if context is not None and context.participant.consented_at is not None:
        participant = context.participant
        priority = app_state(request).analyses.priority(session, dialogue.id, participant.id)
        values |= {
            "statement": participation.next_statement(
                session, dialogue, participant, random.Random(), priority
            ),
            "progress": participation.progress(session, dialogue, participant),
            "request_key": secrets.token_urlsafe(16),
            "notice": _("vote.recorded", value=_.label("value", voted)) if voted in (-1, 0, 1) else None,
        }
    return render(request, "public/widget.html", values)


@router.post("/d/{slug}/widget/join", dependencies=[CsrfChecked])
def widget_join(
    request: Request, slug: str, session: SessionDep, consent: Annotated[str, Form()] = ""
) -> Response:
    """Join through the open link with consent only (sector and leaning can be given later on the profile page)."""
    dialogue = get_dialogue(session, slug)
    back = request.url_for("widget_page", slug=slug)
    if page_participant(request, session, dialogue) is not None:
        return RedirectResponse(back, status_code=303)
    check_limit(request, "joins", client_address(request))
    try:
        joined = participation.join_open(session, dialogue, participation.Profile(consent=consent == "yes"))
    except Forbidden:
        raise
    except ServiceError as error:
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        return render(
            request, "public/widget.html", {"dialogue": dialogue, "joined": False, "error": str(error)}, 400
        )
    response = RedirectResponse(back, status_code=303)
    set_cookie(request, response, participant_cookie(dialogue.id), joined.token, COOKIE_AGE)
    return response


@router.post("/d/{slug}/widget/vote", dependencies=[CsrfChecked])
def widget_vote(
    request: Request,
    slug: str,
    session: SessionDep,
    statement_id: Annotated[int, Form()],
    value: Annotated[int, Form()],
    request_key: Annotated[str, Form()] = "",
) -> Response:
    dialogue = get_dialogue(session, slug)
    context = page_participant(request, session, dialogue)
    back = str(request.url_for("widget_page", slug=slug))
    if context is None:
        return RedirectResponse(back, status_code=303)
    _cast_card(request, session, context, statement_id, value, request_key)
    return RedirectResponse(f"{back}?voted={int(VoteValue(value))}", status_code=303)

"""The participant's pages: join (open link or invitation), profile and consent, the voting card, submitting a
statement, and "my votes". Each form POST redirects (post/redirect/get) so reloading never votes twice."""

from __future__ import annotations

import random
import secrets
from typing import Annotated
from urllib.parse import urlencode

from anyio import from_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from workingup.domain import Leaning, VoteValue
from workingup.services import accounts, participation, records, statement_rules, voting
from workingup.services.dialogues import any_simulated, dialogue_by_id, get_dialogue
from workingup.services.errors import Forbidden, ServiceError
from workingup.services.tokens import hash_token
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.limits import check_limit, client_address
from workingup.web.rendering import render
from workingup.web.security import (
    CsrfChecked,
    ParticipantContext,
    page_participant,
    participant_cookie,
    set_cookie,
)
from workingup.web.state import app_state
from workingup.web.strings import catalogue

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)
_ = catalogue()
COOKIE_AGE = 400 * 24 * 3600  # as long as browsers keep cookies: a participant comes back over weeks


def _redirect(url: str, **params: object) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def _profile_from_form(sector: str, leaning: str, consent: str) -> participation.Profile:
    try:
        parsed = Leaning(leaning) if leaning else Leaning.UNDISCLOSED
    except ValueError:
        raise ServiceError(f"unknown leaning {leaning!r}") from None
    return participation.Profile(sector=sector or None, leaning=parsed, consent=consent == "yes")


def _profile_context(
    session: Session, dialogue: records.Dialogue, profile: participation.Profile | records.Participant
) -> dict[str, object]:
    return {
        "dialogue": dialogue,
        "leanings": list(Leaning),
        "profile": profile,
        "simulated": any_simulated(session, dialogue.id),
    }


def _participant_or_join(request: Request, session: Session, slug: str) -> ParticipantContext | Response:
    dialogue = get_dialogue(session, slug)
    context = page_participant(request, session, dialogue)
    if context is None:
        target = "join_page" if dialogue.open_join else "dialogue_page"
        return RedirectResponse(request.url_for(target, slug=slug), status_code=303)
    return context


# --- joining ----------------------------------------------------------------------------------------------------


@router.get("/d/{slug}/join", name="join_page")
def join_page(request: Request, slug: str, session: SessionDep) -> Response:
    dialogue = get_dialogue(session, slug)
    if page_participant(request, session, dialogue) is not None:
        return RedirectResponse(request.url_for("vote_page", slug=slug), status_code=303)
    if not dialogue.open_join:
        raise Forbidden("this dialogue is by invitation only")
    return render(
        request,
        "join.html",
        {
            **_profile_context(session, dialogue, participation.Profile()),
            "action": request.url_for("join_page", slug=slug),
        },
    )


@router.post("/d/{slug}/join", dependencies=[CsrfChecked])
def join_submit(
    request: Request,
    slug: str,
    session: SessionDep,
    sector: Annotated[str, Form()] = "",
    leaning: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
) -> Response:
    dialogue = get_dialogue(session, slug)
    if page_participant(request, session, dialogue) is not None:
        # A second submit (another tab, the back button) must not make this browser a second voter.
        return RedirectResponse(request.url_for("vote_page", slug=slug), status_code=303)
    if dialogue.open_join:
        check_limit(request, "joins", client_address(request))
    profile = participation.Profile()
    try:
        profile = _profile_from_form(sector, leaning, consent)
        joined = participation.join_open(session, dialogue, profile)
    except Forbidden:
        raise
    except ServiceError as error:
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        context = {
            **_profile_context(session, dialogue, profile),
            "action": request.url_for("join_page", slug=slug),
        }
        return render(request, "join.html", {**context, "error": str(error)}, status_code=400)
    response = RedirectResponse(request.url_for("vote_page", slug=slug), status_code=303)
    set_cookie(request, response, participant_cookie(dialogue.id), joined.token, COOKIE_AGE)
    return response


@router.get("/join/{token}", name="invitation_page")
def invitation_page(request: Request, token: str, session: SessionDep) -> Response:
    invitation = participation.invitation_for_token(session, token)
    dialogue = dialogue_by_id(session, invitation.dialogue_id)
    return render(
        request,
        "join.html",
        _invitation_context(request, session, dialogue, invitation, participation.Profile()),
    )


def _invitation_context(
    request: Request,
    session: Session,
    dialogue: records.Dialogue,
    invitation: records.Invitation,
    profile: participation.Profile,
) -> dict[str, object]:
    fixed = next((s.label for s in dialogue.sectors if s.key == invitation.sector), None)
    return {
        **_profile_context(session, dialogue, profile),
        "role": invitation.role,
        "fixed_sector": fixed,
        "action": request.url.path,
    }


@router.post("/join/{token}", dependencies=[CsrfChecked])
def invitation_submit(
    request: Request,
    token: str,
    session: SessionDep,
    sector: Annotated[str, Form()] = "",
    leaning: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
) -> Response:
    invitation = participation.invitation_for_token(session, token)
    dialogue = dialogue_by_id(session, invitation.dialogue_id)
    profile = participation.Profile()
    try:
        profile = _profile_from_form(sector, leaning, consent)
        joined = participation.accept_invitation(session, token, profile)
    except ServiceError as error:
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        context = _invitation_context(request, session, dialogue, invitation, profile)
        status = 403 if isinstance(error, Forbidden) else 400  # voting closed
        return render(request, "join.html", {**context, "error": str(error)}, status_code=status)
    response = RedirectResponse(request.url_for("vote_page", slug=dialogue.slug), status_code=303)
    set_cookie(request, response, participant_cookie(dialogue.id), joined.token, COOKIE_AGE)
    return response


# --- profile ----------------------------------------------------------------------------------------------------


def _profile_page(
    request: Request, session: Session, context: ParticipantContext, **extra: object
) -> Response:
    participant = context.participant
    invited = participation.invited_sector_of(session, participant)
    fixed = next((s.label for s in context.dialogue.sectors if invited and s.key == invited), None)
    status = 400 if extra.get("error") else 200
    return render(
        request,
        "profile.html",
        {
            **_profile_context(session, context.dialogue, participant),
            "participant": participant,
            "fixed_sector": fixed,
            "consented_at": participant.consented_at,
            **extra,
        },
        status_code=status,
    )


@router.get("/d/{slug}/profile", name="profile_page")
def profile_page(request: Request, slug: str, session: SessionDep, saved: int = 0) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    return _profile_page(request, session, context, notice=_("profile.saved") if saved else None)


@router.post("/d/{slug}/profile", dependencies=[CsrfChecked])
def profile_submit(
    request: Request,
    slug: str,
    session: SessionDep,
    sector: Annotated[str, Form()] = "",
    leaning: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    try:
        profile = _profile_from_form(sector, leaning, consent)
        participation.update_profile(session, context.dialogue, context.participant, profile)
    except ServiceError as error:
        session.rollback()
        return _profile_page(request, session, context, error=str(error))
    return _redirect(str(request.url_for("profile_page", slug=slug)), saved=1)


@router.post("/d/{slug}/profile/end-access", dependencies=[CsrfChecked])
def end_own_access(request: Request, slug: str, session: SessionDep) -> Response:
    """On a shared or borrowed device: this browser's link to the participant ends, for good (the token is what
    the cookie holds, and it stops working everywhere); the votes and statements stay counted."""
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    accounts.end_participant_token(session, context.participant)
    response = _redirect(str(request.url_for("dialogue_page", slug=slug)), left=1)
    response.delete_cookie(participant_cookie(context.dialogue.id), path="/")
    return response


def _cast(
    request: Request, context: ParticipantContext, statement_id: int, value: int, key: str | None
) -> None:
    """The page's vote, by the one vote path (services.voting): the same checks, group commit and idempotency
    as the API's. This route runs in a worker thread; the vote writer lives on the event loop, so the vote is
    handed to the loop and this thread waits until it is durable (and the redirect's next page sees it)."""
    check_limit(request, "votes", context.participant.id)
    _write(request, context, statement_id, value, key)


def _write(
    request: Request, context: ParticipantContext, statement_id: int, value: int, key: str | None
) -> voting.Receipt:
    state = app_state(request)
    token = request.cookies.get(participant_cookie(context.dialogue.id), "")
    vote = voting.VoteRequest(context.dialogue.slug, hash_token(token), statement_id, value, key)
    return from_thread.run(voting.cast, state.vote_writer, state.analyses.votes_arrived, vote)


def card_key(card: str, value: int, round: int = 1) -> str | None:
    """The idempotency key of a press on a voting card: the card's key (made when the card was shown), the
    answer pressed, and from the second round on (see `_cast_card`) the round.

    Why the answer is part of it: the key must make a double click (or the form sent again) one vote, yet a
    participant who goes back to the card and presses another answer is changing their vote, as they always
    could — with the card's key alone that second answer reused the key for another vote and was refused (409).
    Why not drop the key and let the newest vote win: the current vote would be right, but every double click
    would add an event to the vote history, which the analysis and the audit read. No card key (an old page, a
    hand-made form), no idempotency: each press is a vote, as before the key existed."""
    if not card:
        return None
    return f"{card}:{value}" if round == 1 else f"{card}:{value}:{round}"


def _cast_card(
    request: Request, session: Session, context: ParticipantContext, statement_id: int, value: int, card: str
) -> None:
    """A press on the voting card. One case the card and answer alone get wrong: agree, back, disagree, back,
    agree again — the third press repeats the first one's key and would be answered from the first vote while
    disagree still counts. So a replayed vote that a newer vote has since replaced moves the press to the next
    round's key, until a vote is written or the replayed vote is the one that counts: the last answer counts, and
    a double click in any round is still one vote. The rounds are bounded by the votes already on the card."""
    check_limit(request, "votes", context.participant.id)
    round = 1
    while True:
        receipt = _write(request, context, statement_id, value, card_key(card, value, round))
        if not receipt.replayed or not participation.superseded(
            session, context.participant, statement_id, receipt.vote_id
        ):
            return
        round += 1


# --- voting -----------------------------------------------------------------------------------------------------


@router.get("/d/{slug}/vote", name="vote_page")
def vote_page(request: Request, slug: str, session: SessionDep, voted: int | None = None) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    dialogue, participant = context.dialogue, context.participant
    if participant.consented_at is None:
        return RedirectResponse(request.url_for("profile_page", slug=slug), status_code=303)
    priority = app_state(request).analyses.priority(session, dialogue.id, participant.id)
    statement = participation.next_statement(session, dialogue, participant, random.Random(), priority)
    area = next(
        (fa.title for fa in dialogue.focus_areas if statement and fa.id == statement.focus_area_id), None
    )
    notice = None
    if voted in (-1, 0, 1):
        notice = _("vote.recorded", value=_.label("value", voted))
    return render(
        request,
        "vote.html",
        {
            "dialogue": dialogue,
            "statement": statement,
            "statement_area": area,
            "progress": participation.progress(session, dialogue, participant),
            "simulated": any_simulated(session, dialogue.id),
            "vote_notice": notice,  # in the page's own status line, whose place is kept (no layout shift)
            "request_key": secrets.token_urlsafe(16),
        },
    )


@router.post("/d/{slug}/vote", dependencies=[CsrfChecked])
def vote_submit(
    request: Request,
    slug: str,
    session: SessionDep,
    statement_id: Annotated[int, Form()],
    value: Annotated[int, Form()],
    request_key: Annotated[str, Form()] = "",
) -> Response:
    """The voting card's form carries a key made when the card was shown; the vote's key adds the answer pressed
    (`card_key`): a double click is one vote, another answer on the same card changes the vote."""
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    _cast_card(request, session, context, statement_id, value, request_key)
    return _redirect(str(request.url_for("vote_page", slug=slug)), voted=int(VoteValue(value)))


# --- submitting -------------------------------------------------------------------------------------------------


def _submit_context(session: Session, dialogue: records.Dialogue, **extra: object) -> dict[str, object]:
    return {
        "dialogue": dialogue,
        "simulated": any_simulated(session, dialogue.id),
        "min_length": statement_rules.MIN_STATEMENT_LENGTH,
        "max_length": statement_rules.MAX_STATEMENT_LENGTH,
        "text": "",
        "focus_area": "",
        **extra,
    }


@router.get("/d/{slug}/statements/new", name="submit_page")
def submit_page(request: Request, slug: str, session: SessionDep, sent: int = 0) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    notice = _("submit.thanks") if sent else None
    return render(request, "submit.html", _submit_context(session, context.dialogue, notice=notice))


@router.post("/d/{slug}/statements/new", dependencies=[CsrfChecked])
def submit_statement(
    request: Request,
    slug: str,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
    focus_area: Annotated[str, Form()] = "",
    confirm_duplicate: Annotated[str, Form()] = "",
) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    check_limit(request, "statements", context.participant.id)
    form = {"text": text, "focus_area": focus_area}
    try:
        result = participation.submit_statement(
            session,
            context.dialogue,
            context.participant,
            text,
            focus_area or None,
            confirm_duplicate=confirm_duplicate == "yes",
        )
    except ServiceError as error:
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        status = 403 if isinstance(error, Forbidden) else 400  # voting closed, or not consented
        return render(
            request,
            "submit.html",
            _submit_context(session, context.dialogue, error=str(error), **form),
            status,
        )
    if result.statement is None:  # a likely duplicate, not sent: nothing to keep
        session.rollback()
        return render(
            request,
            "submit.html",
            _submit_context(session, context.dialogue, duplicate=result.duplicate, **form),
            409,
        )
    return _redirect(str(request.url_for("submit_page", slug=slug)), sent=1)


# --- my votes ---------------------------------------------------------------------------------------------------


@router.get("/d/{slug}/my-votes", name="my_votes_page")
def my_votes_page(request: Request, slug: str, session: SessionDep, changed: int | None = None) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    notice = _("my_votes.changed", value=_.label("value", changed)) if changed in (-1, 0, 1) else None
    return render(
        request,
        "my_votes.html",
        {
            "dialogue": context.dialogue,
            "votes": participation.my_votes(session, context.participant),
            "simulated": any_simulated(session, context.dialogue.id),
            "notice": notice,
        },
    )


@router.post("/d/{slug}/my-votes", dependencies=[CsrfChecked])
def my_votes_change(
    request: Request,
    slug: str,
    session: SessionDep,
    statement_id: Annotated[int, Form()],
    value: Annotated[int, Form()],
) -> Response:
    context = _participant_or_join(request, session, slug)
    if isinstance(context, Response):
        return context
    _cast(request, context, statement_id, value, None)
    url = str(request.url_for("my_votes_page", slug=slug))
    return RedirectResponse(f"{url}?changed={int(VoteValue(value))}#vote-{statement_id}", status_code=303)

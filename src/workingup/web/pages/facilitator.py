"""The facilitator's pages: sign in, setup and phases, roster and balance, moderation, dashboard, exports.

Every page under /f/{slug} needs a session (else the browser goes to the sign-in page) and membership of the
dialogue's facilitators (else 403). Forms POST with the CSRF value and redirect back with a notice.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from workingup.domain import Phase, Role, StatementKind
from workingup.services import accounts, moderation, roster, setup, team
from workingup.services.dialogues import any_simulated, counts, dialogue_by_id
from workingup.services.errors import NotFound, ServiceError
from workingup.web.analysis_view import analysis_view
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.exports import csv_response, polis_zip_response
from workingup.web.limits import sign_in_attempt
from workingup.web.rendering import render
from workingup.web.security import (
    SESSION_COOKIE,
    CsrfChecked,
    FacilitatorContext,
    PageFacilitator,
    now,
    page_facilitator,
    session_policy,
    set_cookie,
)
from workingup.web.state import app_state
from workingup.web.strings import catalogue
from workingup.web.tables import (
    balance_table,
    invitations_table,
    moderation_status_table,
    participation_table,
    people_table,
    phases_table,
    statements_table,
    tables_of,
    top_statements_table,
)

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)
_ = catalogue()


def _safe_next(target: str) -> str:
    """Only a path on this site: never an absolute URL an attacker could slip into ?next=."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/f"


def _back(
    request: Request, name: str, slug: str, notice: str | None = None, **params: str
) -> RedirectResponse:
    url = str(request.url_for(name, slug=slug))
    query = urlencode({**params, **({"notice": notice} if notice else {})})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def _back_once(
    request: Request, name: str, slug: str, notice: str | None, once: dict[str, str]
) -> RedirectResponse:
    """Back to page `name`, carrying `once` (a new link, whom it is for) to that one visit: short-lived cookies on
    the page's path, never in its address, so a link shown once stays out of history and server logs."""
    response = _back(request, name, slug, notice)
    path = str(request.url_for(name, slug=slug).path)
    for key, value in once.items():
        response.set_cookie(key, value, max_age=120, httponly=True, samesite="strict", path=path)
    return response


def _take_once(request: Request, response: Response, name: str, slug: str, keys: tuple[str, ...]) -> None:
    """The page has shown what `_back_once` carried: its cookies go."""
    path = str(request.url_for(name, slug=slug).path)
    for key in keys:
        if key in request.cookies:
            response.delete_cookie(key, path=path)


def _base(ctx: FacilitatorContext, current: str, notice: str | None, session: Session) -> dict[str, object]:
    return {
        "dialogue": ctx.dialogue,
        "facilitator": ctx.facilitator,
        "current": current,
        "notice": _(f"notice.{notice}") if notice and f"notice.{notice}" in _.messages else None,
        "simulated": any_simulated(session, ctx.dialogue.id),
    }


# --- signing in -------------------------------------------------------------------------------------------------


@router.get("/login", name="login_page")
def login_page(request: Request, session: SessionDep, next: str = "/f") -> Response:
    return render(
        request,
        "login.html",
        {
            "next": _safe_next(next),
            "demo": accounts.has_demo_facilitator(session) and app_state(request).allow_demo_login,
            "demo_email": accounts.DEMO_EMAIL,
            "demo_password": accounts.DEMO_PASSWORD,
        },
    )


@router.post("/login", dependencies=[CsrfChecked])
def login_submit(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/f",
) -> Response:
    try:
        with sign_in_attempt(request, email):
            opened = accounts.sign_in(
                session,
                email,
                password,
                allow_demo=app_state(request).allow_demo_login,
                policy=session_policy(request),
                now=now(request),
            )
    except accounts.AuthenticationFailed as error:
        session.rollback()  # the refusal answers normally: nothing of this request is kept
        context = {
            "next": _safe_next(next),
            "error": str(error),
            "email": email,
            "demo": accounts.has_demo_facilitator(session) and app_state(request).allow_demo_login,
            "demo_email": accounts.DEMO_EMAIL,
            "demo_password": accounts.DEMO_PASSWORD,
        }
        return render(request, "login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    max_age = int(session_policy(request).lifetime.total_seconds())
    set_cookie(request, response, SESSION_COOKIE, opened.token, max_age)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(session, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/f", name="facilitator_home")
def facilitator_home(request: Request, session: SessionDep) -> Response:
    facilitator = page_facilitator(request, session)
    if facilitator is None:
        return RedirectResponse("/login?next=/f", status_code=303)
    dialogues = accounts.facilitated_dialogues(session, facilitator.id)
    if len(dialogues) == 1:
        return RedirectResponse(request.url_for("dashboard_page", slug=dialogues[0].slug), status_code=303)
    return render(request, "facilitator/index.html", {"facilitator": facilitator, "dialogues": dialogues})


# --- setup ------------------------------------------------------------------------------------------------------


COLLEAGUE_ONCE = ("wu_new_colleague", "wu_new_colleague_email")
"""A new colleague invitation's link and whom it is for, shown once on the setup page."""
INVITATION_ONCE = ("wu_new_invitation", "wu_new_invitation_label")
"""A new (or reissued) invitation's link and whom it is for, shown once on the roster."""


@router.get("/f/{slug}", name="setup_page")
def setup_page(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, notice: str = ""
) -> Response:
    link_key, email_key = COLLEAGUE_ONCE
    response = render(
        request,
        "facilitator/setup.html",
        {
            **_base(ctx, "setup_page", notice, session),
            "next_phase": ctx.dialogue.phase.next(),
            "all_phases": list(Phase),
            "phases": phases_table(session, ctx.dialogue, {}),
            "team": team.members(session, ctx.dialogue),
            "pending_colleagues": team.pending(session, ctx.dialogue),
            "colleague_link": request.cookies.get(link_key),
            "colleague_email": request.cookies.get(email_key),
            "invitation_days": team.INVITATION_DAYS,
        },
    )
    _take_once(request, response, "setup_page", slug, COLLEAGUE_ONCE)
    return response


@router.post("/f/{slug}/facilitators", dependencies=[CsrfChecked])
def add_team_member(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, email: Annotated[str, Form()] = ""
) -> Response:
    added = team.add_or_invite(session, ctx.dialogue, email, ctx.facilitator)
    if not isinstance(added, team.ColleagueInvited):
        return _back(request, "setup_page", slug, "facilitator_added")
    link = str(request.url_for("colleague_invitation_page", token=added.token))
    return _back_once(
        request,
        "setup_page",
        slug,
        "colleague_invited",
        dict(zip(COLLEAGUE_ONCE, (link, added.invitation.email), strict=True)),
    )


@router.post("/f/{slug}/colleague-invitations/{invitation_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_colleague_invitation(
    request: Request, slug: str, invitation_id: int, session: SessionDep, ctx: PageFacilitator
) -> Response:
    team.withdraw(session, ctx.dialogue, invitation_id)
    return _back(request, "setup_page", slug, "colleague_withdrawn")


@router.get("/team/join/{token}", name="colleague_invitation_page")
def colleague_invitation_page(request: Request, token: str, session: SessionDep) -> Response:
    return _colleague_form(request, session, token)


@router.post("/team/join/{token}", dependencies=[CsrfChecked])
def accept_colleague_invitation(
    request: Request,
    token: str,
    session: SessionDep,
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    if password != password_again:
        return _colleague_form(request, session, token, display_name, _("colleague.mismatch"))
    try:
        account, dialogue = team.accept(session, token, display_name, password, now(request))
    except NotFound:
        raise
    except ServiceError as error:
        session.rollback()
        return _colleague_form(request, session, token, display_name, str(error))
    opened = accounts.open_session(session, account, policy=session_policy(request), now=now(request))
    response = RedirectResponse(request.url_for("dashboard_page", slug=dialogue.slug), status_code=303)
    set_cookie(
        request, response, SESSION_COOKIE, opened.token, int(session_policy(request).lifetime.total_seconds())
    )
    return response


def _colleague_form(
    request: Request, session: Session, token: str, display_name: str = "", error: str | None = None
) -> Response:
    invitation = team.invitation_for_token(session, token, now(request))
    return render(
        request,
        "colleague_join.html",
        {
            "invitation": invitation,
            "dialogue": dialogue_by_id(session, invitation.dialogue_id),
            "action": request.url.path,
            "display_name": display_name,
            "error": error,
        },
        status_code=400 if error else 200,
    )


@router.post("/f/{slug}/facilitators/{facilitator_id}/remove", dependencies=[CsrfChecked])
def remove_team_member(
    request: Request, slug: str, facilitator_id: int, session: SessionDep, ctx: PageFacilitator
) -> Response:
    team.remove_member(session, ctx.dialogue, facilitator_id)
    if facilitator_id == ctx.facilitator.id:  # stepped down: this dialogue's pages are no longer theirs
        return RedirectResponse("/f", status_code=303)
    return _back(request, "setup_page", slug, "facilitator_removed")


@router.post("/f/{slug}/phase", dependencies=[CsrfChecked])
def advance_phase(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    expected: Annotated[str, Form()] = "",
) -> Response:
    try:
        guard = Phase(expected) if expected else None
    except ValueError:
        raise ServiceError(f"unknown phase {expected!r}") from None
    setup.advance_phase(session, ctx.dialogue, guard)
    return _back(request, "setup_page", slug, "advanced")


@router.post("/f/{slug}/settings", dependencies=[CsrfChecked])
def change_settings(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    open_join: Annotated[str, Form()] = "",
    published: Annotated[str, Form()] = "",
    require_sector: Annotated[str, Form()] = "",
    require_leaning: Annotated[str, Form()] = "",
) -> Response:
    setup.change_settings(
        ctx.dialogue,
        setup.DialogueSettings(
            open_join=open_join == "yes",
            published=published == "yes",
            require_sector=require_sector == "yes",
            require_leaning=require_leaning == "yes",
        ),
    )
    return _back(request, "setup_page", slug, "saved")


@router.post("/f/{slug}/voting", dependencies=[CsrfChecked])
def switch_voting(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    open: Annotated[str, Form()] = "",
    closes_in: Annotated[str | None, Form()] = None,
) -> Response:
    """The voting switch (`open` = "yes" or "no") and the closing phase (`closes_in`), each when sent."""
    settings = setup.DialogueSettings(
        voting_open={"yes": True, "no": False}.get(open), voting_closes_in=closes_in
    )
    setup.change_settings(ctx.dialogue, settings)
    notice = {"yes": "voting_opened", "no": "voting_closed"}.get(open, "saved")
    return _back(request, "setup_page", slug, notice)


@router.post("/f/{slug}/focus-areas", dependencies=[CsrfChecked])
def add_focus_area(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    setup.add_focus_area(session, ctx.dialogue, title, description)
    return _back(request, "setup_page", slug, "added")


@router.post("/f/{slug}/focus-areas/{key}/inquiry-areas", dependencies=[CsrfChecked])
def add_inquiry_area(
    request: Request,
    slug: str,
    key: str,
    session: SessionDep,
    ctx: PageFacilitator,
    title: Annotated[str, Form()] = "",
) -> Response:
    setup.add_inquiry_area(session, ctx.dialogue, key, title)
    return _back(request, "setup_page", slug, "added")


# --- roster -----------------------------------------------------------------------------------------------------


@router.get("/f/{slug}/roster", name="roster_page")
def roster_page(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, notice: str = ""
) -> Response:
    link_key, label_key = INVITATION_ONCE
    response = render(
        request,
        "facilitator/roster.html",
        {
            **_base(ctx, "roster_page", notice, session),
            "audit": roster.balance_audit(session, ctx.dialogue),
            "balance": balance_table(session, ctx.dialogue, {}),
            "people": people_table(session, ctx.dialogue, {}),
            "invitations": invitations_table(session, ctx.dialogue, {}),
            "invitation_rows": roster.invitations(session, ctx.dialogue),
            "roles": [r for r in Role if r is not Role.PUBLIC],
            "new_link": request.cookies.get(link_key),
            "new_label": request.cookies.get(label_key),
        },
    )
    _take_once(request, response, "roster_page", slug, INVITATION_ONCE)
    return response


@router.post("/f/{slug}/invitations", dependencies=[CsrfChecked])
def create_invitation(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    label: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "stakeholder",
    sector: Annotated[str, Form()] = "",
) -> Response:
    try:
        parsed_role = Role(role)
    except ValueError:
        raise ServiceError(f"unknown role {role!r}") from None
    created = roster.create_invitation(session, ctx.dialogue, label, parsed_role, sector or None)
    return _show_link_once(request, slug, created)


def _show_link_once(request: Request, slug: str, created: roster.NewInvitation) -> Response:
    link = str(request.url_for("invitation_page", token=created.token))
    return _back_once(
        request,
        "roster_page",
        slug,
        None,
        dict(zip(INVITATION_ONCE, (link, created.invitation.label), strict=True)),
    )


@router.post("/f/{slug}/invitations/{invitation_id}/reissue", dependencies=[CsrfChecked])
def reissue_invitation(
    request: Request, slug: str, invitation_id: int, session: SessionDep, ctx: PageFacilitator
) -> Response:
    created = roster.reissue_invitation(session, ctx.dialogue, invitation_id)
    return _show_link_once(request, slug, created)


@router.post("/f/{slug}/invitations/{invitation_id}/revoke", dependencies=[CsrfChecked])
def revoke_invitation(
    request: Request, slug: str, invitation_id: int, session: SessionDep, ctx: PageFacilitator
) -> Response:
    roster.revoke_invitation(session, ctx.dialogue, invitation_id)
    return _back(request, "roster_page", slug, "revoked")


@router.post("/f/{slug}/participants/{participant_id}/revoke", dependencies=[CsrfChecked])
def end_participant_access(
    request: Request, slug: str, participant_id: int, session: SessionDep, ctx: PageFacilitator
) -> Response:
    """A lost phone or a person who must leave the table: their link stops working, their votes stay."""
    accounts.end_participant_token(session, roster.participant_of(session, ctx.dialogue, participant_id))
    return _back(request, "roster_page", slug, "access_ended")


# --- moderation -------------------------------------------------------------------------------------------------

FILTER_KEYS = ("status", "focus_area", "kind", "origin", "q")


@router.get("/f/{slug}/moderation", name="moderation_page")
def moderation_page(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    page: int = 1,
    notice: str = "",
    changed: int = 0,
) -> Response:
    params = {k: request.query_params[k] for k in FILTER_KEYS if k in request.query_params}
    params.setdefault("status", "unmoderated")
    table, result = statements_table(session, ctx.dialogue, params, page)
    base = _base(ctx, "moderation_page", notice, session)
    if notice == "moderated":
        base["notice"] = _("mod.done", n=changed)
    return render(
        request,
        "facilitator/moderation.html",
        {
            **base,
            "table": table,
            "result": result,
            "params": params,
            "query": urlencode(params),
            "kinds": list(StatementKind),
        },
    )


@router.post("/f/{slug}/moderation", dependencies=[CsrfChecked])
async def moderate(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    form = await request.form()
    try:
        ids = [int(str(v)) for v in form.getlist("ids")]
    except ValueError:
        raise ServiceError("statement ids must be numbers") from None
    changed = moderation.bulk_moderate(session, ctx.dialogue, ids, str(form.get("action", "")))
    back = {k: str(form[f"filter_{k}"]) for k in FILTER_KEYS if form.get(f"filter_{k}")}
    return _back(request, "moderation_page", slug, "moderated", changed=str(changed), **back)


@router.post("/f/{slug}/statements", dependencies=[CsrfChecked])
def add_seed(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    text: Annotated[str, Form()] = "",
    focus_area: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "proposal",
    is_meta: Annotated[str, Form()] = "",
) -> Response:
    try:
        parsed = StatementKind(kind)
    except ValueError:
        raise ServiceError(f"unknown kind {kind!r}") from None
    moderation.add_seed_statement(
        session, ctx.dialogue, text, focus_area=focus_area or None, kind=parsed, is_meta=is_meta == "yes"
    )
    return _back(request, "moderation_page", slug, "seeded", status="accepted")


# --- dashboard and exports --------------------------------------------------------------------------------------


@router.get("/f/{slug}/dashboard", name="dashboard_page")
def dashboard_page(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, notice: str = ""
) -> Response:
    view = analysis_view(session, ctx.dialogue)
    return render(
        request,
        "facilitator/dashboard.html",
        {
            **_base(ctx, "dashboard_page", notice, session),
            "analysis": view,
            "tables": tables_of(view) if view is not None else None,
            "counts": counts(session, ctx.dialogue.id),
            "participation": participation_table(session, ctx.dialogue, {}),
            "moderation_status": moderation_status_table(session, ctx.dialogue, {}),
            "top": top_statements_table(session, ctx.dialogue, {}),
        },
    )


@router.post("/f/{slug}/analysis", dependencies=[CsrfChecked])
def analyse_now(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    run = app_state(request).analyses.run_now(session, ctx.dialogue)
    return _back(request, "dashboard_page", slug, "analysed" if run is not None else "not_enough")


@router.get("/f/{slug}/export/polis.zip", name="export_polis_page")
def export_polis_page(session: SessionDep, ctx: PageFacilitator) -> Response:
    return polis_zip_response(session, ctx.dialogue)


@router.get("/f/{slug}/export/{table}.csv", name="export_csv_page")
def export_csv_page(request: Request, table: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    return csv_response(session, ctx.dialogue, table, dict(request.query_params))

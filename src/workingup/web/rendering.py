"""Rendering pages: every template gets the string catalogue, the CSRF value and who is signed in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from workingup.bidi import controls_marked, finalize
from workingup.web.glossary import ANCHORS, NAMES
from workingup.web.security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, csrf_token
from workingup.web.strings import catalogue
from workingup.web.tables import cell

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


def as_submitted(value: Any) -> Markup:
    """For moderators: the text as it was submitted, each bidi control shown as a marked abbreviation."""
    return Markup(
        controls_marked(
            str(value),
            lambda name, code: f'<mark class="bidi-control" title="{code}">⟨{name}⟩</mark>',
            lambda text: str(escape(text)),
        )
    )


templates.env.finalize = finalize  # every {{ … }} of every page: no bidi override reorders text (bidi.py)
templates.env.filters["as_submitted"] = as_submitted
templates.env.globals["_"] = catalogue()
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals["glossary_anchors"] = ANCHORS
templates.env.globals["glossary_names"] = NAMES
templates.env.filters["cell"] = cell
templates.env.filters["thousands"] = lambda n: "{:,}".format(n)  # noqa: UP032 (used as a filter)


def _who(request: Request) -> dict[str, bool]:
    """What the site's header needs to know of a visitor a page did not authenticate (an error page, a public
    page): whether this browser holds a facilitator session (the header links to facilitation, not "Sign in")
    or has joined a dialogue (a participant is not asked to sign in: their cookie is who they are). Only the
    cookies' presence is read: the links lead to pages that check them."""
    return {
        "signed_in": SESSION_COOKIE in request.cookies,
        "joined": any(name.startswith("wu_p") for name in request.cookies),
    }


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    token, is_new = csrf_token(request)
    values = {"csrf_token": token, **_who(request), **(context or {})}
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    if is_new:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)

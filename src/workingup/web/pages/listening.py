"""The facilitator's listening page: sessions, what people said, themes with their quotes, statements drawn from them.

Same rules as every facilitator page (pages/facilitator.py): a session and membership of the dialogue's
facilitators, CSRF on every form, POST then redirect with a notice. All the work is in services/listening.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from workingup.domain import StatementKind
from workingup.services import listening
from workingup.services.errors import NotFound, ServiceError
from workingup.themes import (
    ILLUSTRATIVE_NOTE,
    ContributionFormatError,
    parse_contributions,
    preferred_method,
)
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.pages.facilitator import _back, _base
from workingup.web.rendering import render
from workingup.web.security import CsrfChecked, PageFacilitator

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)

MAX_UPLOAD_BYTES = 2_000_000
"""A listening-session file is notes, not a data dump; larger uploads are refused before parsing."""


@router.get("/f/{slug}/listening", name="listening_page")
def listening_page(
    request: Request, slug: str, session: SessionDep, ctx: PageFacilitator, notice: str = ""
) -> Response:
    run = listening.latest_themes(session, ctx.dialogue)
    themes = []
    if run is not None:
        focus = {m["theme_id"]: m for m in run.focus}
        titles = {fa.key: fa.title for fa in ctx.dialogue.focus_areas}
        for theme in run.result.themes:
            match = focus.get(theme.id, {})
            themes.append(
                {
                    "theme": theme,
                    "focus_area": match.get("focus_area"),
                    "focus_title": titles.get(match.get("focus_area") or ""),
                    "candidates": listening.candidates_for(session, ctx.dialogue, run, theme.id),
                }
            )
    return render(
        request,
        "facilitator/listening.html",
        {
            **_base(ctx, "listening_page", notice, session),
            "sessions": listening.sessions_of(session, ctx.dialogue),
            "run": run,
            "themes": themes,
            "origins": listening.origins(session, ctx.dialogue),
            "kinds": list(StatementKind),
            "illustrative_note": ILLUSTRATIVE_NOTE,
        },
    )


@router.post("/f/{slug}/listening/sessions", dependencies=[CsrfChecked])
def add_session(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    held_on: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    facilitator: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    named: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    try:
        day = date.fromisoformat(held_on)
    except ValueError:
        raise ServiceError("the session's date must look like 2017-03-02") from None
    listening.create_session(
        session,
        ctx.dialogue,
        held_on=day,
        place=place[:300],
        facilitator=facilitator[:200],
        consent_recorded=consent == "yes",
        consent_to_name=named == "yes",
        notes=notes[:4000],
    )
    return _back(request, "listening_page", slug, "session_added")


@router.post("/f/{slug}/listening/sessions/{session_id}/contributions", dependencies=[CsrfChecked])
async def add_contributions(
    request: Request,
    slug: str,
    session_id: int,
    session: SessionDep,
    ctx: PageFacilitator,
) -> Response:
    """A file (CSV or text, all or nothing) or one typed contribution."""
    form = await request.form()
    row = listening.get_session(session, ctx.dialogue, session_id)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ServiceError(f"the file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
        name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:100]
        try:
            if name.lower().endswith(".csv"):
                contributions = parse_contributions(data, format="csv", name=name)
            else:
                contributions = parse_contributions(data, format="text", name=name)
        except ContributionFormatError as error:
            raise ServiceError(str(error)) from None
        listening.add_contributions(session, row, contributions)
    else:
        text = str(form.get("text", "")).strip()
        if not text:
            raise ServiceError("type what was said, or choose a file to import")
        speaker = str(form.get("speaker", "")).strip()[:100] or None
        listening.add_typed_contribution(session, row, text[:4000], speaker)
    return _back(request, "listening_page", slug, "contributions_added")


@router.post("/f/{slug}/listening/themes", dependencies=[CsrfChecked])
def find_themes(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> Response:
    listening.run_themes(session, ctx.dialogue, method=preferred_method())
    return _back(request, "listening_page", slug, "themes_found")


@router.post("/f/{slug}/listening/adopt", dependencies=[CsrfChecked])
def adopt(
    request: Request,
    slug: str,
    session: SessionDep,
    ctx: PageFacilitator,
    run_id: Annotated[int, Form()],
    theme_id: Annotated[int, Form()],
    candidate: Annotated[int, Form()],
    text: Annotated[str, Form()] = "",
    focus_area: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
) -> Response:
    run = listening.latest_themes(session, ctx.dialogue)
    if run is None or run.id != run_id:
        raise ServiceError("the themes changed since this page was opened; reload it and choose again")
    options = listening.candidates_for(session, ctx.dialogue, run, theme_id)
    if not 0 <= candidate < len(options):
        raise NotFound(f"theme {theme_id} has no candidate {candidate + 1}")
    try:
        parsed = StatementKind(kind) if kind else None
    except ValueError:
        raise ServiceError(f"unknown kind {kind!r}") from None
    listening.adopt_candidate(
        session,
        ctx.dialogue,
        run,
        options[candidate],
        text=text[:400] or None,
        focus_area=focus_area or None,
        kind=parsed,
    )
    return _back(request, "listening_page", slug, "adopted")

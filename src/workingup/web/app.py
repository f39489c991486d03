"""The FastAPI application factory: one app per database, so tests can run many side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from workingup import __version__
from workingup.services.database import Database
from workingup.services.dialogues import get_dialogue
from workingup.services.errors import NotFound
from workingup.store.queries import all_dialogues
from workingup.web.deps import SessionDep
from workingup.web.views import dialogue_view

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


def create_app(database: Database) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.close()

    app = FastAPI(title="Working Up", version=__version__, lifespan=lifespan)
    app.state.database = database
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, session: SessionDep) -> Response:
        dialogues = all_dialogues(session)
        if len(dialogues) == 1:
            return RedirectResponse(request.url_for("dialogue_page", slug=dialogues[0].slug), status_code=303)
        return templates.TemplateResponse(request, "index.html", {"dialogues": dialogues})

    @app.get("/d/{slug}", response_class=HTMLResponse, include_in_schema=False, name="dialogue_page")
    def dialogue_page(request: Request, slug: str, session: SessionDep) -> Response:
        try:
            dialogue = get_dialogue(session, slug)
        except NotFound as error:
            raise HTTPException(status_code=404, detail=str(error)) from None
        return templates.TemplateResponse(
            request, "dialogue.html", {"view": dialogue_view(session, dialogue)}
        )

    @app.get("/api/v1/dialogues/{slug}", operation_id="get_dialogue")
    def dialogue_api(slug: str, session: SessionDep) -> dict[str, Any]:
        try:
            dialogue = get_dialogue(session, slug)
        except NotFound as error:
            raise HTTPException(status_code=404, detail=str(error)) from None
        view = asdict(dialogue_view(session, dialogue))
        view["counts"]["participants_by_role"] = {
            k.value: v for k, v in view["counts"]["participants_by_role"].items()
        }
        view["counts"]["statements_by_moderation"] = {
            k.value: v for k, v in view["counts"]["statements_by_moderation"].items()
        }
        return view

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

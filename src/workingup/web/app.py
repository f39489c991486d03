"""The FastAPI application factory: one app per database, so tests can run many side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from workingup import __version__
from workingup.config import Settings
from workingup.runtime.analyses import Analyses
from workingup.runtime.database import Database
from workingup.runtime.report_analyses import ReportAnalyses
from workingup.runtime.vote_writer import VoteWriter
from workingup.services.accounts import SessionPolicy
from workingup.services.analysis_runs import dialogues_needing_analysis
from workingup.web.admission import Admission, admitted_for
from workingup.web.api import agenda as agenda_api
from workingup.web.api import alerts as alerts_api
from workingup.web.api import facilitator as facilitator_api
from workingup.web.api import listening as listening_api
from workingup.web.api import participant as participant_api
from workingup.web.api import public as public_api
from workingup.web.api import team as team_api
from workingup.web.busy import install_busy_handler
from workingup.web.errors import install_error_handlers
from workingup.web.guard import RequestGuard
from workingup.web.headers import SecurityHeaders
from workingup.web.limits import make_limiters
from workingup.web.openapi_links import install as install_openapi_links
from workingup.web.pages import agenda as agenda_pages
from workingup.web.pages import alerts as alert_pages
from workingup.web.pages import facilitator as facilitator_pages
from workingup.web.pages import listening as listening_pages
from workingup.web.pages import participant as participant_pages
from workingup.web.pages import public as public_pages
from workingup.web.pages import public_face as public_face_pages
from workingup.web.pages import story as story_pages
from workingup.web.pages import widget as widget_pages
from workingup.web.ratelimit import RateLimits
from workingup.web.rendering import HERE, render_error
from workingup.web.state import AppState
from workingup.web.vote_lane import VoteLane

WORKER_THREADS = 4
"""Sync routes running at once (AnyIO's default is 40); see the lifespan."""

API_DESCRIPTION = """
The Working Up API: everything the web pages do.

* **Public** routes need nothing and return only aggregates (groups under 5 people are suppressed).
* **Participant** routes need the participant token returned when joining, as `Authorization: Bearer <token>`.
* **Facilitator** routes (`/api/v1/manage/…`) need a session token from `POST /api/v1/sessions`, the same way,
  and answer 403 to anyone who does not facilitate the dialogue.
"""


def create_app(
    database: Database,
    settings: Settings | None = None,
    *,
    allow_demo_login: bool = True,
    rate_limits: RateLimits | None = None,
    analysis_delay: float = 5.0,
    analyse_on_start: bool = True,
    vote_lane: bool = True,
    analysis_process: bool = False,
) -> FastAPI:
    """The web application over `database`.

    `allow_demo_login` is False when the server listens beyond the loopback interface: the demo account's
    password is published, so it must not open a dialogue to the network. The analysis refreshes in the
    background `analysis_delay` seconds after votes arrive; with `analyse_on_start`, dialogues whose votes are
    newer than their last analysis are analysed soon after the server starts. With `analysis_process` (what
    `workingup serve` uses) that refresh runs in a child process at a lower priority, so it does not hold this
    process's GIL while votes wait (`runtime.analysis_worker`); the default runs it in a thread of this
    process, so the hundreds of apps the tests create do not each start a Python with numpy and scikit-learn.
    `vote_lane` False sends every vote through FastAPI (the lane's tests compare the two).

    `settings` (default: read from the environment) give the sign-in lifetimes and, unless `rate_limits` says
    otherwise, the vote and join limits; nothing in the app reads the environment after this.
    """
    settings = settings or Settings.from_env()

    analyses = Analyses(
        database, delay=analysis_delay, in_process=not analysis_process, routing=settings.routing
    )
    vote_writer = VoteWriter(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Page and API routes written as plain functions run in worker threads; AnyIO allows 40 at once. Forty
        # threads of Python starve the event loop that answers votes of the GIL (the load harness: a burst of
        # statement submissions at the start held votes back for seconds). Four keep the database waits
        # overlapped on two cores, and the loop shares the GIL with at most four others. (Eight was the
        # compromise before the admission gate, when four ran the pool dry; with the gate, four gave lower vote,
        # `next` and submission latencies in three paired runs: benchmarks/load/README.md.)
        to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        if analyse_on_start:
            with database.sessions() as session:
                for dialogue_id in dialogues_needing_analysis(session):
                    analyses.votes_arrived(dialogue_id)
        yield
        await vote_writer.close()
        analyses.close()
        database.close()

    app = FastAPI(
        title="Working Up",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    state = AppState(
        settings=settings,
        database=database,
        analyses=analyses,
        vote_writer=vote_writer,
        limiters=make_limiters(rate_limits or RateLimits.from_settings(settings)),
        session_policy=SessionPolicy.of(settings),
        allow_demo_login=allow_demo_login,
        report_analyses=ReportAnalyses(database),
    )
    # Where Starlette keeps its untyped State; nothing in Starlette or FastAPI reads app.state (web/state.py).
    app.state = state  # type: ignore[assignment]
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_error_handlers(app, render_error)
    install_busy_handler(app, render_error)
    # Innermost: only what reaches the framework waits at the gate (web/admission.py).
    app.add_middleware(Admission, limit=admitted_for(database.engine))
    if vote_lane:
        app.add_middleware(VoteLane, state=state)  # inside the guard: hostile bodies never reach it
    app.add_middleware(RequestGuard)  # size, encoding and nesting limits before any parser runs
    for router in (
        public_api.router,
        participant_api.router,
        facilitator_api.router,
        alerts_api.router,
        team_api.router,
        agenda_api.router,
        listening_api.router,
        public_pages.router,
        public_face_pages.router,
        story_pages.router,
        widget_pages.router,
        participant_pages.router,
        facilitator_pages.router,
        listening_pages.router,
        agenda_pages.router,
        alert_pages.router,
    ):
        app.include_router(router)

    app.add_middleware(
        SecurityHeaders, embed_origins=settings.embed_origins
    )  # outermost: the guard's refusals carry the headers too
    install_openapi_links(app)  # which answer feeds which next call (web/openapi_links.py)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

"""The web application's state, typed: what `create_app` builds once and every request and middleware reads.

Why a dataclass and not Starlette's `app.state` grab bag: a misspelt or missing name fails mypy instead of a
request, and the list of what the app holds is written in one place. `create_app` puts it where Starlette's
`State` would be (`app.state`), so a test can still reach `app.state.database` or move `app.state.clock`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import HTTPConnection

from workingup.config import Settings
from workingup.runtime.analyses import Analyses
from workingup.runtime.database import Database
from workingup.runtime.report_analyses import ReportAnalyses
from workingup.runtime.vote_writer import VoteWriter
from workingup.services.accounts import SessionPolicy
from workingup.services.coordination_watch import Watchman
from workingup.web.ratelimit import RateLimiter


@dataclass
class AppState:
    settings: Settings
    database: Database
    analyses: Analyses
    vote_writer: VoteWriter
    limiters: dict[str, RateLimiter]
    session_policy: SessionPolicy
    """Facilitator sign-in lifetimes, from the settings (a test may put shorter ones)."""
    allow_demo_login: bool = True
    """False when the server listens beyond the loopback interface: the demo password is published."""
    watchman: Watchman = field(default_factory=Watchman)
    report_analyses: ReportAnalyses | None = None
    """The analysis the final report draws, per dialogue and analysis version (set by create_app)."""
    clock: Callable[[], datetime] | None = None
    """The time a test moves instead of sleeping; None for the real clock."""


def report_analyses(connection: HTTPConnection) -> ReportAnalyses:
    state = app_state(connection)
    if state.report_analyses is None:
        state.report_analyses = ReportAnalyses(state.database)
    return state.report_analyses


def app_state(connection: HTTPConnection) -> AppState:
    """The typed state of the app serving `connection` (a request)."""
    state = connection.app.state
    assert isinstance(state, AppState), "the app was not made by web.app.create_app"
    return state

"""One request, one unit of work (docs/architecture.md §2): the session dependency commits when the route returns,
before the answer leaves, and rolls back when it raises."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.web.conftest import GENEROUS, PASSWORD, csrf, join_page
from workingup.runtime.database import Database
from workingup.services.accounts import create_facilitator
from workingup.services.errors import ServiceError
from workingup.store import models
from workingup.web.app import create_app
from workingup.web.deps import SessionDep


def _participants(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(models.Participant)) or 0


class _Probe:
    """Counts the participants in a session of its own at the moment each answer starts to leave the server."""

    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app, self.database = app, database
        self.seen: list[tuple[str, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def probing(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((f"{scope['method']} {scope['path']}", _participants(self.database)))
            await send(message)

        await self.app(scope, receive, probing)


def test_a_write_is_committed_before_its_redirect_leaves(database: Database, dialogue: str) -> None:
    probe = _Probe(create_app(database, rate_limits=GENEROUS, analyse_on_start=False), database)
    with TestClient(probe) as client:
        join_page(client, dialogue)  # POST /d/…/join answers 303, the browser follows to the voting page
        assert (f"POST /d/{dialogue}/join", 1) in probe.seen
        page = client.get(
            f"/d/{dialogue}/vote"
        )  # the next page, in another session, sees the new participant
        assert page.status_code == 200
        assert "You have voted on 0 of" in page.text


def test_a_refused_request_keeps_nothing(database: Database) -> None:
    app = create_app(database, rate_limits=GENEROUS, analyse_on_start=False)

    def write_then_refuse(session: SessionDep) -> None:
        create_facilitator(session, "half@example.org", PASSWORD, "Half")
        session.flush()
        raise ServiceError("refused after writing")

    app.add_api_route("/test/write-then-refuse", write_then_refuse, methods=["POST"])
    with TestClient(app) as client:
        assert client.post("/test/write-then-refuse").status_code == 400
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Facilitator)) == 0


def test_a_form_refused_and_shown_again_keeps_nothing(
    database: Database, client: TestClient, dialogue: str
) -> None:
    answer = client.post(f"/d/{dialogue}/join", data={"csrf_token": csrf(client), "leaning": "nowhere"})
    assert answer.status_code == 400
    assert _participants(database) == 0

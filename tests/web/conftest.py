"""Web fixtures: the app over a test database, the Working Up dialogue, facilitators and joined participants."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.accounts import create_facilitator, grant_dialogue
from workingup.services.dialogues import install_definition
from workingup.web.app import create_app
from workingup.web.ratelimit import Limit, RateLimits

PASSWORD = "correct horse battery staple"
GENEROUS = RateLimits(
    votes=Limit(per_minute=10_000, burst=10_000),
    statements=Limit(10_000, 10_000),
    sign_in=Limit(10_000, 10_000),
    sign_in_address=Limit(10_000, 10_000),
    joins=Limit(10_000, 10_000),
)


@pytest.fixture
def app_client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database, rate_limits=GENEROUS)) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    return app_client


@pytest.fixture
def dialogue(database: Database) -> str:
    """The Working Up dialogue, open to anyone with the link; returns its slug."""
    with database.transaction() as session:
        d = install_definition(session, load_definition())
        d.open_join = True
        return d.slug


def add_facilitator(database: Database, email: str, slug: str | None) -> None:
    from workingup.services.dialogues import get_dialogue

    with database.transaction() as session:
        account = create_facilitator(session, email, PASSWORD, email.split("@")[0])
        if slug is not None:
            grant_dialogue(session, account, get_dialogue(session, slug))


def csrf(client: TestClient) -> str:
    """The browser's CSRF value, after loading any page if the browser has none yet."""
    if not client.cookies.get("wu_csrf"):
        client.get("/login")
    value = client.cookies.get("wu_csrf")
    assert value
    return value


def join_page(client: TestClient, slug: str, **fields: str) -> None:
    token = csrf(client)
    response = client.post(f"/d/{slug}/join", data={"csrf_token": token, "consent": "yes", **fields})
    assert response.status_code == 200, response.text
    assert response.url.path == f"/d/{slug}/vote"


def sign_in_page(client: TestClient, email: str) -> None:
    response = client.post("/login", data={"csrf_token": csrf(client), "email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def current_statement(html: str) -> int | None:
    match = re.search(r'name="statement_id" value="(\d+)"', html)
    return int(match.group(1)) if match else None


@dataclass
class ApiParticipant:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def join_api(client: TestClient, slug: str, **profile: object) -> ApiParticipant:
    response = client.post(f"/api/v1/dialogues/{slug}/participants", json={"consent": True, **profile})
    assert response.status_code == 201, response.text
    body = response.json()
    return ApiParticipant(body["participant"]["id"], body["token"])


def sign_in_api(client: TestClient, email: str) -> dict[str, str]:
    response = client.post("/api/v1/sessions", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}

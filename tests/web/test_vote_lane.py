"""The vote lane answers exactly as the FastAPI route would, and hands on every request it is not sure of.

Two apps over two identical SQLite databases — one with the lane, one without — get the same requests; every
answer (status, JSON, the headers a client reads) must be the same, and so must the stored votes. SQLite only:
the lane decides before any database work, so the database cannot change what it does.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.datastructures import State

from tests import aio
from tests.web.conftest import GENEROUS, PASSWORD, add_facilitator, join_api
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.dialogues import install_definition
from workingup.store import models
from workingup.web.app import create_app
from workingup.web.ratelimit import Limit, RateLimits
from workingup.web.vote_lane import VoteLane

AUTH = (
    "participant",
    "other participant",
    "facilitator",
    "unknown",
    "lowercase scheme",
    "basic",
    "none",
    "bare",
)
BODIES: tuple[object, ...] = (
    "ok",
    "ok",
    "ok",
    {"statement_id": "first", "value": "1"},
    {"statement_id": "first", "value": 2},
    {"statement_id": "first", "value": True},
    {"statement_id": "first", "value": 1.0},
    {"statement_id": "first"},
    {"statement_id": "first", "value": 1, "extra": 1},
    {"statement_id": 0, "value": 1},
    {"statement_id": 2**31, "value": 1},
    {"statement_id": 999_999, "value": -1},
    [1, 1],
    "not json",
    "",
)
CONTENT_TYPES = ("application/json", "application/json; charset=utf-8", "text/plain", None)
KEYS = (None, None, "k-1", "k-2", "", "k" * 64, "k" * 65, "two")


@pytest.fixture
def twins(sqlite_template: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two apps, with and without the lane, over identical databases with the same people in the same order."""
    worlds: dict[str, Any] = {}
    for name, lane in (("lane", True), ("route", False)):
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        database = Database.open(f"sqlite:///{path}")
        with database.transaction() as session:
            d = install_definition(session, load_definition())
            d.open_join = True
            slug = d.slug
        add_facilitator(database, "f@example.org", slug)
        client = TestClient(
            create_app(database, rate_limits=GENEROUS, vote_lane=lane, analyse_on_start=False)
        )
        client.__enter__()
        me, other = join_api(client, slug), join_api(client, slug)
        signed = client.post("/api/v1/sessions", json={"email": "f@example.org", "password": PASSWORD})
        assert signed.status_code in (200, 201), signed.text
        with database.sessions() as session:
            first = session.scalars(select(models.Statement.id).order_by(models.Statement.id)).first()
        worlds[name] = {
            "db": database,
            "client": client,
            "slug": slug,
            "first": first,
            "tokens": {
                "participant": me.headers["Authorization"].split(" ", 1)[1],
                "other participant": other.headers["Authorization"].split(" ", 1)[1],
                "facilitator": signed.json()["token"],
            },
        }
    yield worlds
    for world in worlds.values():
        world["client"].__exit__(None, None, None)
        world["db"].close()


def _request(
    world: dict[str, Any], auth: str, body: object, content_type: str | None, key: str | None
) -> Any:
    headers: list[tuple[str, str]] = []
    token = world["tokens"].get(auth, "no-such-token")
    if auth in ("participant", "other participant", "facilitator", "unknown"):
        headers.append(("Authorization", f"Bearer {token}"))
    elif auth == "lowercase scheme":
        headers.append(("Authorization", f"bearer {world['tokens']['participant']}"))
    elif auth == "basic":
        headers.append(("Authorization", "Basic dXNlcjpwYXNz"))
    elif auth == "bare":
        headers.append(("Authorization", "Bearer"))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if key == "two":
        headers += [("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    elif key is not None:
        headers.append(("Idempotency-Key", key))
    if body == "ok":
        body = {"statement_id": world["first"], "value": 1}
    if isinstance(body, dict):
        body = {k: world["first"] if v == "first" else v for k, v in body.items()}
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return world["client"].post(f"/api/v1/dialogues/{world['slug']}/votes", content=raw, headers=headers)


def _seen(response: Any) -> tuple[object, ...]:
    try:
        payload: object = response.json()
    except ValueError:
        payload = response.text
    return (
        response.status_code,
        payload,
        response.headers.get("content-type"),
        response.headers.get("retry-after"),
        response.headers.get("cache-control"),
        response.headers.get("x-content-type-options"),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(AUTH),
            st.sampled_from(BODIES),
            st.sampled_from(CONTENT_TYPES),
            st.sampled_from(KEYS),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_lane_answers_as_the_route_does(twins: dict[str, Any], requests: list[tuple[Any, ...]]) -> None:
    for auth, body, content_type, key in requests:
        seen = [_seen(_request(twins[name], auth, body, content_type, key)) for name in ("lane", "route")]
        assert seen[0] == seen[1], (auth, body, content_type, key)
    stored = []
    for name in ("lane", "route"):
        with twins[name]["db"].sessions() as session:
            v = models.Vote
            stored.append(
                session.execute(
                    select(v.id, v.participant_id, v.statement_id, v.value, v.request_key).order_by(v.id)
                ).all()
            )
    assert stored[0] == stored[1]


def test_the_lane_refuses_a_flood_as_the_route_does(database: Database, dialogue: str) -> None:
    tight = RateLimits(votes=Limit(per_minute=1, burst=3))
    with TestClient(create_app(database, rate_limits=tight, analyse_on_start=False)) as client:
        me = join_api(client, dialogue)
        with database.sessions() as session:
            first = session.scalars(select(models.Statement.id).order_by(models.Statement.id)).first()
        url = f"/api/v1/dialogues/{dialogue}/votes"
        answers = [
            client.post(url, json={"statement_id": first, "value": 1}, headers=me.headers) for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[3].headers["retry-after"]) >= 1
    assert "too many votes" in answers[3].json()["detail"]
    assert answers[3].headers["x-content-type-options"] == "nosniff"


async def _call(lane: VoteLane, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> list[Any]:
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    sent: list[Any] = []

    async def receive() -> Any:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/dialogues/d/votes", "headers": headers}
    await lane(scope, receive, send)
    return sent


def test_an_odd_request_reaches_the_route_with_its_whole_body() -> None:

    got: list[bytes] = []

    async def route(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        got.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    lane = VoteLane(route, state=State())
    ordinary = [(b"authorization", b"Bearer t"), (b"content-type", b"application/json")]
    # A string where a number goes: not the ordinary shape, so the route (FastAPI) must see all of it.
    sent = aio.run(_call(lane, ordinary, [b'{"statement_id": "1",', b' "value": 1}']))
    assert got == [b'{"statement_id": "1", "value": 1}']
    assert sent[0]["status"] == 299
    # No token: handed on without reading.
    aio.run(_call(lane, [(b"content-type", b"application/json")], [b"{}"]))
    assert got[-1] == b"{}"

"""Coordinated voting at the door: bots that join and vote alike through the real API show up in the
facilitator's live alert feed (API and page), and nobody else may read that feed."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import add_facilitator, join_api, sign_in_api, sign_in_page
from workingup.domain import Moderation
from workingup.runtime.database import Database
from workingup.store import models

FACILITATOR = "watch@example.org"


def _statements(database: Database) -> list[int]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(models.Statement.id)
                .where(models.Statement.moderation == Moderation.ACCEPTED)
                .order_by(models.Statement.id)
            )
        )


def _attack(
    client: TestClient, slug: str, statements: list[int], *, bots: int, honest: int
) -> dict[int, int]:
    rng = random.Random(4)
    script = {sid: rng.choice((-1, 1)) for sid in statements[:10]}
    for _ in range(honest):
        person = join_api(client, slug)
        for sid in rng.sample(statements, 10):
            vote = {"statement_id": sid, "value": rng.choice((-1, 0, 1))}
            assert (
                client.post(f"/api/v1/dialogues/{slug}/votes", json=vote, headers=person.headers).status_code
                == 200
            )
    for _ in range(bots):
        bot = join_api(client, slug)
        for sid, value in script.items():
            vote = {"statement_id": sid, "value": value}
            assert (
                client.post(f"/api/v1/dialogues/{slug}/votes", json=vote, headers=bot.headers).status_code
                == 200
            )
    return script


def test_facilitator_sees_the_bloc_while_it_votes(
    client: TestClient, dialogue: str, database: Database
) -> None:
    add_facilitator(database, FACILITATOR, dialogue)
    headers = sign_in_api(client, FACILITATOR)
    quiet = client.get(f"/api/v1/manage/{dialogue}/alerts", headers=headers)
    assert quiet.status_code == 200
    assert quiet.json()["blocs"] == []

    script = _attack(client, dialogue, _statements(database), bots=6, honest=4)
    client.app.state.watchman.ttl = 0  # type: ignore[attr-defined]  # the quiet answer above is cached
    body = client.get(f"/api/v1/manage/{dialogue}/alerts", headers=headers).json()
    assert body["under_way"] is True
    assert body["voters_in_window"] == 10
    assert [b["size"] for b in body["blocs"]] == [6]
    pushes = body["blocs"][0]["pushes"]
    assert pushes
    assert all(script[p["statement_id"]] == p["vote"] for p in pushes)

    sign_in_page(client, FACILITATOR)
    page_feed = client.get(f"/f/{dialogue}/alerts.json")
    assert page_feed.status_code == 200
    assert [b["size"] for b in page_feed.json()["blocs"]] == [6]
    dashboard = client.get(f"/f/{dialogue}/dashboard").text
    assert 'id="live-alert"' in dashboard
    assert f'/f/{dialogue}/alerts.json"' in dashboard


def test_only_the_dialogues_facilitators_read_the_feed(
    client: TestClient, dialogue: str, database: Database
) -> None:
    participant = join_api(client, dialogue)
    assert client.get(f"/api/v1/manage/{dialogue}/alerts").status_code == 401
    assert client.get(f"/api/v1/manage/{dialogue}/alerts", headers=participant.headers).status_code == 403
    add_facilitator(database, "elsewhere@example.org", None)
    other = sign_in_api(client, "elsewhere@example.org")
    assert client.get(f"/api/v1/manage/{dialogue}/alerts", headers=other).status_code == 403
    page = client.get(f"/f/{dialogue}/alerts.json", follow_redirects=False)
    assert page.status_code in (302, 303, 401)

"""Votes over the API carry a receipt (the stored vote's id), and an Idempotency-Key makes a retry harmless."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import join_api
from workingup.runtime.database import Database
from workingup.store import models


def _statements(database: Database) -> list[int]:
    with database.sessions() as session:
        return list(session.scalars(select(models.Statement.id).order_by(models.Statement.id).limit(2)))


def _rows(database: Database, participant_id: int) -> list[tuple[int, int, int, str | None]]:
    with database.sessions() as session:
        v = models.Vote
        return [
            (a, b, c, d)
            for a, b, c, d in session.execute(
                select(v.id, v.statement_id, v.value, v.request_key)
                .where(v.participant_id == participant_id)
                .order_by(v.id)
            )
        ]


def test_a_retried_vote_is_stored_once_and_answered_with_the_same_receipt(
    client: TestClient, database: Database, dialogue: str
) -> None:
    me = join_api(client, dialogue)
    first, second = _statements(database)
    url = f"/api/v1/dialogues/{dialogue}/votes"
    headers = {**me.headers, "Idempotency-Key": "retry-me"}
    a = client.post(url, json={"statement_id": first, "value": 1}, headers=headers)
    b = client.post(url, json={"statement_id": first, "value": 1}, headers=headers)
    assert a.status_code == b.status_code == 200
    assert a.json()["vote_id"] == b.json()["vote_id"]
    assert (a.json()["replayed"], b.json()["replayed"]) == (False, True)
    assert b.json()["progress"]["voted"] == 1
    # The same key for another vote is a client bug: refused, and nothing is written.
    c = client.post(url, json={"statement_id": second, "value": -1}, headers=headers)
    assert c.status_code == 409, c.text
    # Without a key every request is a new vote; the newest one counts.
    d = client.post(url, json={"statement_id": first, "value": -1}, headers=me.headers)
    assert d.status_code == 200
    assert d.json()["vote_id"] > a.json()["vote_id"]
    assert _rows(database, me.id) == [
        (a.json()["vote_id"], first, 1, "retry-me"),
        (d.json()["vote_id"], first, -1, None),
    ]
    with database.sessions() as session:
        current = session.execute(
            select(models.CurrentVote.value, models.CurrentVote.vote_id).where(
                models.CurrentVote.participant_id == me.id
            )
        ).one()
        assert tuple(current) == (-1, d.json()["vote_id"])
        assert session.scalar(select(func.count()).select_from(models.Vote)) == 2


def test_vote_refusals_keep_their_status(client: TestClient, database: Database, dialogue: str) -> None:
    me = join_api(client, dialogue)
    url = f"/api/v1/dialogues/{dialogue}/votes"
    first = _statements(database)[0]
    assert client.post(url, json={"statement_id": first, "value": 1}).status_code == 401
    bad = {"Authorization": "Bearer nobody"}
    assert client.post(url, json={"statement_id": first, "value": 1}, headers=bad).status_code == 401
    assert client.post(url, json={"statement_id": 999_999, "value": 1}, headers=me.headers).status_code == 404
    missing = client.post(
        "/api/v1/dialogues/nope/votes", json={"statement_id": first, "value": 1}, headers=me.headers
    )
    assert missing.status_code == 404
    too_long = {**me.headers, "Idempotency-Key": "k" * 65}
    assert client.post(url, json={"statement_id": first, "value": 1}, headers=too_long).status_code == 422
    assert _rows(database, me.id) == []

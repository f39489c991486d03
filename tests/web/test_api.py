"""The JSON API: participant and facilitator flows, and who may see what."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import GENEROUS, PASSWORD, add_facilitator, csrf, join_api, sign_in_api
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.dialogues import install_definition
from workingup.store import models
from workingup.web.app import create_app
from workingup.web.ratelimit import Limit, RateLimits


def _second_dialogue(database: Database) -> str:
    definition = load_definition()
    from dataclasses import replace

    with database.transaction() as session:
        other = install_definition(session, replace(definition, slug="other", title="Another dialogue"))
        other.open_join = True
        return other.slug


def test_participant_flow_over_the_api(database: Database, client: TestClient, dialogue: str) -> None:
    me = join_api(client, dialogue, leaning="left", sector="faith")
    profile = client.get(f"/api/v1/dialogues/{dialogue}/me", headers=me.headers).json()
    assert profile["leaning"] == "left"
    assert profile["sector"] == "faith"
    assert "token" not in profile
    voted = []
    for _ in range(3):
        nxt = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=me.headers).json()
        sid = nxt["statement"]["id"]
        assert sid not in voted
        voted.append(sid)
        out = client.post(
            f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": sid, "value": -1}, headers=me.headers
        )
        assert out.status_code == 200
        assert out.json()["progress"]["voted"] == len(voted)
    client.post(
        f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": voted[0], "value": 1}, headers=me.headers
    )
    mine = client.get(f"/api/v1/dialogues/{dialogue}/me/votes", headers=me.headers).json()
    assert {v["statement_id"]: v["value"] for v in mine} == {voted[0]: 1, voted[1]: -1, voted[2]: -1}
    bad = client.post(
        f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": voted[0], "value": 2}, headers=me.headers
    )
    assert bad.status_code == 422
    text = "Training vouchers should follow the worker, not the employer."
    created = client.post(f"/api/v1/dialogues/{dialogue}/statements", json={"text": text}, headers=me.headers)
    assert created.status_code == 201
    assert created.json()["statement"]["moderation"] == "unmoderated"
    again = client.post(
        f"/api/v1/dialogues/{dialogue}/statements", json={"text": text.lower()}, headers=me.headers
    )
    assert again.status_code == 409
    assert again.json()["statement"] is None
    assert again.json()["duplicate"]["text"] == text


def test_participants_cannot_reach_each_other(database: Database, client: TestClient, dialogue: str) -> None:
    alice = join_api(client, dialogue)
    bob = join_api(client, dialogue)
    sid = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=alice.headers).json()["statement"]["id"]
    client.post(
        f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": sid, "value": 1}, headers=alice.headers
    )
    assert client.get(f"/api/v1/dialogues/{dialogue}/me/votes", headers=bob.headers).json() == []
    assert client.get(f"/api/v1/dialogues/{dialogue}/me", headers=bob.headers).json()["id"] == bob.id
    assert client.get(f"/api/v1/dialogues/{dialogue}/me/votes").status_code == 401
    assert (
        client.get(f"/api/v1/dialogues/{dialogue}/me", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    other = _second_dialogue(database)
    assert client.get(f"/api/v1/dialogues/{other}/me/votes", headers=alice.headers).status_code == 403
    assert (
        client.post(
            f"/api/v1/dialogues/{other}/votes", json={"statement_id": sid, "value": 1}, headers=alice.headers
        ).status_code
        == 403
    )
    # a participant is known, but not a facilitator
    assert client.get(f"/api/v1/manage/{dialogue}", headers=alice.headers).status_code == 403


def _manage_routes(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/manage/")
        for method in item
    ]


def _fill(path: str, slug: str) -> str:
    return (
        path.replace("{slug}", slug)
        .replace("{key}", "work-opportunity")
        .replace("{invitation_id}", "1")
        .replace("{table}", "balance")
    )


def test_every_facilitator_endpoint_refuses_non_facilitators(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, "owner@example.org", dialogue)
    add_facilitator(database, "stranger@example.org", None)
    stranger = sign_in_api(client, "stranger@example.org")
    assert client.get("/api/v1/facilitator", headers=stranger).json()["dialogues"] == []
    participant = join_api(client, dialogue).headers
    routes = _manage_routes(client)
    assert len(routes) >= 14
    for method, path in routes:
        url = _fill(path, dialogue)
        assert client.request(method, url, headers=stranger, json={}).status_code == 403, (method, path)
        assert client.request(method, url, headers=participant, json={}).status_code == 403, (method, path)
        assert client.request(method, url, json={}).status_code == 401, (method, path)
    owner = sign_in_api(client, "owner@example.org")
    assert client.get(f"/api/v1/manage/{dialogue}/balance", headers=owner).status_code == 200


def test_facilitator_api_flow_and_no_secret_ever_leaves(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, "owner@example.org", dialogue)
    owner = sign_in_api(client, "owner@example.org")
    assert client.get("/api/v1/facilitator", headers=owner).json()["dialogues"] == [dialogue]
    participant = join_api(client, dialogue, leaning="right")
    invite = client.post(
        f"/api/v1/manage/{dialogue}/invitations", json={"label": "Pat", "role": "advisor"}, headers=owner
    ).json()
    token = invite["link"].rsplit("/", 1)[1]
    assert invite["token"] == token  # for accepting through the API without parsing the link
    joined = client.post(f"/api/v1/invitations/{token}/accept", json={"consent": True})
    assert joined.status_code == 201
    assert joined.json()["participant"]["role"] == "advisor"
    advanced = client.post(f"/api/v1/manage/{dialogue}/phase", json={"expected": "assessment"}, headers=owner)
    assert advanced.json()["phase"] == "convene"
    assert len(advanced.json()["phase_changes"]) == 2
    assert (
        client.post(
            f"/api/v1/manage/{dialogue}/phase", json={"expected": "assessment"}, headers=owner
        ).status_code
        == 409
    )
    submitted = client.post(
        f"/api/v1/dialogues/{dialogue}/statements",
        json={"text": "A brand new idea for the table."},
        headers=participant.headers,
    ).json()["statement"]["id"]
    queue = client.get(f"/api/v1/manage/{dialogue}/statements", headers=owner).json()
    assert [s["id"] for s in queue["items"]] == [submitted]
    assert queue["items"][0]["from_participant"]
    moderated = client.post(
        f"/api/v1/manage/{dialogue}/statements/moderation",
        json={"ids": [submitted], "action": "accept"},
        headers=owner,
    )
    assert moderated.json() == {"changed": 1}

    with database.sessions() as session:
        secrets = [p.token_hash for p in session.scalars(select(models.Participant))]
        secrets += [f.password_hash for f in session.scalars(select(models.Facilitator))]
        secrets += [s.token_hash for s in session.scalars(select(models.FacilitatorSession))]
        secrets += [i.token_hash for i in session.scalars(select(models.Invitation))]
    bodies = [
        client.get(f"/api/v1/manage/{dialogue}/participants", headers=owner).text,
        client.get(f"/api/v1/manage/{dialogue}/invitations", headers=owner).text,
        client.get("/api/v1/facilitator", headers=owner).text,
        client.get(f"/api/v1/dialogues/{dialogue}/me", headers=participant.headers).text,
        client.get(f"/api/v1/manage/{dialogue}/exports/people.csv", headers=owner).text,
    ]
    for body in bodies:
        for secret in secrets:
            assert secret not in body
        assert participant.token not in body
        assert PASSWORD not in body
    people = json.loads(bodies[0])
    assert {"token", "token_hash", "password_hash"}.isdisjoint(people[0])


def test_votes_and_statements_are_rate_limited(database: Database, dialogue: str) -> None:
    strict = RateLimits(votes=Limit(per_minute=1, burst=3), statements=Limit(per_minute=1, burst=1))
    with TestClient(create_app(database, rate_limits=strict)) as client:
        me = join_api(client, dialogue)
        codes = []
        for _ in range(4):
            sid = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=me.headers).json()["statement"][
                "id"
            ]
            r = client.post(
                f"/api/v1/dialogues/{dialogue}/votes",
                json={"statement_id": sid, "value": 0},
                headers=me.headers,
            )
            codes.append(r.status_code)
        assert codes == [200, 200, 200, 429]
        assert int(r.headers["Retry-After"]) >= 1
        other = join_api(client, dialogue)  # limits are per participant
        sid = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=other.headers).json()["statement"][
            "id"
        ]
        ok = client.post(
            f"/api/v1/dialogues/{dialogue}/votes",
            json={"statement_id": sid, "value": 0},
            headers=other.headers,
        )
        assert ok.status_code == 200
        first = client.post(
            f"/api/v1/dialogues/{dialogue}/statements",
            json={"text": "First idea of mine here."},
            headers=me.headers,
        )
        second = client.post(
            f"/api/v1/dialogues/{dialogue}/statements",
            json={"text": "Second idea of mine here."},
            headers=me.headers,
        )
        assert (first.status_code, second.status_code) == (201, 429)
    assert GENEROUS.votes.burst > 1000


def test_joins_through_the_open_link_are_rate_limited_per_client_address(
    database: Database, dialogue: str
) -> None:
    strict = RateLimits(joins=Limit(per_minute=1, burst=2))
    app = create_app(database, rate_limits=strict)
    url = f"/api/v1/dialogues/{dialogue}/participants"
    with TestClient(app, client=("203.0.113.7", 50000)) as venue:
        codes = [venue.post(url, json={"consent": True}).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
        refused = venue.post(url, json={"consent": True})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        # The join page's form spends from the same address's bucket, and says so on a page.
        form = venue.post(f"/d/{dialogue}/join", data={"csrf_token": csrf(venue), "consent": "yes"})
        assert form.status_code == 429
        assert "text/html" in form.headers["content-type"]
        # Another address is not held back by the first.
        elsewhere = TestClient(app, client=("198.51.100.9", 50000))
        assert elsewhere.post(url, json={"consent": True}).status_code == 201
    with database.sessions() as session:
        assert len(session.scalars(select(models.Participant)).all()) == 3  # refused joins left nothing


def test_demo_account_signs_in_only_on_loopback(database: Database, dialogue: str) -> None:
    from workingup.services.accounts import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_facilitator
    from workingup.services.dialogues import get_dialogue

    with database.transaction() as session:
        ensure_demo_facilitator(session, get_dialogue(session, dialogue))
    body = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    with TestClient(create_app(database, allow_demo_login=False)) as client:
        assert client.post("/api/v1/sessions", json=body).status_code == 401
        assert "Demo only" not in client.get("/login").text
    with TestClient(create_app(database, allow_demo_login=True)) as client:
        assert client.post("/api/v1/sessions", json=body).status_code == 201
        assert "Demo only" in client.get("/login").text


def test_sign_in_attempts_are_rate_limited_per_address(database: Database, dialogue: str) -> None:
    add_facilitator(database, "owner@example.org", dialogue)
    strict = RateLimits(sign_in=Limit(per_minute=1, burst=2))
    with TestClient(create_app(database, rate_limits=strict)) as client:
        wrong = {"email": "owner@example.org", "password": "not it"}
        codes = [client.post("/api/v1/sessions", json=wrong).status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        right = {"email": "OWNER@example.org", "password": PASSWORD}
        assert client.post("/api/v1/sessions", json=right).status_code == 429  # the same address, any case
        other = client.post("/api/v1/sessions", json={"email": "x@example.org", "password": "p"})
        assert other.status_code == 401


def test_a_stranger_failing_elsewhere_cannot_lock_a_facilitator_out(
    database: Database, dialogue: str
) -> None:
    """Issue 19: failures were counted per e-mail address, so wrong passwords from anywhere locked the account."""
    add_facilitator(database, "owner@example.org", dialogue)
    app = create_app(database, rate_limits=RateLimits(sign_in=Limit(per_minute=1, burst=2)))
    wrong = {"email": "owner@example.org", "password": "not it"}
    right = {"email": "owner@example.org", "password": PASSWORD}
    with (
        TestClient(app, client=("203.0.113.66", 50000)) as stranger,
        TestClient(app, client=("198.51.100.9", 50000)) as owner,
    ):
        codes = [stranger.post("/api/v1/sessions", json=wrong).status_code for _ in range(5)]
        assert codes == [401, 401, 429, 429, 429]
        assert owner.post("/api/v1/sessions", json=right).status_code == 201
        # The sign-in page counts the same way.
        page = owner.post("/login", data={"csrf_token": csrf(owner), **right})
        assert page.status_code == 200
        assert page.url.path.startswith("/f/")  # signed in, at their dialogue
        # Successes are not counted: the owner signs in again and again.
        assert [owner.post("/api/v1/sessions", json=right).status_code for _ in range(4)] == [201] * 4


def test_one_address_failing_on_many_accounts_is_held_back(database: Database, dialogue: str) -> None:
    limits = RateLimits(sign_in=Limit(per_minute=1, burst=2), sign_in_address=Limit(per_minute=1, burst=3))
    app = create_app(database, rate_limits=limits)
    with TestClient(app, client=("203.0.113.66", 50000)) as script:
        codes = [
            script.post("/api/v1/sessions", json={"email": f"n{i}@example.org", "password": "x"}).status_code
            for i in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429]
        refused = script.post("/api/v1/sessions", json={"email": "n9@example.org", "password": "x"})
        assert refused.json()["detail"].startswith("too many sign-in attempts")


def test_the_schema_states_the_services_statement_limits(client: TestClient, dialogue: str) -> None:
    """Issue 19: the schema allowed 2,000 characters where the service refused over 400."""
    from workingup.services.statement_rules import MAX_STATEMENT_LENGTH, MIN_STATEMENT_LENGTH

    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name, minimum in (("StatementIn", MIN_STATEMENT_LENGTH), ("SeedStatementIn", 1)):
        text = schemas[name]["properties"]["text"]
        assert (text["minLength"], text["maxLength"]) == (minimum, MAX_STATEMENT_LENGTH), name
    me = join_api(client, dialogue)
    url = f"/api/v1/dialogues/{dialogue}/statements"
    too_long = client.post(url, json={"text": "b" * (MAX_STATEMENT_LENGTH + 1)}, headers=me.headers)
    assert too_long.status_code == 422
    assert f"at most {MAX_STATEMENT_LENGTH} characters" in too_long.json()["detail"][0]["msg"]
    # Counted as the service counts: white space collapsed, so padding does not push a statement over.
    padded = "Night buses " + " " * 500 + "a" * (MAX_STATEMENT_LENGTH - 12)
    accepted = client.post(url, json={"text": padded}, headers=me.headers)
    assert accepted.status_code == 201, accepted.text
    assert len(accepted.json()["statement"]["text"]) == MAX_STATEMENT_LENGTH


def test_a_vote_is_a_number_not_true(client: TestClient, dialogue: str) -> None:
    """Issue 19: `"value": true` was read as 1 and stored as agree."""
    me = join_api(client, dialogue)
    statement = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=me.headers).json()["statement"]
    url = f"/api/v1/dialogues/{dialogue}/votes"
    for body in (
        {"statement_id": statement["id"], "value": True},
        {"statement_id": statement["id"], "value": False},
        {"statement_id": statement["id"], "value": 1.0},
        {"statement_id": True, "value": 1},
    ):
        response = client.post(url, json=body, headers=me.headers)
        assert response.status_code == 422, (body, response.text)
    assert client.get(f"/api/v1/dialogues/{dialogue}/me/votes", headers=me.headers).json() == []
    agreed = client.post(url, json={"statement_id": statement["id"], "value": 1}, headers=me.headers)
    assert agreed.status_code == 200

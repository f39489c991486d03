"""Properties of the credentials themselves: how passwords are hashed, what tokens look like and how they are
stored, when facilitator sessions end (on a clock the test moves, never by sleeping), and that every token can be
revoked: signing out, a facilitator ending a participant's access, a participant ending their own token.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import PASSWORD, add_facilitator, csrf, join_api, sign_in_api, sign_in_page
from workingup.config import Settings
from workingup.runtime.database import Database
from workingup.services import accounts
from workingup.services.tokens import hash_token, new_token
from workingup.store import models

EMAIL = "props@example.org"
PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")
URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """SQLite only: these properties live in the services and the web layer, not in the SQL; and every
    sign-in costs a deliberately expensive Argon2id hash, so running them twice would only cost time."""
    path = tmp_path / "auth.db"
    shutil.copy(sqlite_template, path)
    db = Database.open(f"sqlite:///{path}")
    try:
        yield db
    finally:
        db.close()


def _hash_of(database: Database, email: str) -> str:
    with database.sessions() as session:
        return session.scalars(
            select(models.Facilitator.password_hash).where(models.Facilitator.email == email)
        ).one()


# --- passwords ---------------------------------------------------------------------------------------------------


def test_passwords_are_argon2id_with_at_least_the_owasp_cost(database: Database, dialogue: str) -> None:
    add_facilitator(database, EMAIL, dialogue)
    add_facilitator(database, "same-password@example.org", None)
    stored = _hash_of(database, EMAIL)
    match = PHC.match(stored)
    assert match, stored
    memory_kib, passes, lanes = (int(match.group(i)) for i in (1, 2, 3))
    assert memory_kib >= 19 * 1024  # OWASP: Argon2id with at least 19 MiB and 2 iterations
    assert passes >= 2
    assert lanes >= 1
    salt = base64.b64decode(match.group(4) + "==")
    assert len(salt) >= 16
    assert PASSWORD not in stored
    # The same password, salted differently: equal passwords cannot be spotted in the table.
    assert _hash_of(database, "same-password@example.org") != stored


def test_a_wrong_password_fails_and_the_right_one_works(database: Database, dialogue: str) -> None:
    add_facilitator(database, EMAIL, dialogue)
    with database.transaction() as session:
        for wrong in (PASSWORD.upper(), PASSWORD[:-1]):
            with pytest.raises(accounts.AuthenticationFailed, match="wrong e-mail address or password"):
                accounts.sign_in(session, EMAIL, wrong, allow_demo=False)
        with pytest.raises(accounts.AuthenticationFailed, match="wrong e-mail address or password"):
            accounts.sign_in(session, "nobody@example.org", PASSWORD, allow_demo=False)
        assert accounts.sign_in(session, EMAIL, PASSWORD, allow_demo=False).facilitator.email == EMAIL


# --- tokens ------------------------------------------------------------------------------------------------------


def test_tokens_carry_at_least_128_random_bits_and_never_repeat() -> None:
    tokens = [new_token() for _ in range(2000)]
    assert len(set(tokens)) == len(tokens)
    for token in tokens[:50]:
        assert URLSAFE.match(token), token
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    # Every character position varies: no fixed prefix or counter an attacker could lean on.
    assert all(len({t[i] for t in tokens}) > 20 for i in range(22))


def test_only_digests_of_tokens_are_stored(database: Database, client: TestClient, dialogue: str) -> None:
    add_facilitator(database, EMAIL, dialogue)
    participant = join_api(client, dialogue)
    session_token = sign_in_api(client, EMAIL)["Authorization"].removeprefix("Bearer ")
    invited = client.post(
        f"/api/v1/manage/{dialogue}/invitations",
        json={"label": "Someone"},
        headers={"Authorization": f"Bearer {session_token}"},
    )
    assert invited.status_code == 201
    invitation_token = invited.json()["link"].rstrip("/").rsplit("/", 1)[1]
    with database.sessions() as session:
        person = session.get_one(models.Participant, participant.id)
        assert person.token_hash == hashlib.sha256(participant.token.encode()).hexdigest()
        stored_sessions = list(session.scalars(select(models.FacilitatorSession.token_hash)))
        assert stored_sessions == [hash_token(session_token)]
        invitations = list(session.scalars(select(models.Invitation.token_hash)))
        assert invitations == [hash_token(invitation_token)]
        everything = " ".join(
            str(v)
            for table in (models.Participant, models.FacilitatorSession, models.Invitation)
            for row in session.scalars(select(table))
            for v in vars(row).values()
        )
    for token in (participant.token, session_token, invitation_token):
        assert token not in everything


# --- sessions expire ---------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(client: TestClient) -> Clock:
    clock = Clock()
    client.app.state.clock = clock  # type: ignore[attr-defined]
    client.app.state.session_policy = accounts.SessionPolicy(  # type: ignore[attr-defined]
        lifetime=timedelta(hours=12), idle=timedelta(hours=2)
    )
    return clock


def test_an_idle_session_ends(database: Database, client: TestClient, dialogue: str, clock: Clock) -> None:
    add_facilitator(database, EMAIL, dialogue)
    headers = sign_in_api(client, EMAIL)
    sign_in_page(client, EMAIL)
    clock.advance(minutes=110)
    assert client.get("/api/v1/facilitator", headers=headers).status_code == 200  # in use: slides on
    assert client.get(f"/f/{dialogue}", follow_redirects=False).status_code == 200
    clock.advance(minutes=110)  # 220 minutes after signing in, 110 after the last use
    assert client.get("/api/v1/facilitator", headers=headers).status_code == 200
    assert client.get(f"/f/{dialogue}", follow_redirects=False).status_code == 200
    clock.advance(minutes=121)
    assert client.get("/api/v1/facilitator", headers=headers).status_code == 401
    page = client.get(f"/f/{dialogue}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=")
    with database.sessions() as session:  # expired sessions are deleted when seen
        assert session.scalar(select(func.count()).select_from(models.FacilitatorSession)) == 0


def test_a_session_ends_after_its_lifetime_however_busy(
    database: Database, client: TestClient, dialogue: str, clock: Clock
) -> None:
    add_facilitator(database, EMAIL, dialogue)
    headers = sign_in_api(client, EMAIL)
    for _ in range(11 * 2):  # every half hour for eleven hours
        clock.advance(minutes=30)
        assert client.get(f"/api/v1/manage/{dialogue}", headers=headers).status_code == 200
    clock.advance(minutes=59)
    assert client.get(f"/api/v1/manage/{dialogue}", headers=headers).status_code == 200
    clock.advance(minutes=2)  # twelve hours and a minute after signing in
    assert client.get(f"/api/v1/manage/{dialogue}", headers=headers).status_code == 401


def test_session_lifetimes_come_from_the_settings() -> None:
    settings = Settings.from_env({"WORKINGUP_SESSION_HOURS": "8", "WORKINGUP_SESSION_IDLE_MINUTES": "30"})
    assert (settings.session_hours, settings.session_idle_minutes) == (8.0, 30.0)
    defaults = Settings.from_env({})
    assert (defaults.session_hours, defaults.session_idle_minutes) == (12.0, 120.0)
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ValueError, match="WORKINGUP_SESSION_HOURS"):
            Settings.from_env({"WORKINGUP_SESSION_HOURS": bad})
    with pytest.raises(ValueError, match="positive"):
        accounts.SessionPolicy(lifetime=timedelta(0))


# --- revocation --------------------------------------------------------------------------------------------------


def test_signing_out_ends_the_session_for_api_and_pages(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, EMAIL, dialogue)
    headers = sign_in_api(client, EMAIL)
    assert client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    assert client.get("/api/v1/facilitator", headers=headers).status_code == 401
    token = headers["Authorization"].removeprefix("Bearer ")
    client.cookies.set("wu_session", token)
    assert client.get(f"/f/{dialogue}", follow_redirects=False).status_code == 303
    # And signing out on a page ends the same session on the API.
    client.cookies.clear()
    sign_in_page(client, EMAIL)
    cookie = client.cookies.get("wu_session")
    assert cookie
    assert client.get("/api/v1/facilitator", headers={"Authorization": f"Bearer {cookie}"}).status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 200
    assert client.get("/api/v1/facilitator", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401


def _votes_of(database: Database, participant_id: int) -> int:
    with database.sessions() as session:
        count = session.scalar(
            select(func.count()).where(models.CurrentVote.participant_id == participant_id)
        )
        return int(count or 0)


def _vote(client: TestClient, dialogue: str, headers: dict[str, str]) -> None:
    statement = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=headers).json()["statement"]
    voted = client.post(
        f"/api/v1/dialogues/{dialogue}/votes",
        json={"statement_id": statement["id"], "value": 1},
        headers=headers,
    )
    assert voted.status_code == 200, voted.text


def test_a_facilitator_ends_a_participants_token_and_the_votes_stay(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, EMAIL, dialogue)
    facilitator = sign_in_api(client, EMAIL)
    person = join_api(client, dialogue)
    _vote(client, dialogue, person.headers)
    ended = client.delete(f"/api/v1/manage/{dialogue}/participants/{person.id}/token", headers=facilitator)
    assert ended.status_code == 204
    assert client.get(f"/api/v1/dialogues/{dialogue}/me", headers=person.headers).status_code == 401
    assert _votes_of(database, person.id) == 1
    # A participant cannot end someone else's token, and an unknown id is a 404, not a silent success.
    other = join_api(client, dialogue)
    refused = client.delete(f"/api/v1/manage/{dialogue}/participants/{other.id}/token", headers=other.headers)
    assert refused.status_code == 403
    unknown = client.delete(f"/api/v1/manage/{dialogue}/participants/999999/token", headers=facilitator)
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/dialogues/{dialogue}/me", headers=other.headers).status_code == 200


def test_the_roster_page_ends_an_invited_persons_access(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, EMAIL, dialogue)
    sign_in_page(client, EMAIL)
    shown = client.post(
        f"/f/{dialogue}/invitations", data={"csrf_token": csrf(client), "label": "Lost Phone"}
    )
    link = shown.text.split('id="new-invitation-link">', 1)[1].split("<", 1)[0]
    token = link.rstrip("/").rsplit("/", 1)[1]
    phone = TestClient(client.app)
    phone.post(f"/join/{token}", data={"csrf_token": csrf(phone), "consent": "yes"})
    assert phone.get(f"/d/{dialogue}/vote", follow_redirects=False).status_code == 200
    roster = client.get(f"/f/{dialogue}/roster").text
    action = re.search(r'action="(?:https?://[^/"]+)?(/f/[^"]+/participants/(\d+)/revoke)"', roster)
    assert action, "the roster offers to end an accepted invitation's access"
    ended = client.post(action.group(1), data={"csrf_token": csrf(client)})
    assert ended.status_code == 200
    assert "no longer works" in ended.text
    after = phone.get(f"/d/{dialogue}/vote", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].endswith(f"/d/{dialogue}/join")
    with database.sessions() as session:
        assert session.get_one(models.Participant, int(action.group(2))).token_hash is None


def test_a_participant_ends_their_own_token(database: Database, client: TestClient, dialogue: str) -> None:
    person = join_api(client, dialogue)
    _vote(client, dialogue, person.headers)
    assert client.delete(f"/api/v1/dialogues/{dialogue}/me/token", headers=person.headers).status_code == 204
    assert client.get(f"/api/v1/dialogues/{dialogue}/me/votes", headers=person.headers).status_code == 401
    assert client.delete(f"/api/v1/dialogues/{dialogue}/me/token", headers=person.headers).status_code == 401
    assert _votes_of(database, person.id) == 1
    counts = client.get(f"/api/v1/dialogues/{dialogue}").json()["counts"]
    assert counts["votes"] >= 1

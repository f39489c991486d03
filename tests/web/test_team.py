"""A dialogue's facilitators manage their own team (services.team), from the setup page and through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.web.conftest import GENEROUS, add_facilitator, csrf, sign_in_api, sign_in_page
from workingup.runtime.database import Database
from workingup.store import models
from workingup.web.app import create_app

LEAD, COLLEAGUE, STRANGER = "lead@example.org", "colleague@example.org", "stranger@example.org"


def test_the_team_is_managed_from_the_setup_page(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, LEAD, dialogue)
    add_facilitator(database, COLLEAGUE, None)  # an account that facilitates nothing yet
    sign_in_page(client, LEAD)
    page = client.get(f"/f/{dialogue}")
    assert "lead@example.org" in page.text
    assert "Step down" not in page.text  # alone: nobody to hand over to
    # No account at that address: an invitation, not a member (the next test follows one through).
    unknown = client.post(f"/f/{dialogue}/facilitators", data={"csrf_token": csrf(client), "email": STRANGER})
    assert unknown.status_code == 200
    assert f"Send this link to {STRANGER}" in unknown.text
    added = client.post(
        f"/f/{dialogue}/facilitators", data={"csrf_token": csrf(client), "email": " Colleague@Example.org "}
    )
    assert added.status_code == 200
    assert "Your colleague now facilitates this dialogue." in added.text
    assert "colleague@example.org" in added.text
    again = client.post(f"/f/{dialogue}/facilitators", data={"csrf_token": csrf(client), "email": COLLEAGUE})
    assert again.status_code == 400

    with TestClient(create_app(database, rate_limits=GENEROUS)) as colleague:
        sign_in_page(colleague, COLLEAGUE)
        assert colleague.get(f"/f/{dialogue}/moderation").status_code == 200
        # The lead steps down and lands on their home page; the colleague now runs the dialogue alone.
        ids = [
            m["id"]
            for m in colleague.get(
                f"/api/v1/manage/{dialogue}/facilitators", headers=sign_in_api(colleague, COLLEAGUE)
            ).json()
        ]
        assert len(ids) == 2
    lead_id = next(
        m["id"]
        for m in client.get(
            f"/api/v1/manage/{dialogue}/facilitators", headers=sign_in_api(client, LEAD)
        ).json()
        if m["you"]
    )
    down = client.post(f"/f/{dialogue}/facilitators/{lead_id}/remove", data={"csrf_token": csrf(client)})
    assert down.url.path in ("/f", "/login")
    assert client.get(f"/f/{dialogue}/moderation", follow_redirects=False).status_code == 403


def test_the_api_adds_and_removes_but_never_the_last_one(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, LEAD, dialogue)
    add_facilitator(database, COLLEAGUE, None)
    lead = sign_in_api(client, LEAD)
    url = f"/api/v1/manage/{dialogue}/facilitators"
    [me] = client.get(url, headers=lead).json()
    assert (me["email"], me["you"]) == (LEAD, True)
    last = client.delete(f"{url}/{me['id']}", headers=lead)
    assert last.status_code == 400
    assert "at least one facilitator" in last.json()["detail"]
    added = client.post(url, json={"email": COLLEAGUE}, headers=lead)
    assert added.status_code == 201
    assert (added.json()["email"], added.json()["you"]) == (COLLEAGUE, False)
    assert client.post(url, json={"email": STRANGER}, headers=lead).status_code == 404
    colleague = sign_in_api(client, COLLEAGUE)
    assert client.delete(f"{url}/{added.json()['id']}", headers=lead).status_code == 204
    assert client.get(url, headers=colleague).status_code == 403  # off the team, at once
    assert client.delete(f"{url}/{added.json()['id']}", headers=lead).status_code == 404  # already off
    assert [m["email"] for m in client.get(url, headers=lead).json()] == [LEAD]


NEWCOMER = "newcomer@example.org"
GOOD = "my own long password"


def test_a_colleague_without_an_account_joins_through_a_one_time_link(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, LEAD, dialogue)
    sign_in_page(client, LEAD)
    invited = client.post(f"/f/{dialogue}/facilitators", data={"csrf_token": csrf(client), "email": NEWCOMER})
    assert invited.status_code == 200
    link = re.search(r'id="new-colleague-link">([^<]+)<', invited.text)
    assert link is not None
    assert f"Send this link to {NEWCOMER}" in invited.text
    assert 'id="new-colleague-link"' not in client.get(f"/f/{dialogue}").text  # shown once
    assert NEWCOMER in client.get(f"/f/{dialogue}").text  # still listed as invited
    path = "/team/join/" + link.group(1).rsplit("/", 1)[1]

    with TestClient(create_app(database, rate_limits=GENEROUS)) as newcomer:
        form = newcomer.get(path)
        assert form.status_code == 200
        assert NEWCOMER in form.text
        fields = {"csrf_token": csrf(newcomer), "display_name": "Nia Newcomer"}
        differ = newcomer.post(path, data={**fields, "password": GOOD, "password_again": GOOD + "!"})
        assert differ.status_code == 400
        assert "the two passwords differ" in differ.text
        short = newcomer.post(path, data={**fields, "password": "short", "password_again": "short"})
        assert short.status_code == 400
        assert "at least 12 characters" in short.text
        joined = newcomer.post(path, data={**fields, "password": GOOD, "password_again": GOOD})
        assert joined.status_code == 200
        assert joined.url.path == f"/f/{dialogue}/dashboard"  # signed in, in the dialogue
        assert newcomer.get(f"/f/{dialogue}/moderation").status_code == 200
        assert newcomer.get(path).status_code == 404  # the link is spent
    # The password is theirs: it signs in through the API like any other.
    assert client.post("/api/v1/sessions", json={"email": NEWCOMER, "password": GOOD}).status_code == 201
    page = client.get(f"/f/{dialogue}")
    assert "Nia Newcomer" in page.text
    assert "Invited, not yet joined" not in page.text


def test_colleague_invitations_through_the_api_expire_and_can_be_withdrawn(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, LEAD, dialogue)
    add_facilitator(database, COLLEAGUE, None)
    lead = sign_in_api(client, LEAD)
    url = f"/api/v1/manage/{dialogue}/colleague-invitations"
    assert (
        client.post(url, json={"email": COLLEAGUE}, headers=lead).status_code == 409
    )  # has an account: add it
    assert client.post(url, json={"email": "not an address"}, headers=lead).status_code == 400
    first = client.post(url, json={"email": NEWCOMER}, headers=lead).json()
    second = client.post(url, json={"email": NEWCOMER}, headers=lead).json()  # a resend: the first link dies
    assert [i["id"] for i in client.get(url, headers=lead).json()] == [second["invitation"]["id"]]
    accept = "/api/v1/colleague-invitations/{}/accept"
    body = {"display_name": "Nia", "password": GOOD}
    assert client.post(accept.format(first["token"]), json=body).status_code == 404
    withdrawn = client.post(f"{url}/{second['invitation']['id']}/withdraw", headers=lead)
    assert withdrawn.status_code == 200
    assert client.post(accept.format(second["token"]), json=body).status_code == 404
    third = client.post(url, json={"email": NEWCOMER}, headers=lead).json()
    with database.transaction() as session:  # a week and a minute later
        invitation = session.get_one(models.ColleagueInvitation, third["invitation"]["id"])
        invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert client.post(accept.format(third["token"]), json=body).status_code == 404
    assert client.get(url, headers=lead).json() == []
    fourth = client.post(url, json={"email": NEWCOMER}, headers=lead).json()
    opened = client.post(accept.format(fourth["token"]), json=body)
    assert opened.status_code == 201
    assert opened.json()["facilitator"]["dialogues"] == [dialogue]
    mine = {"Authorization": f"Bearer {opened.json()['token']}"}
    assert client.get(f"/api/v1/manage/{dialogue}/facilitators", headers=mine).status_code == 200
    assert client.post(accept.format(fourth["token"]), json=body).status_code == 404  # once

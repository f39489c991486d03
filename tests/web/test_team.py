"""A dialogue's facilitators manage their own team (services.team), from the setup page and through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import GENEROUS, add_facilitator, csrf, sign_in_api, sign_in_page
from workingup.services.database import Database
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
    unknown = client.post(f"/f/{dialogue}/facilitators", data={"csrf_token": csrf(client), "email": STRANGER})
    assert unknown.status_code == 404
    assert f"workingup facilitator add {STRANGER}" in unknown.text  # says who can create the account
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
            for m in colleague.get(f"/api/v1/manage/{dialogue}/facilitators", headers=_api(colleague)).json()
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


def _api(client: TestClient) -> dict[str, str]:
    return sign_in_api(client, COLLEAGUE)


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

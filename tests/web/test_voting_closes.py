"""Voting that closes (issue 19): after the facilitators close voting (the switch, or the start of the closing
phase), every door refuses a vote, a join and a new statement with the same clear message, the pages say voting
is closed instead of offering a card or a form, and the stored votes do not change."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import add_facilitator, csrf, current_statement, join_api, join_page, sign_in_api
from workingup.domain import Phase, Role
from workingup.runtime.database import Database
from workingup.services import setup
from workingup.services.dialogues import get_dialogue
from workingup.services.roster import create_invitation
from workingup.store import models

FACILITATOR = "closer@example.org"


def _votes(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(models.Vote)) or 0)


def _participants(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(models.Participant)) or 0)


def test_closing_by_the_api_switch_stops_votes_joins_and_statements_on_every_door(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, FACILITATOR, dialogue)
    manager = sign_in_api(client, FACILITATOR)
    me = join_api(client, dialogue)
    sid = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=me.headers).json()["statement"]["id"]
    first = client.post(
        f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": sid, "value": 1}, headers=me.headers
    )
    assert first.status_code in (200, 201), first.text
    join_page(client, dialogue)  # a page participant too, before the cut-off
    page_statement = current_statement(client.get(f"/d/{dialogue}/vote").text)
    assert page_statement is not None

    closed = client.patch(f"/api/v1/manage/{dialogue}/settings", json={"voting_open": False}, headers=manager)
    assert closed.status_code == 200, closed.text
    assert closed.json()["voting_open"] is False
    assert closed.json()["voting_closed_at"] is not None
    assert client.get(f"/api/v1/dialogues/{dialogue}").json()["voting_open"] is False
    before = _votes(database), _participants(database)

    api_vote = client.post(
        f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": sid, "value": -1}, headers=me.headers
    )
    assert api_vote.status_code == 403
    assert "voting in this dialogue closed" in api_vote.json()["detail"]
    api_join = client.post(f"/api/v1/dialogues/{dialogue}/participants", json={"consent": True})
    assert api_join.status_code == 403
    assert "no more participants" in api_join.json()["detail"]
    api_statement = client.post(
        f"/api/v1/dialogues/{dialogue}/statements",
        json={"text": "Every town should run a night bus to the industrial estates."},
        headers=me.headers,
    )
    assert api_statement.status_code == 403
    assert "no more statements" in api_statement.json()["detail"]

    page_vote = client.post(
        f"/d/{dialogue}/vote", data={"csrf_token": csrf(client), "statement_id": page_statement, "value": 1}
    )
    assert page_vote.status_code == 403
    assert "voting in this dialogue closed" in page_vote.text
    change = client.post(
        f"/d/{dialogue}/my-votes", data={"csrf_token": csrf(client), "statement_id": sid, "value": 0}
    )
    assert change.status_code == 403
    page_statement_post = client.post(
        f"/d/{dialogue}/statements/new",
        data={
            "csrf_token": csrf(client),
            "text": "Every town should run a night bus to the industrial estates.",
        },
    )
    assert page_statement_post.status_code == 403
    assert (_votes(database), _participants(database)) == before
    next_card = client.get(f"/api/v1/dialogues/{dialogue}/me/next", headers=me.headers)
    assert next_card.status_code == 403

    # The pages say so, and offer no card or form.
    vote_page = client.get(f"/d/{dialogue}/vote")
    assert 'id="voting-closed"' in vote_page.text
    assert current_statement(vote_page.text) is None
    submit_page = client.get(f"/d/{dialogue}/statements/new")
    assert 'id="voting-closed"' in submit_page.text
    assert 'name="text"' not in submit_page.text
    public = client.get(f"/d/{dialogue}")
    assert "Voting closed on" in public.text
    assert "Continue voting" not in public.text

    # Opened again, a vote counts again.
    assert client.patch(
        f"/api/v1/manage/{dialogue}/settings", json={"voting_open": True}, headers=manager
    ).json()["voting_open"]
    again = client.post(
        f"/api/v1/dialogues/{dialogue}/votes", json={"statement_id": sid, "value": -1}, headers=me.headers
    )
    assert again.status_code in (200, 201), again.text


def test_an_invitation_cannot_be_accepted_after_voting_closed(
    database: Database, app_client: TestClient, dialogue: str
) -> None:
    with database.transaction() as session:
        target = get_dialogue(session, dialogue)
        token = create_invitation(session, target, "Ana", Role.STAKEHOLDER, None).token
        setup.close_voting(target)
    page = app_client.get(f"/join/{token}")
    assert page.status_code == 200
    assert 'id="voting-closed"' in page.text
    assert "Join and start voting" not in page.text
    refused = app_client.post(f"/join/{token}", data={"csrf_token": csrf(app_client), "consent": "yes"})
    assert refused.status_code == 403
    assert "no more participants" in refused.text
    assert _participants(database) == 0


def test_entering_the_closing_phase_closes_voting_and_never_means_only_the_switch(
    database: Database, dialogue: str
) -> None:
    with database.transaction() as session:
        target = get_dialogue(session, dialogue)
        assert target.voting_closes_in is Phase.ACTION  # the last phase by default
        setup.change_settings(target, setup.DialogueSettings(voting_closes_in="recommendations"))
        while target.phase is not Phase.ACTION_AGENDA:
            setup.advance_phase(session, target)
            assert target.voting_closed_at is None, target.phase
        setup.advance_phase(session, target)
        assert target.phase is Phase.RECOMMENDATIONS
        closed_at = target.voting_closed_at
        assert closed_at is not None
        setup.close_voting(target)  # closing again keeps the first cut-off
        assert target.voting_closed_at == closed_at
        setup.reopen_voting(target)
        setup.change_settings(target, setup.DialogueSettings(voting_closes_in="never"))
        setup.advance_phase(session, target)
        assert target.voting_closed_at is None
        assert target.voting_closes_in is None

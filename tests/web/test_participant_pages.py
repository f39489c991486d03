"""A participant's journey through the pages: join, consent, vote, submit, review and change votes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import csrf, current_statement, join_page
from workingup.domain import InvitationStatus, Leaning, Role
from workingup.runtime.database import Database
from workingup.services.dialogues import get_dialogue
from workingup.services.roster import create_invitation
from workingup.store import models


def test_open_join_creates_a_consenting_participant_and_voting_works(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue, sector="employers", leaning="center_right")
    with database.sessions() as session:
        person = session.scalars(select(models.Participant)).one()
        assert (person.role, person.sector, person.leaning) == (
            Role.PUBLIC,
            "employers",
            Leaning.CENTER_RIGHT,
        )
        assert person.consented_at is not None
        assert person.token_hash
        assert len(person.token_hash) == 64
    page = client.get(f"/d/{dialogue}/vote")
    seen = []
    for i in range(5):
        sid = current_statement(page.text)
        assert sid is not None
        assert sid not in seen
        seen.append(sid)
        assert f"You have voted on {i} of 73 statements." in page.text
        page = client.post(
            f"/d/{dialogue}/vote",
            data={"csrf_token": csrf(client), "statement_id": sid, "value": [1, -1, 0][i % 3]},
        )
        assert page.status_code == 200
    assert "You have voted on 5 of 73 statements." in page.text
    with database.sessions() as session:
        votes = dict(session.execute(select(models.CurrentVote.statement_id, models.CurrentVote.value)).all())
    assert votes == {sid: [1, -1, 0][i % 3] for i, sid in enumerate(seen)}


def test_joining_twice_from_one_browser_keeps_one_participant(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue)
    again = client.post(f"/d/{dialogue}/join", data={"csrf_token": csrf(client), "consent": "yes"})
    assert again.status_code == 200
    assert again.url.path == f"/d/{dialogue}/vote"
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Participant)) == 1


def test_joining_needs_consent_and_an_open_dialogue(
    database: Database, client: TestClient, dialogue: str
) -> None:
    refused = client.post(f"/d/{dialogue}/join", data={"csrf_token": csrf(client), "leaning": "left"})
    assert refused.status_code == 400
    assert "agree to the ground rules" in refused.text
    with database.transaction() as session:
        get_dialogue(session, dialogue).open_join = False
    closed = client.post(f"/d/{dialogue}/join", data={"csrf_token": csrf(client), "consent": "yes"})
    assert closed.status_code == 403
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Participant)) == 0


def test_forms_without_the_csrf_value_are_refused(
    database: Database, client: TestClient, dialogue: str
) -> None:
    assert client.post(f"/d/{dialogue}/join", data={"consent": "yes"}).status_code == 403
    assert (
        client.post(f"/d/{dialogue}/join", data={"consent": "yes", "csrf_token": "x" * 43}).status_code == 403
    )
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Participant)) == 0


def test_invitation_gives_its_role_and_sector_and_works_once(
    database: Database, client: TestClient, dialogue: str
) -> None:
    with database.transaction() as session:
        created = create_invitation(
            session, get_dialogue(session, dialogue), "Ada Employer", Role.STAKEHOLDER, "employers"
        )
    page = client.get(f"/join/{created.token}")
    assert page.status_code == 200
    assert "Stakeholder at the table" in page.text
    assert "Sector: Employers" in page.text
    joined = client.post(
        f"/join/{created.token}", data={"csrf_token": csrf(client), "consent": "yes", "sector": "faith"}
    )
    assert joined.url.path == f"/d/{dialogue}/vote"
    with database.sessions() as session:
        person = session.scalars(select(models.Participant)).one()
        invitation = session.get_one(models.Invitation, created.invitation.id)
    assert (person.role, person.sector, person.display_name) == (
        Role.STAKEHOLDER,
        "employers",
        "Ada Employer",
    )
    assert invitation.status is InvitationStatus.ACCEPTED
    assert invitation.participant_id == person.id
    assert client.get(f"/join/{created.token}").status_code == 404


def test_vote_needs_a_participant_and_an_accepted_statement(
    database: Database, client: TestClient, dialogue: str
) -> None:
    anonymous = client.get(f"/d/{dialogue}/vote", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].endswith(f"/d/{dialogue}/join")
    join_page(client, dialogue)
    with database.transaction() as session:
        d = get_dialogue(session, dialogue)
        pending = models.Statement(
            dialogue_id=d.id, text="Not yet moderated statement", moderation="unmoderated"
        )
        session.add(pending)
        session.flush()
        pending_id = pending.id
    refused = client.post(
        f"/d/{dialogue}/vote", data={"csrf_token": csrf(client), "statement_id": pending_id, "value": 1}
    )
    assert refused.status_code == 400
    assert (
        client.post(
            f"/d/{dialogue}/vote", data={"csrf_token": csrf(client), "statement_id": 10**9, "value": 1}
        ).status_code
        == 404
    )


def test_submitting_a_statement_warns_on_duplicates(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue)
    with database.sessions() as session:
        seed = session.scalars(select(models.Statement).order_by(models.Statement.id)).first()
        assert seed is not None
    shouted = seed.text.upper().replace(",", "") + "!!"
    warned = client.post(
        f"/d/{dialogue}/statements/new",
        data={"csrf_token": csrf(client), "text": shouted, "focus_area": "quality-work"},
    )
    assert warned.status_code == 409
    assert "already exists" in warned.text
    assert seed.text in warned.text
    reworded = client.post(
        f"/d/{dialogue}/statements/new",
        data={"csrf_token": csrf(client), "text": "Employers should publish schedules two weeks ahead."},
    )
    assert reworded.status_code == 409  # a near-duplicate of the seed about posting schedules in advance
    assert "Require large employers to post schedules at least two weeks in advance" in reworded.text
    new = "Bus passes should be free for anyone starting a new job in its first month."
    sent = client.post(
        f"/d/{dialogue}/statements/new",
        data={"csrf_token": csrf(client), "text": new, "focus_area": "quality-work"},
    )
    assert sent.status_code == 200
    assert "awaits moderation" in sent.text
    with database.sessions() as session:
        mine = session.scalars(select(models.Statement).where(models.Statement.text == new)).one()
        assert mine.moderation.value == "unmoderated"
        assert mine.author_id is not None
        assert mine.focus_area_id is not None
        assert session.scalar(select(func.count()).where(models.Statement.text == shouted)) == 0


def test_my_votes_lists_current_votes_and_changing_keeps_history(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue)
    first = current_statement(client.get(f"/d/{dialogue}/vote").text)
    client.post(f"/d/{dialogue}/vote", data={"csrf_token": csrf(client), "statement_id": first, "value": 1})
    page = client.get(f"/d/{dialogue}/my-votes")
    row = re.search(rf'<tr id="vote-{first}">.*?</tr>', page.text, re.S)
    assert row is not None
    assert '<td class="current-vote">Agree</td>' in row.group(0)
    changed = client.post(
        f"/d/{dialogue}/my-votes", data={"csrf_token": csrf(client), "statement_id": first, "value": -1}
    )
    assert "Your vote was changed to Disagree." in changed.text
    row = re.search(rf'<tr id="vote-{first}">.*?</tr>', changed.text, re.S)
    assert row is not None
    assert '<td class="current-vote">Disagree</td>' in row.group(0)
    with database.sessions() as session:
        history = session.scalars(select(models.Vote.value).order_by(models.Vote.id)).all()
        current = session.scalars(select(models.CurrentVote.value)).all()
    assert history == [1, -1]
    assert current == [-1]


def _card(html: str) -> tuple[int, str]:
    """The voting card's statement and the key the card was shown with."""
    sid = current_statement(html)
    key = re.search(r'name="request_key" value="([^"]+)"', html)
    assert sid is not None
    assert key is not None
    return sid, key.group(1)


def _history(database: Database) -> tuple[list[int], list[int]]:
    with database.sessions() as session:
        history = session.scalars(select(models.Vote.value).order_by(models.Vote.id)).all()
        current = session.scalars(select(models.CurrentVote.value)).all()
    return list(history), list(current)


def test_a_double_click_on_the_voting_card_is_one_vote(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue)
    sid, key = _card(client.get(f"/d/{dialogue}/vote").text)
    form = {"csrf_token": csrf(client), "statement_id": sid, "value": 1, "request_key": key}
    for _ in range(2):
        page = client.post(f"/d/{dialogue}/vote", data=form)
        assert page.status_code == 200
        assert "You have voted on 1 of 73 statements." in page.text
    assert _history(database) == ([1], [1])


def test_going_back_to_the_card_and_pressing_another_answer_changes_the_vote(
    database: Database, client: TestClient, dialogue: str
) -> None:
    """The card's page is shown again by the browser's back button (same card, same key): a different answer is
    a changed vote, as it always was, not a 409; the history keeps every answer. Pressing an earlier answer again
    changes the vote back (that answer's earlier vote was replaced, so it is not answered from it), and a double
    click then is still one vote."""
    join_page(client, dialogue)
    sid, key = _card(client.get(f"/d/{dialogue}/vote").text)
    for value in (1, -1, 1, -1, 1):
        form = {"csrf_token": csrf(client), "statement_id": sid, "value": value, "request_key": key}
        page = client.post(f"/d/{dialogue}/vote", data=form)
        assert page.status_code == 200, page.text
    assert _history(database) == ([1, -1, 1, -1, 1], [1])
    page = client.post(
        f"/d/{dialogue}/vote",
        data={"csrf_token": csrf(client), "statement_id": sid, "value": 1, "request_key": key},
    )
    assert page.status_code == 200
    assert _history(database) == ([1, -1, 1, -1, 1], [1]), "a double click after the change is still one vote"


def test_profile_can_be_changed_and_required_fields_are_enforced(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue)
    with database.transaction() as session:
        get_dialogue(session, dialogue).require_leaning = True
    refused = client.post(
        f"/d/{dialogue}/profile",
        data={"csrf_token": csrf(client), "consent": "yes", "leaning": "undisclosed"},
    )
    assert refused.status_code == 400
    assert "leaning" in refused.text
    saved = client.post(
        f"/d/{dialogue}/profile",
        data={"csrf_token": csrf(client), "consent": "yes", "leaning": "right", "sector": "faith"},
    )
    assert "Your profile was saved." in saved.text
    with database.sessions() as session:
        person = session.scalars(select(models.Participant)).one()
    assert (person.leaning, person.sector) == (Leaning.RIGHT, "faith")


def test_a_participant_ends_their_own_access_and_their_votes_stay(
    database: Database, client: TestClient, dialogue: str
) -> None:
    join_page(client, dialogue)
    page = client.get(f"/d/{dialogue}/vote")
    sid = current_statement(page.text)
    client.post(f"/d/{dialogue}/vote", data={"csrf_token": csrf(client), "statement_id": sid, "value": 1})
    with database.sessions() as session:
        dialogue_id = session.scalars(select(models.Dialogue.id)).one()
    token = client.cookies.get(f"wu_p{dialogue_id}")
    assert token
    assert "End my access" in client.get(f"/d/{dialogue}/profile").text
    left = client.post(f"/d/{dialogue}/profile/end-access", data={"csrf_token": csrf(client)})
    assert left.status_code == 200
    assert left.url.path == f"/d/{dialogue}"
    assert "Your access has ended on this device" in left.text
    assert client.cookies.get(f"wu_p{dialogue_id}") is None
    # The browser is a stranger again, and the token it held opens nothing anywhere.
    assert client.get(f"/d/{dialogue}/vote").url.path == f"/d/{dialogue}/join"
    api = client.get(f"/api/v1/dialogues/{dialogue}/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    with database.sessions() as session:
        person = session.scalars(select(models.Participant)).one()
        assert person.token_hash is None
        assert session.scalars(select(models.CurrentVote.value)).all() == [1]

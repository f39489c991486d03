"""A facilitator's pages: sign in, setup and phases, roster and balance, moderation, dashboard and exports."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import PASSWORD, add_facilitator, csrf, join_page, sign_in_page
from workingup.domain import Moderation, Phase
from workingup.runtime.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue
from workingup.store import models

EMAIL = "fac@example.org"


@pytest.fixture
def signed_in(database: Database, client: TestClient, dialogue: str) -> str:
    add_facilitator(database, EMAIL, dialogue)
    sign_in_page(client, EMAIL)
    return dialogue


def test_sign_in_rejects_wrong_password_and_redirects_anonymous_visitors(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, EMAIL, dialogue)
    anonymous = client.get(f"/f/{dialogue}/moderation", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next=/f/{dialogue}/moderation"
    wrong = client.post(
        "/login", data={"csrf_token": csrf(client), "email": EMAIL, "password": PASSWORD + "x"}
    )
    assert wrong.status_code == 401
    assert "wrong e-mail address or password" in wrong.text
    unknown = client.post(
        "/login", data={"csrf_token": csrf(client), "email": "x@example.org", "password": "p"}
    )
    assert unknown.status_code == 401
    assert "wrong e-mail address or password" in unknown.text
    ok = client.post(
        "/login",
        data={
            "csrf_token": csrf(client),
            "email": EMAIL.upper(),
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert ok.url.path == f"/f/{dialogue}/dashboard"  # an off-site ?next= falls back to the facilitator home
    with database.sessions() as session:
        account = session.scalars(select(models.Facilitator)).one()
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_facilitator_of_another_dialogue_gets_403(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, "other@example.org", None)
    sign_in_page(client, "other@example.org")
    for page in ("", "/roster", "/moderation", "/dashboard", "/export/balance.csv", "/export/polis.zip"):
        assert client.get(f"/f/{dialogue}{page}").status_code == 403, page
    refused = client.post(f"/f/{dialogue}/phase", data={"csrf_token": csrf(client)})
    assert refused.status_code == 403
    with database.sessions() as session:
        assert get_dialogue(session, dialogue).phase is Phase.ASSESSMENT


def test_advancing_the_phase_records_it_with_a_date(
    database: Database, client: TestClient, signed_in: str
) -> None:
    page = client.post(f"/f/{signed_in}/phase", data={"csrf_token": csrf(client), "expected": "assessment"})
    assert "The dialogue moved to the next phase." in page.text
    assert "Convene and build trust" in page.text
    stale = client.post(f"/f/{signed_in}/phase", data={"csrf_token": csrf(client), "expected": "assessment"})
    assert stale.status_code == 409
    with database.sessions() as session:
        d = get_dialogue(session, signed_in)
        assert d.phase is Phase.CONVENE
        assert [pc.phase for pc in d.phase_changes] == [Phase.ASSESSMENT, Phase.CONVENE]
        assert d.phase_changes[1].changed_at >= d.phase_changes[0].changed_at
    table = client.get(f"/f/{signed_in}/export/phases.csv").text
    assert [row[0] for row in csv.reader(io.StringIO(table))] == [
        "Phase",
        "Assessment",
        "Convene and build trust",
    ]


def test_settings_focus_and_inquiry_areas(database: Database, client: TestClient, signed_in: str) -> None:
    client.post(f"/f/{signed_in}/settings", data={"csrf_token": csrf(client), "published": "yes"})
    client.post(
        f"/f/{signed_in}/focus-areas", data={"csrf_token": csrf(client), "title": "Housing near jobs"}
    )
    client.post(
        f"/f/{signed_in}/focus-areas/housing-near-jobs/inquiry-areas",
        data={"csrf_token": csrf(client), "title": "Commuting costs"},
    )
    duplicate = client.post(
        f"/f/{signed_in}/focus-areas", data={"csrf_token": csrf(client), "title": "Housing near jobs"}
    )
    assert duplicate.status_code == 409
    with database.sessions() as session:
        d = get_dialogue(session, signed_in)
        assert (d.published, d.open_join) == (True, False)
        assert d.focus_areas[-1].title == "Housing near jobs"
        assert [ia.title for ia in d.focus_areas[-1].inquiry_areas] == ["Commuting costs"]


def test_roster_balance_audit_and_invitations(database: Database, client: TestClient, signed_in: str) -> None:
    with database.transaction() as session:
        populate_demo(session, get_dialogue(session, signed_in), public=0, seed=1)
    page = client.get(f"/f/{signed_in}/roster")
    assert page.status_code == 200
    balance = list(csv.reader(io.StringIO(client.get(f"/f/{signed_in}/export/balance.csv").text)))
    assert balance[0] == [
        "Sector",
        "Planned seats",
        "Left-leaning",
        "Centre",
        "Right-leaning",
        "Undisclosed",
        "Total",
    ]
    assert balance[-1][0] == "Total"
    assert int(balance[-1][-1]) == 30
    for row in balance[1:]:
        assert f'<th scope="row" class="text">{row[0]}</th>' in page.text
    created = client.post(
        f"/f/{signed_in}/invitations",
        data={
            "csrf_token": csrf(client),
            "label": "Grace Advocate",
            "role": "stakeholder",
            "sector": "worker_advocates",
        },
    )
    link = re.search(r'id="new-invitation-link">([^<]+)<', created.text)
    assert link is not None
    assert "/join/" in link.group(1)
    assert 'id="new-invitation-link"' not in client.get(f"/f/{signed_in}/roster").text  # shown once
    invitations = list(csv.reader(io.StringIO(client.get(f"/f/{signed_in}/export/invitations.csv").text)))
    assert invitations[1][:4] == ["Grace Advocate", "Stakeholder at the table", "Worker advocates", "Pending"]
    with database.sessions() as session:
        invitation_id = session.scalars(select(models.Invitation.id)).one()
    # A lost link: a new one for the same person, shown once; the first stops working, the new one works.
    first = link.group(1).rsplit("/", 1)[1]
    reissued = client.post(
        f"/f/{signed_in}/invitations/{invitation_id}/reissue", data={"csrf_token": csrf(client)}
    )
    new_link = re.search(r'id="new-invitation-link">([^<]+)<', reissued.text)
    assert new_link is not None
    assert "Grace Advocate" in reissued.text
    token = new_link.group(1).rsplit("/", 1)[1]
    assert token != first
    assert client.get(f"/join/{first}").status_code == 404
    assert client.get(f"/join/{token}").status_code == 200
    with database.sessions() as session:
        assert session.scalars(select(models.Invitation.label)).all() == [
            "Grace Advocate"
        ]  # the same invitation
    client.post(f"/f/{signed_in}/invitations/{invitation_id}/revoke", data={"csrf_token": csrf(client)})
    assert client.get(f"/join/{token}").status_code == 404
    again = client.post(
        f"/f/{signed_in}/invitations/{invitation_id}/reissue", data={"csrf_token": csrf(client)}
    )
    assert again.status_code == 400  # a withdrawn invitation gets no new link


def test_moderation_queue_filters_pages_and_bulk_moderates(
    database: Database, client: TestClient, signed_in: str
) -> None:
    with database.transaction() as session:
        d = get_dialogue(session, signed_in)
        for i in range(30):
            session.add(
                models.Statement(
                    dialogue_id=d.id, text=f"Participant idea number {i:02d}", moderation="unmoderated"
                )
            )
    page = client.get(f"/f/{signed_in}/moderation")
    assert "30 statements match; page 1 of 2." in page.text
    ids = [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page.text)]
    assert len(ids) == 25
    second = client.get(f"/f/{signed_in}/moderation?status=unmoderated&page=2")
    assert len(re.findall(r'name="ids" value="(\d+)"', second.text)) == 5
    searched = client.get(f"/f/{signed_in}/moderation?status=all&q=number+07")
    assert "1 statement matches; page 1 of 1." in searched.text
    assert "1 statements" not in searched.text
    done = client.post(
        f"/f/{signed_in}/moderation",
        data={
            "csrf_token": csrf(client),
            "action": "accept",
            "ids": [str(i) for i in ids[:3]],
            "filter_status": "unmoderated",
        },
    )
    assert "3 statements changed." in done.text
    assert "27 statements match" in done.text
    client.post(
        f"/f/{signed_in}/moderation",
        data={"csrf_token": csrf(client), "action": "reject", "ids": [str(ids[3])]},
    )
    foreign = client.post(
        f"/f/{signed_in}/moderation",
        data={"csrf_token": csrf(client), "action": "reject", "ids": [str(ids[4]), "999999"]},
    )
    assert foreign.status_code == 404
    client.post(
        f"/f/{signed_in}/statements",
        data={
            "csrf_token": csrf(client),
            "text": "Is this process fair to you?",
            "kind": "principle",
            "is_meta": "yes",
        },
    )
    with database.sessions() as session:
        states = dict(session.execute(select(models.Statement.id, models.Statement.moderation)).all())
        meta = session.scalars(select(models.Statement).where(models.Statement.is_meta.is_(True))).one()
    assert [states[i] for i in ids[:5]] == [Moderation.ACCEPTED] * 3 + [
        Moderation.REJECTED,
        Moderation.UNMODERATED,
    ]
    assert meta.is_seed
    assert meta.moderation is Moderation.ACCEPTED
    exported = list(
        csv.reader(io.StringIO(client.get(f"/f/{signed_in}/export/statements.csv?status=unmoderated").text))
    )
    assert len(exported) == 1 + 26  # every matching row, not only the first page


def test_dashboard_and_polis_export(database: Database, client: TestClient, signed_in: str) -> None:
    with database.transaction() as session:
        populate_demo(session, get_dialogue(session, signed_in), public=20, seed=2)
    page = client.get(f"/f/{signed_in}/dashboard")
    assert page.status_code == 200
    assert "Simulated data." in page.text
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/f/{signed_in}/export/polis.zip").content))
    names = {n.split("/")[1] for n in archive.namelist()}
    assert {"comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"} <= names
    with database.sessions() as session:
        n_votes = session.scalar(select(func.count()).select_from(models.Vote))
    votes = archive.read(f"{signed_in}/votes.csv").decode().strip().splitlines()
    assert len(votes) - 1 == n_votes


def test_sign_out_ends_the_session(database: Database, client: TestClient, signed_in: str) -> None:
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get(f"/f/{signed_in}/dashboard", follow_redirects=False).status_code == 303
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.FacilitatorSession)) == 0


def test_participant_cookie_does_not_open_facilitator_pages(client: TestClient, dialogue: str) -> None:
    join_page(client, dialogue)
    assert client.get(f"/f/{dialogue}/dashboard", follow_redirects=False).status_code == 303

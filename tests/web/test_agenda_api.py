"""The agenda through the JSON API only: draft from candidates, revise, a unanimity round with a block, the report
files, the tracker (facilitator and public), and who may do what."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.agenda import adopt
from tests.web.conftest import add_facilitator, join_api, sign_in_api
from workingup.dialogues import load_definition
from workingup.domain import Role
from workingup.runtime.database import Database
from workingup.services import roster
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.store.agenda import EndorsementRow

EMAIL = "agenda-api@example.org"


def _world(database: Database, slug: str) -> None:
    """The demo table on the dialogue, published and analysed, and a second dialogue with its own facilitator."""
    with database.transaction() as session:
        d = get_dialogue(session, slug)
        populate_demo(session, d, public=10, seed=3)
        d.published = True
        assert run_analysis(session, d) is not None
        install_definition(session, dataclasses.replace(load_definition(), slug="elsewhere"))
    add_facilitator(database, EMAIL, slug)
    add_facilitator(database, "other-dialogue@example.org", "elsewhere")


def _stakeholder(client: TestClient, database: Database, slug: str, label: str) -> dict[str, str]:
    with database.transaction() as session:
        created = roster.create_invitation(
            session, get_dialogue(session, slug), label, Role.STAKEHOLDER, "faith"
        )
    joined = client.post(f"/api/v1/invitations/{created.token}/accept", json={"consent": True})
    assert joined.status_code == 201, joined.text
    assert joined.json()["participant"]["role"] == "stakeholder"
    return {"Authorization": f"Bearer {joined.json()['token']}"}


def _endorsements(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(EndorsementRow)) or 0


@pytest.mark.slow
def test_from_candidates_to_a_blocked_round_a_report_and_a_public_tracker(
    database: Database, client: TestClient, dialogue: str
) -> None:
    _world(database, dialogue)
    manage = f"/api/v1/manage/{dialogue}"
    me = sign_in_api(client, EMAIL)

    # Who may do what: nobody without a token, no participant, no facilitator of another dialogue.
    member = join_api(client, dialogue)
    other = sign_in_api(client, "other-dialogue@example.org")
    for path in ("/agenda/candidates", "/recommendations", "/round", "/tracker", "/report.md"):
        assert client.get(manage + path).status_code == 401
        assert client.get(manage + path, headers=member.headers).status_code == 403
        assert client.get(manage + path, headers=other).status_code == 403
    assert client.post(f"{manage}/round", json={"rule": "unanimity"}, headers=other).status_code == 403

    candidates = client.get(f"{manage}/agenda/candidates", headers=me).json()
    assert len(candidates) >= 2
    assert candidates[0]["verdict"] == "convergence"
    first, second = candidates[0], candidates[1]
    drafted = client.post(
        f"{manage}/recommendations",
        headers=me,
        json={
            "statement_ids": [first["statement_id"], second["statement_id"]],
            "kind": "policy",
            "horizon": "near_term",
            "actors": ["Congress", "employers"],
            "title": "Portable benefits",
            "focus_area": first["focus_area"],
            "evidence": [{"text": "Pilot study", "url": "https://example.org/pilot"}],
        },
    )
    assert drafted.status_code == 201, drafted.text
    rec = drafted.json()
    assert rec["number"] == 1
    assert [b["statement_id"] for b in rec["current"]["basis"]] == [
        first["statement_id"],
        second["statement_id"],
    ]
    assert rec["current"]["basis"][0]["verdict"] == "convergence"
    no_actor = client.post(
        f"{manage}/recommendations",
        headers=me,
        json={
            "statement_ids": [first["statement_id"]],
            "kind": "policy",
            "horizon": "near_term",
            "actors": [" "],
        },
    )
    assert no_actor.status_code == 400
    assert "at least one actor" in no_actor.json()["detail"]

    revised = client.post(
        f"{manage}/recommendations/1/versions", headers=me, json={"text": "New wording.", "note": "June"}
    )
    assert revised.status_code == 201, revised.text
    assert revised.json()["versions"] == 2
    assert revised.json()["current"]["text"] == "New wording."
    history = client.get(f"{manage}/recommendations/1", headers=me).json()
    assert [v["number"] for v in history["versions"]] == [1, 2]
    assert history["versions"][0]["text"] != "New wording."
    same = client.post(f"{manage}/recommendations/1/versions", headers=me, json={"text": "New wording."})
    assert same.status_code == 400
    assert "nothing changed" in same.json()["detail"]

    opened = client.post(f"{manage}/round", headers=me, json={"rule": "unanimity"})
    assert opened.status_code == 201, opened.text
    assert opened.json()["open"] is True
    assert client.post(f"{manage}/round", headers=me, json={"rule": "unanimity"}).status_code == 409

    ana = _stakeholder(client, database, dialogue, "Ana Ruiz")
    bo = _stakeholder(client, database, dialogue, "Bo Chen")
    cy = _stakeholder(client, database, dialogue, "Cy Diaz")
    own = client.get(f"/api/v1/dialogues/{dialogue}/me/agenda", headers=ana).json()
    assert own["may_endorse"] is True
    assert own["recommendations"][0]["version"] == 2
    assert own["recommendations"][0]["mine"] is None

    endorse = f"/api/v1/dialogues/{dialogue}/endorsements"
    before = _endorsements(database)
    no_reason = client.post(endorse, headers=cy, json={"recommendation": 1, "stance": "block"})
    assert no_reason.status_code == 400
    assert "a block needs its reason" in no_reason.json()["detail"]
    assert _endorsements(database) == before
    assert client.post(endorse, json={"recommendation": 1, "stance": "endorse"}).status_code == 401
    refused = client.post(endorse, headers=member.headers, json={"recommendation": 1, "stance": "endorse"})
    assert refused.status_code == 400
    assert "not a stakeholder" in refused.json()["detail"]
    assert (
        client.get(f"/api/v1/dialogues/{dialogue}/me/agenda", headers=member.headers).json()["may_endorse"]
        is False
    )
    assert _endorsements(database) == before

    assert (
        client.post(endorse, headers=ana, json={"recommendation": 1, "stance": "endorse"}).status_code == 201
    )
    reserved = client.post(
        endorse, headers=bo, json={"recommendation": 1, "stance": "reservations", "text": "Phase it in"}
    )
    assert reserved.json()["stance"] == "reservations"
    assert reserved.json()["current"] is True
    blocked = client.post(
        endorse, headers=cy, json={"recommendation": 1, "stance": "block", "text": "Costs fall on workers"}
    )
    assert blocked.status_code == 201, blocked.text
    assert _endorsements(database) == before + 3
    named = client.put(f"/api/v1/dialogues/{dialogue}/me/name-consent", headers=bo, json={"named": True})
    assert named.json()["named"] is True

    result = client.get(f"{manage}/round", headers=me).json()["recommendations"][0]
    assert result["outcome"] == "blocked"
    assert result["counts"] == {"endorse": 1, "reservations": 1, "stand_aside": 0, "block": 1}
    assert result["blocks"] == [{"text": "Costs fall on workers", "name": None}]  # no consent to be named
    assert result["reservations"] == [{"text": "Phase it in", "name": "Bo Chen"}]
    assert all(p["counts"] is None for p in result["by_sector"] if p["size"] is None)
    mine = client.get(f"/api/v1/dialogues/{dialogue}/me/agenda", headers=cy).json()["recommendations"][0]
    assert mine["mine"]["stance"] == "block"

    closed = client.post(f"{manage}/round/close", headers=me)
    assert closed.json()["open"] is False
    assert closed.json()["recommendations"][0]["outcome"] == "blocked"
    late = client.post(endorse, headers=ana, json={"recommendation": 1, "stance": "endorse"})
    assert late.status_code == 400
    assert "no open endorsement round" in late.json()["detail"]

    md = client.get(f"{manage}/report.md", headers=me)
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert "Costs fall on workers" in md.text
    html = client.get(f"{manage}/report.html", headers=me)
    assert html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    if database.engine.dialect.name == "sqlite":  # the PDF is the HTML printed; once is enough (seconds each)
        pdf = client.get(f"{manage}/report.pdf", headers=me)
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert "attachment" in pdf.headers["content-disposition"]
    assert client.get(f"{manage}/report.docx", headers=me).status_code == 422

    commitment_to = {"actor": "Ohio", "description": "Pilot in two counties", "due_on": "2027-06-30"}
    on_blocked = client.post(f"{manage}/commitments", headers=me, json={"recommendation": 1, **commitment_to})
    assert on_blocked.status_code == 400  # issue 19: it was recorded, and shown in public under R1
    assert "R1 has not been adopted (not adopted (blocked)" in on_blocked.json()["detail"]

    # R2, adopted in a second round: commitments are recorded against it.
    second_draft = client.post(
        f"{manage}/recommendations",
        headers=me,
        json={
            "statement_ids": [second["statement_id"]],
            "kind": "policy",
            "horizon": "near_term",
            "actors": ["employers"],
        },
    )
    assert second_draft.status_code == 201, second_draft.text
    assert client.post(f"{manage}/round", headers=me, json={"rule": "unanimity"}).status_code == 201
    answer = client.post(endorse, headers=ana, json={"recommendation": 2, "stance": "endorse"})
    assert answer.status_code == 201, answer.text
    with database.transaction() as session:  # the rest of the table (simulated), through the service
        adopt(session, get_dialogue(session, dialogue), 2)
    made = client.post(f"{manage}/commitments", headers=me, json={"recommendation": 2, **commitment_to})
    assert made.status_code == 201, made.text
    commitment = made.json()["id"]
    assert made.json()["status"] == "planned"
    assert made.json()["progress"] is None
    status = client.post(
        f"{manage}/commitments/{commitment}/status",
        headers=me,
        json={"status": "in_progress", "note": "started"},
    )
    assert status.json()["status"] == "in_progress"
    dropped = client.post(f"{manage}/commitments/{commitment}/status", headers=me, json={"status": "dropped"})
    assert dropped.status_code == 400
    assert "say why" in dropped.json()["detail"]
    added = client.post(
        f"{manage}/commitments/{commitment}/milestones", headers=me, json={"title": "Hire staff"}
    )
    client.post(f"{manage}/commitments/{commitment}/milestones", headers=me, json={"title": "Launch"})
    milestone = added.json()["milestones"][0]["id"]
    progressed = client.put(f"{manage}/milestones/{milestone}/progress", headers=me, json={"progress": 50})
    assert progressed.json()["progress"] == 25  # the mean of 50% and 0%
    assert (
        client.put(
            f"{manage}/milestones/{milestone}/progress", headers=me, json={"progress": 101}
        ).status_code
        == 400
    )
    bad_link = client.post(
        f"{manage}/commitments/{commitment}/evidence", headers=me, json={"url": "javascript:alert(1)"}
    )
    assert bad_link.status_code == 400
    evidence = client.post(
        f"{manage}/commitments/{commitment}/evidence",
        headers=me,
        json={"url": "https://example.org/press", "note": "County press release", "dated": "2027-01-15"},
    )
    assert evidence.json()["evidence"] == [
        {"dated": "2027-01-15", "note": "County press release", "url": "https://example.org/press"}
    ]
    admin = client.get(f"{manage}/tracker", headers=me).json()
    assert admin["status_counts"]["in_progress"] == 1
    assert any("planned → in progress: started" in a["message"] for a in admin["activity"])

    public = client.get(f"/api/v1/dialogues/{dialogue}/tracker").json()
    tracked, not_adopted = public["recommendations"]  # adopted first
    assert (tracked["number"], tracked["outcome"]) == (2, "adopted")
    assert (not_adopted["number"], not_adopted["commitments"]) == (1, [])  # pending in the second round
    assert tracked["commitments"][0]["description"] == "Pilot in two counties"
    assert tracked["commitments"][0]["progress"] == 25
    assert tracked["commitments"][0]["evidence"][0]["url"] == "https://example.org/press"
    assert "milestones" not in tracked["commitments"][0]
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/dialogues/{dialogue}/tracker.csv").text)))
    assert rows[0]["status"] == "in_progress"
    assert rows[0]["progress_percent"] == "25"
    with database.transaction() as session:
        get_dialogue(session, dialogue).published = False
    assert client.get(f"/api/v1/dialogues/{dialogue}/tracker").status_code == 404
    assert client.get(f"/api/v1/dialogues/{dialogue}/tracker.csv").status_code == 404

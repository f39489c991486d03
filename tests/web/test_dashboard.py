"""The analysis dashboard, its API and CSV exports, the routing wiring, and the refresh after votes."""

from __future__ import annotations

import csv
import io
import re
import time
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import (
    GENEROUS,
    add_facilitator,
    csrf,
    current_statement,
    join_page,
    sign_in_api,
    sign_in_page,
)
from workingup.runtime.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue
from workingup.store import models
from workingup.web.app import create_app

EMAIL = "dash@example.org"


@pytest.fixture
def demo(database: Database, dialogue: str) -> str:
    with database.transaction() as session:
        populate_demo(session, get_dialogue(session, dialogue), public=60, seed=5)
    add_facilitator(database, EMAIL, dialogue)
    return dialogue


def test_dashboard_shows_the_opinion_map_groups_consensus_and_divisive_statements(
    database: Database, client: TestClient, demo: str
) -> None:
    sign_in_page(client, EMAIL)
    before = client.get(f"/f/{demo}/dashboard").text
    assert "No analysis yet" in before
    assert "<svg" not in before
    page = client.post(f"/f/{demo}/analysis", data={"csrf_token": csrf(client)})
    assert "The analysis was refreshed." in page.text
    html = page.text
    assert re.search(r'id="last-analysis">Last analysis: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', html)
    svg = re.search(r"<svg xmlns=.*?</svg>", html, re.S)
    assert svg is not None
    root = ET.fromstring(svg.group(0))
    dots = root.findall("{http://www.w3.org/2000/svg}circle")
    with database.sessions() as session:
        voters = len(set(session.scalars(select(models.CurrentVote.participant_id))))
    assert len(dots) == voters
    assert len({d.get("fill") for d in dots}) >= 2  # at least two groups, in different colours
    assert "Group A:" in html
    assert "Group B:" in html
    assert "Convergence verdict" in html
    assert re.search(r"<strong>\d+</strong> convergence</li>", html)
    assert 'id="coordination-alert"' in html
    for table in ("groups", "consensus", "group-consensus", "divisive", "verdicts"):
        rows = list(csv.reader(io.StringIO(client.get(f"/f/{demo}/export/{table}.csv").text)))
        assert len(rows) > 1, table
        assert rows[1][0] in html.replace("&#39;", "'"), table


def test_analysis_api_and_map(database: Database, client: TestClient, demo: str) -> None:
    headers = sign_in_api(client, EMAIL)
    assert client.get(f"/api/v1/manage/{demo}/analysis", headers=headers).status_code == 404
    ran = client.post(f"/api/v1/manage/{demo}/analysis", headers=headers)
    assert ran.status_code == 200
    body = ran.json()
    assert len(body["groups"]) >= 2
    assert sum(g["size"] for g in body["groups"]) == body["n_clustered"]
    assert body["consensus_agree"] or body["consensus_disagree"]
    verdicts = {v["verdict"] for v in body["verdicts"]}
    assert "convergence" in verdicts
    assert all(v["text"] and v["reason"] for v in body["verdicts"])
    assert client.get(f"/api/v1/manage/{demo}/analysis", headers=headers).json()["run_at"] == body["run_at"]
    svg = client.get(f"/api/v1/manage/{demo}/analysis/map.svg", headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")


def test_next_statement_follows_the_analysis_priority(
    database: Database, client: TestClient, demo: str
) -> None:
    join_page(client, demo)
    with database.sessions() as session:
        ids = list(session.scalars(select(models.Statement.id)))
    favourite = ids[len(ids) // 2]
    priorities = dict.fromkeys(ids, 0.0) | {favourite: 1.0}
    client.app.state.analyses.priority = lambda _session, _dialogue_id, _participant_id=None: priorities  # type: ignore[attr-defined]
    for _ in range(5):
        assert current_statement(client.get(f"/d/{demo}/vote").text) == favourite


def test_a_vote_schedules_a_background_analysis(database: Database, demo: str) -> None:
    app = create_app(database, rate_limits=GENEROUS, analysis_delay=0.05, analyse_on_start=False)
    with TestClient(app) as client:
        join_page(client, demo)
        sid = current_statement(client.get(f"/d/{demo}/vote").text)
        client.post(f"/d/{demo}/vote", data={"csrf_token": csrf(client), "statement_id": sid, "value": 1})
        refresher = app.state.analyses.refresher
        deadline = time.monotonic() + 60
        while refresher.runs == 0 or not refresher.idle():
            assert time.monotonic() < deadline, "no analysis after the vote"
            time.sleep(0.05)
        with database.sessions() as session:
            run = session.scalars(select(models.AnalysisRun)).one()
        assert run.n_votes >= 1


def test_a_coordinated_bloc_is_flagged_on_the_dashboard(
    database: Database, client: TestClient, demo: str
) -> None:
    from workingup.store.votes import record_vote

    with database.transaction() as session:
        d = get_dialogue(session, demo)
        statement_ids = list(session.scalars(select(models.Statement.id).order_by(models.Statement.id)))[:20]
        bloc = [models.Participant(dialogue_id=d.id, display_name=f"Copy {i}") for i in range(8)]
        session.add_all(bloc)
        session.flush()
        for person in bloc:
            for j, sid in enumerate(statement_ids):
                record_vote(
                    session,
                    dialogue_id=d.id,
                    participant_id=person.id,
                    statement_id=sid,
                    value=1 if j % 3 else -1,
                )
    sign_in_page(client, EMAIL)
    html = client.post(f"/f/{demo}/analysis", data={"csrf_token": csrf(client)}).text
    alert = re.search(r'<div class="warning" role="note" id="coordination-alert">(.*?)</div>', html, re.S)
    assert alert is not None
    assert "Coordinated voting: 8 participants in 1 bloc(s) vote as one" in alert.group(1)
    assert "votes identically on 100% of the" in alert.group(1)  # identical copies, and the label says so

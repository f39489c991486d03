"""The public pages, in-process: the dialogue's description and focus areas, results only once published."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.store import models
from workingup.store.queries import statement_vote_counts


def test_home_without_dialogue_says_how_to_start(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "workingup init" in page.text


def test_dialogue_page_shows_focus_areas_and_results_only_once_published(
    database: Database, client: TestClient
) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=100, seed=4)
    with database.sessions() as session:
        counts = statement_vote_counts(session, dialogue.id)
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303
    html = client.get(home.headers["location"]).text
    for focus in load_definition().focus_areas:
        assert f">{focus.title}</h3>" in html
    assert "Simulated data." in html
    assert "have not published the results" in html
    first = load_definition().statements[0]
    assert first.text not in html

    with database.transaction() as session:
        get_dialogue(session, "working-up").published = True
    html = client.get("/d/working-up/results").text
    assert "have not published the results" not in html
    row = re.search(re.escape(first.text) + r".*?</tr>", html, re.S)
    assert row is not None
    numbers = [int(n) for n in re.findall(r'class="num">(\d+)<', row.group(0))]
    c = counts[min(counts)]  # the first seed statement has the lowest id
    assert numbers == [c.total, c.agree, c.disagree, c.passed]
    assert c.total >= 5


def test_api_and_missing_dialogue(database: Database, client: TestClient) -> None:
    with database.transaction() as session:
        install_definition(session, load_definition())
    data = client.get("/api/v1/dialogues/working-up").json()
    assert [fa["key"] for fa in data["focus_areas"]] == [
        "work-opportunity",
        "quality-work",
        "financial-security",
    ]
    assert data["counts"]["participants"] == 0
    assert data["results_published"] is False
    assert client.get("/api/v1/dialogues/working-up/results").status_code == 404
    assert client.get("/api/v1/dialogues/nope").status_code == 404
    missing = client.get("/d/nope")
    assert missing.status_code == 404
    assert "no dialogue called &#39;nope&#39;" in missing.text


def test_statement_text_is_escaped(database: Database, client: TestClient) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        dialogue.published = True
        session.add(
            models.Statement(
                dialogue_id=dialogue.id,
                text="<script>alert(1)</script>'; DROP TABLE vote;--",
                moderation="accepted",
            )
        )
    html = client.get("/d/working-up/results").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#39;; DROP TABLE vote;--" in html


def test_pages_send_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_a_statement_accepted_after_the_last_analysis_shows_as_hidden_per_group(
    database: Database, client: TestClient
) -> None:
    from workingup.services.analysis_runs import run_analysis

    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=200, seed=5)
        dialogue.published = True
        run_analysis(session, dialogue)
        session.add(
            models.Statement(
                dialogue_id=dialogue.id, text="Accepted after the analysis ran.", moderation="accepted"
            )
        )
    page = client.get("/d/working-up/results")
    assert page.status_code == 200
    row = re.search(r"Accepted after the analysis ran\..*?</tr>", page.text, re.S)
    assert row is not None
    assert "group A" in page.text  # the groups' columns are there …
    assert row.group(0).count("fewer than 5") >= 5  # … and this statement's figures are all hidden

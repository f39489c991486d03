"""The first web page, in-process: the dialogue with its focus areas, statements and vote counts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from workingup.dialogues import load_definition
from workingup.services.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.store.queries import statement_vote_counts
from workingup.web.app import create_app


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database)) as test_client:
        yield test_client


def test_home_without_dialogue_says_how_to_start(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "workingup init" in page.text


def test_dialogue_page_lists_focus_areas_statements_and_counts(
    database: Database, client: TestClient
) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=100, seed=4)
    with database.sessions() as session:
        counts = statement_vote_counts(session, dialogue.id)
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303
    page = client.get(home.headers["location"])
    assert page.status_code == 200
    html = page.text
    for focus in load_definition().focus_areas:
        assert f">{focus.title}</h2>" in html
    assert "Simulated data." in html
    first = load_definition().statements[0]
    row = re.search(re.escape(first.text) + r".*?</tr>", html, re.S)
    assert row is not None
    numbers = [int(n) for n in re.findall(r'class="num">(\d+)<', row.group(0))]
    first_counts = counts[min(counts)]  # the first seed statement has the lowest id
    assert numbers == [first_counts.agree, first_counts.disagree, first_counts.passed]
    assert sum(numbers) > 0


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
    assert client.get("/api/v1/dialogues/nope").status_code == 404
    assert client.get("/d/nope").status_code == 404


def test_statement_text_is_escaped(database: Database, client: TestClient) -> None:
    from workingup.store import models

    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        session.add(
            models.Statement(dialogue_id=dialogue.id, text="<script>alert(1)</script>'; DROP TABLE vote;--")
        )
    html = client.get("/d/working-up").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#39;; DROP TABLE vote;--" in html

"""The facilitator's listening page: record a session, import words all or nothing, find themes, adopt a quote."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import add_facilitator, csrf, sign_in_page
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.store import models
from workingup.store.listening import ContributionRow, StatementOriginRow

EMAIL = "listener@example.org"
WORDS = "\n".join(
    [
        "I need child care in the evening when I work late shifts.",
        "Child care closes at six and my shift ends at eight.",
        "Evening child care would let me take the better shift.",
        "My schedule changes every week and I cannot plan.",
        "They post the schedule two days ahead, so I cannot plan anything.",
        "With a predictable schedule I could keep a second job.",
        "I owe more on my car loan than the car is worth.",
        "The payday loan fees ate half my paycheck.",
        "One unexpected bill and I am borrowing again.",
    ]
)


@pytest.fixture
def signed_in(database: Database, client: TestClient, dialogue: str) -> str:
    add_facilitator(database, EMAIL, dialogue)
    sign_in_page(client, EMAIL)
    return dialogue


def _count(database: Database, table) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


@pytest.mark.slow
def test_from_a_session_to_a_statement_linked_to_its_words(
    database: Database, client: TestClient, signed_in: str
) -> None:
    page = client.get(f"/f/{signed_in}/listening")
    assert page.status_code == 200
    assert "No listening session yet." in page.text
    added = client.post(
        f"/f/{signed_in}/listening/sessions",
        data={
            "csrf_token": csrf(client),
            "held_on": "2017-03-02",
            "place": "Library <b>Dayton</b>",
            "facilitator": "Ana",
            "consent": "yes",
        },
    )
    assert added.status_code == 200
    assert "The session was recorded." in added.text
    assert "Library &lt;b&gt;Dayton&lt;/b&gt;" in added.text
    form_action = re.search(r'action="(?:https?://[^/"]+)?(/f/[^"]+/contributions)"', added.text)
    assert form_action is not None
    imported = client.post(
        form_action.group(1),
        data={"csrf_token": csrf(client)},
        files={"file": ("notes.txt", WORDS.encode(), "text/plain")},
    )
    assert imported.status_code == 200, imported.text
    assert _count(database, ContributionRow) == 9
    # A broken CSV adds nothing and says where the problem is.
    broken = client.post(
        form_action.group(1),
        data={"csrf_token": csrf(client)},
        files={"file": ("bad.csv", b"speaker,text\nP1,fine\nP2\n", "text/csv")},
    )
    assert broken.status_code == 400
    assert "bad.csv line 3" in broken.text
    assert _count(database, ContributionRow) == 9
    typed = client.post(
        form_action.group(1),
        data={"csrf_token": csrf(client), "text": "The bus does not run on Sundays.", "speaker": "P9"},
    )
    assert typed.status_code == 200
    assert _count(database, ContributionRow) == 10

    themes = client.post(f"/f/{signed_in}/listening/themes", data={"csrf_token": csrf(client)})
    assert themes.status_code == 200
    assert "Themes were found." in themes.text
    assert "Theme 1:" in themes.text
    quote = re.search(r"<blockquote>“([^”]+)”</blockquote>", themes.text)
    assert quote is not None
    assert quote.group(1).replace("&#39;", "'") in WORDS + "\nThe bus does not run on Sundays."

    run_id = re.search(r'name="run_id" value="(\d+)"', themes.text)
    theme_id = re.search(r'name="theme_id" value="(\d+)"', themes.text)
    assert run_id is not None
    assert theme_id is not None
    adopted = client.post(
        f"/f/{signed_in}/listening/adopt",
        data={
            "csrf_token": csrf(client),
            "run_id": run_id.group(1),
            "theme_id": theme_id.group(1),
            "candidate": "0",
            "text": "Child care should be open in the evening for shift workers.",
            "focus_area": "quality-work",
            "kind": "proposal",
        },
    )
    assert adopted.status_code == 200, adopted.text
    assert "linked to the words it came from" in adopted.text
    with database.sessions() as session:
        origin = session.scalars(select(StatementOriginRow)).one()
        statement = session.get(models.Statement, origin.statement_id)
        contribution = session.get(ContributionRow, origin.contribution_id)
        assert statement.text == "Child care should be open in the evening for shift workers."
        assert contribution.text[origin.quote_start : origin.quote_end] == origin.quote


def test_other_facilitators_and_forged_forms_are_refused(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, "other@example.org", None)
    sign_in_page(client, "other@example.org")
    assert client.get(f"/f/{dialogue}/listening").status_code == 403
    refused = client.post(f"/f/{dialogue}/listening/themes", data={"csrf_token": csrf(client)})
    assert refused.status_code == 403
    client.cookies.clear()
    add_facilitator(database, EMAIL, dialogue)
    sign_in_page(client, EMAIL)
    forged = client.post(
        f"/f/{dialogue}/listening/sessions",
        data={"csrf_token": "x" * 40, "held_on": "2017-03-02", "place": "P", "facilitator": "F"},
    )
    assert forged.status_code == 403
    assert _count(database, models.Statement) == len(load_definition().statements)

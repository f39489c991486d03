"""Validation errors keep work (issue 19): a refused draft or stance comes back as the same form, filled in as it
was sent, with the message beside the field it is about; no command-line wording, and the header still knows who
is signed in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import csrf
from tests.web.test_agenda_pages import _stakeholder, agenda
from workingup.runtime.database import Database
from workingup.store import models
from workingup.store.agenda import EndorsementRow, RecommendationRow

__all__ = ["agenda"]  # the fixture, used by name

TITLE = "Wages <posted> in every advert & more"


def _two_areas(database: Database, candidates: list[int]) -> tuple[int, int]:
    with database.sessions() as session:
        area = dict(
            session.execute(
                select(models.Statement.id, models.Statement.focus_area_id).where(
                    models.Statement.id.in_(candidates)
                )
            ).all()
        )
    first = candidates[0]
    other = next(s for s in candidates if area[s] != area[first])
    return first, other


def test_a_draft_from_two_focus_areas_comes_back_filled_in_with_the_error_beside_the_focus_area(
    database: Database, client: TestClient, dialogue: str, agenda: list[int]
) -> None:
    page = client.get(f"/f/{dialogue}/agenda")
    offered = [int(s) for s in re.findall(r'name="statements" value="(\d+)"', page.text)]
    a, b = _two_areas(database, offered)
    refused = client.post(
        f"/f/{dialogue}/agenda/recommendations",
        data={
            "csrf_token": csrf(client),
            "statements": [a, b],
            "title": TITLE,
            "text": "Every job advert states its pay range.",
            "kind": "private_sector",
            "horizon": "new_approaches",
            "actors": "employers, job boards",
            "evidence_text": "A pay transparency study",
        },
    )
    assert refused.status_code == 400
    html = refused.text
    assert "Something went wrong" not in html
    assert "--focus-area" not in html
    assert not re.search(r"\(--[a-z]", html)  # no command-line option named anywhere on the page
    error = re.search(r'<p class="error" role="alert" id="draft-focus_area-error">([^<]+)</p>', html)
    assert error is not None
    assert "different focus areas" in error.group(1)
    # The error sits with the focus-area field, which points at it.
    focus = html[html.index('id="draft-focus"') : html.index('id="draft-focus_area-error"')]
    assert 'aria-describedby="draft-focus_area-error"' in focus
    # Everything typed is still there.
    assert f'name="statements" value="{a}" checked' in html
    assert f'name="statements" value="{b}" checked' in html
    assert 'value="Wages &lt;posted&gt; in every advert &amp; more"' in html
    assert ">Every job advert states its pay range.</textarea>" in html
    assert 'value="employers, job boards"' in html
    assert 'value="A pay transparency study"' in html
    assert re.search(r'<option value="private_sector" selected>', html)
    assert re.search(r'<option value="new_approaches" selected>', html)
    # Signed in, and the header says so.
    assert "Sign out" in html
    assert ">Sign in<" not in html
    with database.sessions() as session:
        assert session.scalars(select(RecommendationRow)).first() is None


def test_endorsing_with_reservations_without_text_keeps_the_stance_and_shows_the_error_beside_the_text(
    database: Database, client: TestClient, dialogue: str, agenda: list[int]
) -> None:
    drafted = client.post(
        f"/f/{dialogue}/agenda/recommendations",
        data={
            "csrf_token": csrf(client),
            "statements": [agenda[0]],
            "kind": "policy",
            "horizon": "near_term",
            "actors": "Congress",
        },
    )
    assert drafted.status_code == 200, drafted.text
    assert (
        client.post(
            f"/f/{dialogue}/agenda/round", data={"csrf_token": csrf(client), "rule": "unanimity"}
        ).status_code
        == 200
    )
    stakeholder = _stakeholder(database, dialogue, "Rosa")
    refused = stakeholder.post(
        f"/d/{dialogue}/agenda",
        data={"csrf_token": csrf(stakeholder), "recommendation": "1", "stance": "reservations", "text": "  "},
    )
    assert refused.status_code == 400
    html = refused.text
    assert "Something went wrong" not in html
    assert "--text" not in html
    assert ">Sign in<" not in html  # a joined participant is not asked to sign in
    assert re.search(r'value="reservations" required checked', html)
    error = re.search(r'<p class="error" role="alert" id="text-1-error">([^<]+)</p>', html)
    assert error is not None
    assert "needs the reservations" in error.group(1)
    assert 'aria-describedby="text-1-hint text-1-error"' in html
    with database.sessions() as session:
        assert session.scalars(select(EndorsementRow)).first() is None

"""In a real browser: a facilitator has the dashboard open while scripted accounts join and vote alike through
the API; without reloading, the page shows the live alert naming what the bloc pushes, as text."""

from __future__ import annotations

import dataclasses
import random
import re
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select

from tests.web.browser.conftest import FACILITATOR, LiveServer, Pages, sign_in
from workingup.dialogues import load_definition
from workingup.services.accounts import facilitator_by_email, grant_dialogue
from workingup.services.dialogues import install_definition
from workingup.services.participation import accepted_ids
from workingup.store import models

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "watch-live"


def test_the_dashboard_shows_an_attack_while_it_happens(
    browser: Any, live_server: LiveServer, pages: Pages
) -> None:
    with live_server.database.transaction() as session:
        dialogue = install_definition(session, dataclasses.replace(load_definition(), slug=SLUG))
        dialogue.open_join = True
        account = facilitator_by_email(session, FACILITATOR)
        assert account is not None
        grant_dialogue(session, account, dialogue)
        statements = accepted_ids(session, dialogue.id)
        texts = dict(session.execute(select(models.Statement.id, models.Statement.text)).all())

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login?next=/f/{SLUG}/dashboard")
    sign_in(page)
    page.wait_for_url(f"**/f/{SLUG}/dashboard")
    assert page.locator("#live-alert").is_hidden()

    rng = random.Random(8)
    script = {sid: rng.choice((-1, 1)) for sid in statements[:10]}
    with httpx.Client(base_url=live_server.url, timeout=10) as api:
        for _ in range(6):
            joined = api.post(f"/api/v1/dialogues/{SLUG}/participants", json={"consent": True})
            assert joined.status_code == 201, joined.text
            headers = {"Authorization": f"Bearer {joined.json()['token']}"}
            for sid, value in script.items():
                voted = api.post(
                    f"/api/v1/dialogues/{SLUG}/votes",
                    json={"statement_id": sid, "value": value},
                    headers=headers,
                )
                assert voted.status_code == 200, voted.text

    alert = page.locator('#live-alert[data-state="under-way"]')
    alert.wait_for(state="visible", timeout=20_000)
    shown = alert.inner_text()
    assert re.search(r"Coordinated voting under way: 6 participants in 1 bloc", shown), shown
    pushed = [texts[sid] for sid in script if texts[sid] in shown]
    assert pushed, f"none of the bloc's statements is named: {shown}"
    pages.check(page, "40-live-alert")
    context.close()
    assert not pages.violations, pages.violations

"""In a real browser: a facilitator invites a colleague who has no account; the colleague opens the one-time link,
chooses a name and a password, and lands on the dialogue's dashboard, signed in. Both pages are screenshotted and
checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.browser.conftest import LiveServer, Pages, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "working-up"
COLLEAGUE = "co-facilitator@example.org"


def test_a_facilitator_invites_a_colleague_who_chooses_their_own_password(
    browser: Any, live_server: LiveServer, pages: Pages
) -> None:
    lead = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = lead.new_page()
    page.goto(f"{live_server.url}/login?next=/f/{SLUG}")
    sign_in(page)
    page.wait_for_url(f"**/f/{SLUG}")
    page.get_by_label("Add a colleague by their e-mail address").fill(COLLEAGUE)
    page.get_by_role("button", name="Add", exact=True).first.click()
    page.wait_for_url(re.compile(r"notice=colleague_invited"))
    pages.check(page, "16-setup-colleague-invited")
    link = page.locator("#new-colleague-link").inner_text()
    assert "/team/join/" in link
    lead.close()

    colleague = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = colleague.new_page()
    page.goto(link)
    pages.check(page, "17-colleague-join")
    assert page.get_by_label("E-mail address").input_value() == COLLEAGUE
    page.get_by_label("Your name").fill("Casey Colleague")
    page.get_by_label("Password (at least 12 characters)").fill("a password of my own")
    page.get_by_label("The same password again").fill("a password of my own")
    page.get_by_role("button", name="Create my account and open the dialogue").click()
    page.wait_for_url(f"**/f/{SLUG}/dashboard")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dashboard")
    page.get_by_role("link", name="Setup").click()
    assert page.get_by_text("Casey Colleague").is_visible()
    colleague.close()
    assert pages.violations == {}

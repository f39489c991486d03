"""In a real browser: a participant joins, consents, votes on 20 statements with the keyboard, submits one and
changes a vote; a facilitator signs in, moderates, advances the phase and opens the dashboard, where the
opinion map is drawn. Every page is
screenshotted and checked with axe-core (no serious or critical violation), and the main pages are checked at
a phone's width and at 200% zoom for horizontal overflow."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.browser.conftest import LiveServer, Pages, sign_in
from workingup.domain import Moderation, Phase
from workingup.services import listening
from workingup.services.dialogues import get_dialogue
from workingup.store import models

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "working-up"
NEW_STATEMENT = "Public libraries should lend laptops to people who are looking for work."


def _progress(page: Any) -> int:
    match = re.search(r"You have voted on (\d+) of", page.inner_text("#progress-text"))
    assert match is not None
    return int(match.group(1))


def test_participant_joins_votes_by_keyboard_submits_and_changes_a_vote(
    browser: Any, live_server: LiveServer, pages: Pages
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/d/{SLUG}")
    pages.check(page, "01-public-dialogue")
    page.get_by_role("link", name="Take part").click()
    page.wait_for_url(f"**/d/{SLUG}/join")
    page.get_by_label("Sector").select_option("faith")
    page.get_by_label("Centre-left").check()
    pages.check(page, "02-join-profile")
    page.get_by_label("I agree to the ground rules").check()
    page.get_by_role("button", name="Join and start voting").click()
    page.wait_for_url(f"**/d/{SLUG}/vote*")
    pages.check(page, "03-voting-card")

    voted: list[tuple[int, int]] = []
    for i in range(20):
        statement = int(page.get_attribute("#statement-text", "data-statement-id") or 0)
        assert _progress(page) == i
        key, value = [("a", 1), ("d", -1), ("p", 0)][i % 3]
        with page.expect_navigation():
            page.keyboard.press(key)
        voted.append((statement, value))
    assert _progress(page) == 20
    assert page.get_by_role("status").first.inner_text().startswith("Vote recorded")
    assert len({s for s, _ in voted}) == 20

    page.get_by_role("link", name="Add a statement").click()
    page.get_by_label("Your statement").fill(NEW_STATEMENT)
    page.get_by_label("Focus area").select_option("quality-work")
    pages.check(page, "04-submit-statement")
    page.get_by_role("button", name="Submit the statement").click()
    assert "awaits moderation" in page.get_by_role("status").first.inner_text()

    page.get_by_role("link", name="My votes").click()
    pages.check(page, "05-my-votes")
    first_statement, first_value = voted[0]
    row = page.locator(f"#vote-{first_statement}")
    assert row.locator(".current-vote").inner_text() == "Agree"
    row.get_by_role("button", name=re.compile("^Change to Disagree")).click()
    assert "Your vote was changed to Disagree." in page.get_by_role("status").first.inner_text()
    assert page.locator(f"#vote-{first_statement} .current-vote").inner_text() == "Disagree"

    with live_server.database.sessions() as session:
        participant = session.scalars(
            select(models.Participant)
            .join(models.Dialogue, models.Dialogue.id == models.Participant.dialogue_id)
            .where(models.Participant.simulated.is_(False), models.Dialogue.slug == SLUG)
        ).one()
        current = dict(
            session.execute(
                select(models.CurrentVote.statement_id, models.CurrentVote.value).where(
                    models.CurrentVote.participant_id == participant.id
                )
            ).all()
        )
        history = session.scalars(
            select(models.Vote.value)
            .where(models.Vote.participant_id == participant.id)
            .order_by(models.Vote.id)
        ).all()
    assert participant.sector == "faith"
    assert participant.consented_at is not None
    assert current == {**dict(voted), first_statement: -1}
    assert list(history) == [v for _, v in voted] + [-1]
    assert first_value == 1
    context.close()
    assert pages.violations == {}


def test_facilitator_moderates_advances_the_phase_and_opens_the_dashboard(
    browser: Any, live_server: LiveServer, pages: Pages
) -> None:
    with live_server.database.transaction() as session:
        dialogue = get_dialogue(session, SLUG)
        pending = models.Statement(
            dialogue_id=dialogue.id,
            text="Employers should post wages in every job advert.",
            moderation="unmoderated",
        )
        session.add(pending)
        session.flush()
        pending_id = pending.id
        phase_before = dialogue.phase
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/f/{SLUG}/moderation")
    page.wait_for_url(re.compile(r"/login\?next="))
    pages.check(page, "10-sign-in")
    sign_in(page)
    page.wait_for_url(f"**/f/{SLUG}/moderation")
    pages.check(page, "11-moderation")
    page.locator(f"#s-{pending_id}").check()
    page.get_by_role("button", name="Accept selected").click()
    assert page.get_by_role("status").first.inner_text() == "1 statement changed."

    page.get_by_role("link", name="Setup").click()
    pages.check(page, "12-setup")
    page.locator("#advance-phase").click()
    assert page.get_by_role("status").first.inner_text() == "The dialogue moved to the next phase."

    page.get_by_role("link", name="Roster and balance").click()
    pages.check(page, "13-roster")
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"**/f/{SLUG}/dashboard")
    pages.check(page, "14-dashboard")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dashboard")
    opinion_map = page.get_by_role("img", name="Opinion map")
    assert opinion_map.is_visible()
    assert opinion_map.locator("circle").count() >= 60
    assert page.locator("#last-analysis").inner_text().startswith("Last analysis:")
    assert page.get_by_role("heading", name="Convergence verdict").is_visible()
    assert page.get_by_role("heading", name=re.compile(r"^Group A: \d+ people")).is_visible()

    with live_server.database.transaction() as session:
        dialogue = get_dialogue(session, SLUG)
        listening.load_sample(session, dialogue)
        listening.run_themes(session, dialogue, method="tfidf")
    page.get_by_role("link", name="Listening sessions").click()
    page.wait_for_url(f"**/f/{SLUG}/listening")
    pages.check(page, "15-listening")
    assert page.get_by_role("heading", name=re.compile(r"^Theme 1: ")).is_visible()
    page.get_by_role("button", name="Add to the dialogue").first.click()
    assert "linked to the words it came from" in page.get_by_role("status").first.inner_text()

    with live_server.database.sessions() as session:
        dialogue = get_dialogue(session, SLUG)
        assert session.get_one(models.Statement, pending_id).moderation is Moderation.ACCEPTED
        assert dialogue.phase is phase_before.next()
        assert dialogue.phase_changes[-1].phase is dialogue.phase
        assert dialogue.phase is not Phase.ASSESSMENT
    context.close()
    assert pages.violations == {}


@pytest.mark.parametrize(("name", "width", "scale"), [("phone", 390, 1), ("zoom-200", 640, 2)])
def test_pages_fit_a_phone_and_200_percent_zoom(
    browser: Any, live_server: LiveServer, pages: Pages, name: str, width: int, scale: int
) -> None:
    # 200% zoom of a 1280-pixel-wide window lays the page out in 640 CSS pixels at twice the density.
    context = browser.new_context(
        viewport={"width": width, "height": 800}, device_scale_factor=scale, bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/d/{SLUG}/join")
    page.get_by_label("I agree to the ground rules").check()
    page.get_by_role("button", name="Join and start voting").click()
    page.wait_for_url(f"**/d/{SLUG}/vote*")
    for path, label in (
        ("", "public"),
        ("/vote", "vote"),
        ("/my-votes", "my-votes"),
        ("/statements/new", "submit"),
    ):
        page.goto(f"{live_server.url}/d/{SLUG}{path}")
        pages.check(page, f"20-{name}-{label}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (label, overflow)
    page.goto(f"{live_server.url}/login?next=/f/{SLUG}/dashboard")
    sign_in(page)
    page.wait_for_url(f"**/f/{SLUG}/dashboard")
    for path in ("/dashboard", "/moderation", "/roster", "/listening", ""):
        page.goto(f"{live_server.url}/f/{SLUG}{path}")
        pages.check(page, f"20-{name}-facilitator{path.replace('/', '-') or '-setup'}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, overflow)
    context.close()
    assert pages.violations == {}

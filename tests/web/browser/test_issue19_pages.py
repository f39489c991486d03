"""Issue 19's page items in a real browser, at a desktop's 1280 px and a phone's 390 px, every page axe-checked:
voting that closes, a refused draft that keeps what was typed, what each figure means (a tap, not a hover), the
opinion map's numbered statements, the simulated-data banner on every page, a vote status that does not move the
buttons, wide tables that scroll inside their frame and a long unbroken word that does not break the table."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.geometry import overlapping
from tests.web.browser.conftest import FACILITATOR, LiveServer, Pages, sign_in
from workingup.dialogues import load_definition
from workingup.domain import Moderation
from workingup.services.accounts import facilitator_by_email, grant_dialogue
from workingup.services.analysis_runs import latest_run
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.services.moderation import add_seed_statement
from workingup.services.stored_analysis import parse
from workingup.store import models
from workingup.web.opinion_map import label_box, statement_label_style

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "working-up"
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]
LONG_WORD = "x" * 400


def _context(browser: Any, width: int) -> Any:
    return browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def _signed_in(browser: Any, live_server: LiveServer, width: int, path: str) -> tuple[Any, Any]:
    context = _context(browser, width)
    page = context.new_page()
    page.goto(f"{live_server.url}/login?next={path}")
    sign_in(page)
    page.wait_for_url(f"**{path}*")
    return context, page


def _own_dialogue(live_server: LiveServer, slug: str) -> None:
    """A simulated dialogue of this test's own, open to join, facilitated by the test facilitator: what a test
    changes (voting closed, a participant, a statement) stays out of the shared demo dialogue other files count."""
    with live_server.database.transaction() as session:
        dialogue = install_definition(session, dataclasses.replace(load_definition(), slug=slug))
        dialogue.open_join = True
        populate_demo(session, dialogue, public=12, seed=3)
        account = facilitator_by_email(session, FACILITATOR)
        assert account is not None
        grant_dialogue(session, account, dialogue)


@pytest.mark.parametrize("width", WIDTHS)
def test_voting_closes_by_the_switch_and_every_page_says_so(
    browser: Any, live_server: LiveServer, pages: Pages, width: int
) -> None:
    slug = f"closing-{width}"
    _own_dialogue(live_server, slug)
    voter = _context(browser, width).new_page()
    voter.goto(f"{live_server.url}/d/{slug}/join")
    voter.get_by_label("I agree to the ground rules").check()
    voter.get_by_role("button", name="Join and start voting").click()
    voter.wait_for_url(f"**/d/{slug}/vote*")
    assert voter.locator("header.site").get_by_role("link", name="Sign in").count() == 0  # joined: not asked
    assert voter.get_by_role("note").first.inner_text().startswith("Simulated data.")
    pages.check(voter, f"60-{width}-vote-open")

    context, facilitator = _signed_in(browser, live_server, width, f"/f/{slug}")
    facilitator.get_by_role("button", name="Close voting now").click()
    facilitator.wait_for_url(f"**/f/{slug}?notice=voting_closed")
    assert facilitator.inner_text("#voting-state").startswith("Voting closed on")
    pages.check(facilitator, f"61-{width}-setup-closed")
    assert _overflow(facilitator) <= 1

    voter.goto(f"{live_server.url}/d/{slug}/vote")
    assert voter.inner_text("#voting-closed").startswith("Voting closed on")
    assert voter.get_by_role("button", name=re.compile("^Agree")).count() == 0
    pages.check(voter, f"62-{width}-vote-closed")
    assert _overflow(voter) <= 1
    voter.goto(f"{live_server.url}/d/{slug}")
    assert "Voting closed on" in voter.inner_text("main")
    assert voter.get_by_role("link", name="Continue voting").count() == 0
    stranger = _context(browser, width).new_page()
    stranger.goto(f"{live_server.url}/d/{slug}/join")
    assert stranger.inner_text("#voting-closed").startswith("Voting closed on")
    assert stranger.get_by_role("button", name="Join and start voting").count() == 0
    pages.check(stranger, f"63-{width}-join-closed")

    facilitator.get_by_role("button", name="Open voting again").click()
    facilitator.wait_for_url(f"**/f/{slug}?notice=voting_opened")
    voter.goto(f"{live_server.url}/d/{slug}/vote")
    assert voter.get_by_role("button", name=re.compile("^Agree")).count() == 1
    context.close()
    assert pages.violations == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refused_draft_comes_back_filled_in_with_the_error_beside_the_field(
    browser: Any, live_server: LiveServer, pages: Pages, width: int
) -> None:
    with live_server.database.sessions() as session:
        dialogue = get_dialogue(session, SLUG)
        run = latest_run(session, dialogue.id)
        assert run is not None
        verdicts = parse(run)["convergence"]
        ids = [int(s) for s in verdicts["statement_ids"]]
        area = dict(
            session.execute(
                select(models.Statement.id, models.Statement.focus_area_id).where(
                    models.Statement.id.in_(ids)
                )
            ).all()
        )
    context, page = _signed_in(browser, live_server, width, f"/f/{SLUG}/agenda")
    offered = [
        int(v) for v in page.locator('input[name="statements"]').evaluate_all("e => e.map(i => i.value)")
    ]
    first = offered[0]
    other = next(s for s in offered if area.get(s) != area.get(first))
    page.locator(f'input[name="statements"][value="{first}"]').check()
    page.locator(f'input[name="statements"][value="{other}"]').check()
    page.get_by_label("Title", exact=True).fill("Post wages in every advert")
    page.locator("#draft-actors").fill("employers, job boards")
    page.get_by_role("button", name="Draft the recommendation").click()
    page.wait_for_load_state()
    error = page.locator("#draft-focus_area-error")
    assert "different focus areas" in error.inner_text()
    assert "--" not in page.inner_text("main")
    assert page.locator("#draft-focus").get_attribute("aria-invalid") == "true"
    assert page.locator("#draft-title").input_value() == "Post wages in every advert"
    assert page.locator("#draft-actors").input_value() == "employers, job boards"
    assert page.locator(f'input[name="statements"][value="{first}"]').is_checked()
    assert page.locator(f'input[name="statements"][value="{other}"]').is_checked()
    assert page.locator("header.site").get_by_role("button", name="Sign out").is_visible()
    # The error sits right after the field it is about (the same field box).
    field = page.locator(".field", has=page.locator("#draft-focus"))
    assert field.locator("#draft-focus_area-error").count() == 1
    pages.check(page, f"64-{width}-draft-refused")
    assert _overflow(page) <= 1
    page.goto(f"{live_server.url}/f/{SLUG}/agenda")
    assert (
        page.locator("#round-state").inner_text().strip() != ""
    )  # the round section is never an empty heading
    context.close()
    assert pages.violations == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_figures_explain_themselves_on_tap_and_the_map_lists_its_statements(
    browser: Any, live_server: LiveServer, pages: Pages, width: int
) -> None:
    context, page = _signed_in(browser, live_server, width, f"/f/{SLUG}/dashboard")
    explain = page.locator("details.explain").filter(has_text="What this means").first
    meaning = explain.locator("p").first
    assert not meaning.is_visible()
    explain.locator("summary").click()  # a tap on a phone: no hover anywhere
    assert meaning.is_visible()
    assert len(meaning.inner_text()) > 40

    listed = page.locator("ol.map-statements li")
    markers = page.locator("svg.opinion-map g.statement")
    assert markers.count() == listed.count() > 0
    boxes = []
    for i in range(markers.count()):
        label = markers.nth(i).locator("text")
        assert label.text_content() == str(i + 1)
        # The size the reader sees: the font's size in the map's pixels times the map's scale on this screen.
        shown = label.evaluate(
            "t => parseFloat(t.getAttribute('font-size')) * t.ownerSVGElement.getScreenCTM().a"
        )
        assert shown >= 12, shown  # readable at this width (about 4 px on a phone before)
        x, y, anchor = (label.get_attribute(a) or "" for a in ("x", "y", "text-anchor"))
        size = float(label.get_attribute("font-size") or 0)
        boxes.append(label_box(float(x), float(y), anchor, str(i + 1), statement_label_style(size)))
    assert overlapping(boxes) == []  # the digits' boxes, in the map's own pixels
    sid = markers.nth(0).get_attribute("data-statement-id")
    markers.nth(0).locator("circle.hit").click(force=True)
    page.wait_for_function(f"location.hash === '#map-s-{sid}'")
    assert listed.nth(0).is_visible()
    pages.check(page, f"65-{width}-dashboard-explained")
    assert _overflow(page) <= 1

    page.get_by_role("link", name=re.compile("^More in the glossary")).first.click()
    page.wait_for_url("**/glossary#*")
    assert page.get_by_role("heading", name="What the figures mean").is_visible()
    assert page.locator("#gic dd").inner_text().startswith("A score from 0 to 1")
    pages.check(page, f"66-{width}-glossary")
    assert _overflow(page) <= 1
    context.close()
    assert pages.violations == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_banner_is_on_every_page_and_the_vote_status_does_not_move_the_buttons(
    browser: Any, live_server: LiveServer, pages: Pages, width: int
) -> None:
    slug = f"banner-{width}"
    _own_dialogue(live_server, slug)
    context, page = _signed_in(browser, live_server, width, f"/f/{SLUG}")
    for path in ("", "/roster", "/moderation", "/listening", "/agenda", "/tracker", "/dashboard"):
        page.goto(f"{live_server.url}/f/{SLUG}{path}")
        assert page.locator("p.banner").first.inner_text().startswith("Simulated data."), path
    page.goto(f"{live_server.url}/f/{SLUG}/tracker")
    if page.locator("form.new-commitment").count():
        form = page.locator("form.new-commitment").first
        heading = page.locator(f"#{form.get_attribute('aria-labelledby')}")
        assert heading.inner_text().startswith("New commitment to R")
    context.close()

    voter = _context(browser, width).new_page()
    voter.goto(f"{live_server.url}/d/{slug}/join")
    assert voter.locator("p.banner").first.is_visible()
    voter.get_by_label("I agree to the ground rules").check()
    voter.get_by_role("button", name="Join and start voting").click()
    voter.wait_for_url(f"**/d/{slug}/vote*")
    # The card's top edge: the statement's wording (and so the buttons' height) differs from card to card.
    before = voter.locator("article.card").bounding_box()
    with voter.expect_navigation():
        voter.get_by_role("button", name=re.compile("^Pass")).click()
    assert voter.locator("#vote-status").inner_text().startswith("Vote recorded")
    after = voter.locator("article.card").bounding_box()
    assert before is not None
    assert after is not None
    assert (
        after["y"] == before["y"]
    )  # the status line kept its place: the card does not move under the finger
    for path in ("/vote", "/statements/new", "/my-votes", "/profile"):
        voter.goto(f"{live_server.url}/d/{slug}{path}")
        assert voter.locator("p.banner").first.is_visible(), path
        assert voter.locator("header.site").get_by_role("link", name="Sign in").count() == 0
    pages.check(voter, f"67-{width}-vote-banner")
    assert pages.violations == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_wide_and_long_tables_stay_inside_their_frame(
    browser: Any, live_server: LiveServer, pages: Pages, width: int
) -> None:
    slug = f"long-{width}"
    _own_dialogue(live_server, slug)
    with live_server.database.transaction() as session:
        statement = add_seed_statement(session, get_dialogue(session, slug), LONG_WORD, focus_area=None)
        statement.moderation = Moderation.UNMODERATED
    context, page = _signed_in(browser, live_server, width, f"/f/{slug}/moderation")
    page.goto(f"{live_server.url}/f/{slug}/moderation?status=unmoderated&q=xxxxxxxxxx")
    cell = page.get_by_text(LONG_WORD, exact=True).first
    assert cell.is_visible()
    frame = page.locator(".table-wrap").filter(has=cell).first
    wrap = frame.bounding_box()
    box = cell.bounding_box()
    assert wrap is not None
    assert box is not None
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1  # the word wraps inside its table
    assert _overflow(page) <= 1
    pages.check(page, f"68-{width}-moderation-long-word")

    page.goto(
        f"{live_server.url}/d/{SLUG}/results"
    )  # the full table, behind the public page's link (issue 23)
    table = page.locator(".table-wrap").filter(has=page.locator("table.results")).first
    table.scroll_into_view_if_needed()
    last = table.locator("thead th").last
    table.evaluate("w => { w.scrollLeft = w.scrollWidth; w.scrollTop = 0; }")
    frame_box, last_box = table.bounding_box(), last.bounding_box()
    assert frame_box is not None
    assert last_box is not None
    assert (
        last_box["x"] + last_box["width"] <= frame_box["x"] + frame_box["width"] + 1
    )  # the last group column
    assert frame_box["height"] <= 0.8 * 900 + 1  # scrolls inside its frame, not the whole page
    assert _overflow(page) <= 1
    pages.check(page, f"69-{width}-public-results")
    context.close()
    assert pages.violations == {}

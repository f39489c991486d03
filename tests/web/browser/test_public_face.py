"""In chromium at 1280 px and 390 px: the public page's first screen shows what the dialogue agrees on, the full
table's link comes within three screen-heights, the stakeholders page names only the people who consented and
draws the balance of the table, and every page is axe-clean (no serious or critical violation). The
participation widget works in a frame on a page of another origin (a second local server) that the setting
allows, and shows nothing on an origin it does not allow; no other page can be framed.

This module runs its own server on its own database (the demo dialogue with a mix of consents to be named), so
renaming people here cannot change what the other browser tests see. Screenshots go to artifacts/screenshots/;
with WORKINGUP_SCREENSHOTS_TO_DOCS=1 they are also copied to docs/screenshots/, the ones the README shows.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select

from tests.web.browser.conftest import ROOT, SCREENSHOTS, Pages, _free_port
from workingup.config import Settings
from workingup.dialogues import load_definition
from workingup.domain import Role
from workingup.runtime.database import Database
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import open_demo, populate_demo
from workingup.services.dialogues import install_definition
from workingup.services.endorsements import set_name_consent
from workingup.store import models
from workingup.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "working-up"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
DOCS = ROOT / "docs" / "screenshots"


@dataclass
class PublicServer:
    url: str
    named: list[str]
    unnamed: list[str]
    database: Database
    partner: str
    """Another origin (another local server) whose pages the widget's frame-ancestors allows."""
    stranger: str
    """A third origin, not allowed to frame anything."""


def embedding_page(app_url: str, path: str) -> bytes:
    """Another site's page with the documented snippet (docs/embed.md), framing `path` of the app."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Partner site</title></head><body>"
        "<main><h1>Our members take part</h1>"
        f"<iframe id='widget' src='{app_url}{path}' title='Take part in the Working Up dialogue' "
        "width='100%' height='420'></iframe></main></body></html>"
    ).encode()


def host(pages: dict[str, bytes]) -> tuple[str, ThreadingHTTPServer]:
    """A second local web server (another origin: another port) serving fixed pages."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def serve(database: Database, settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread]:
    """The app on a free port in a thread, as tests/web/browser/conftest.py's live server."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(database, settings=settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module")
def public_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicServer]:
    path = tmp_path_factory.mktemp("public-face") / "public.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    named: list[str] = []
    unnamed: list[str] = []
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=60, seed=7)
        open_demo(session, dialogue)
        run_analysis(session, dialogue)
        people = session.scalars(
            select(models.Participant)
            .where(
                models.Participant.dialogue_id == dialogue.id,
                models.Participant.role.in_((Role.STAKEHOLDER, Role.ADVISOR)),
            )
            .order_by(models.Participant.id)
        ).all()
        for i, person in enumerate(people):
            person.display_name = f"Simulated Person {i + 1:02d}"
            if i % 3 != 2:
                set_name_consent(session, person, True)
                named.append(person.display_name)
            else:
                unnamed.append(person.display_name)
    pages: dict[str, bytes] = {}
    partner, partner_server = host(pages)
    stranger, stranger_server = host(pages)
    url, server, thread = serve(database, Settings.from_env({"WORKINGUP_EMBED_ORIGINS": partner}))
    pages["/widget.html"] = embedding_page(url, f"/d/{SLUG}/widget")
    pages["/front.html"] = embedding_page(url, f"/d/{SLUG}")
    try:
        yield PublicServer(url, named, unnamed, database, partner, stranger)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        partner_server.shutdown()
        stranger_server.shutdown()
        database.close()


def _shot(pages: Pages, page: Any, name: str) -> None:
    pages.check(page, name)
    if os.environ.get("WORKINGUP_SCREENSHOTS_TO_DOCS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(SCREENSHOTS / f"{name}.png", DOCS / f"{name}.png")


@pytest.mark.parametrize("size", SIZES)
def test_first_screen_shows_what_the_dialogue_agrees_on(
    browser: Any, public_server: PublicServer, pages: Pages, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{public_server.url}/d/{SLUG}")
    heading = page.get_by_role("heading", name="What the dialogue agrees on")
    first = page.locator("#agreed ~ ol .finding .statement").first
    assert heading.is_visible()
    assert first.is_visible()
    box = first.bounding_box()
    assert box is not None
    # The first agreed statement is read on the first screen, without scrolling.
    assert box["y"] + box["height"] <= height, (size, box)
    chart = page.locator("#agreed ~ ol svg.bars").first
    assert chart.get_attribute("role") == "img"
    assert "agree" in (page.locator("#agreed ~ ol svg.bars desc").first.text_content() or "")
    link = page.get_by_role("link", name="See every statement and its votes (the full table)")
    link_box = link.bounding_box()
    assert link_box is not None
    assert link_box["y"] + link_box["height"] < 3 * height, (size, link_box)
    # Nothing on the page is wider than the screen (the charts scale with their box).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(pages, page, f"public-{size}")
    link.click()
    page.wait_for_url(f"**/d/{SLUG}/results")
    page.get_by_label("Focus area").select_option(label=load_definition().focus_areas[0].title)
    page.get_by_label("Sort by").select_option(label="Most agreed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**sort=agree**")
    assert page.locator("table.results").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(pages, page, f"public-results-{size}")
    context.close()
    assert not pages.violations, pages.violations


@pytest.mark.parametrize("size", SIZES)
def test_stakeholders_page_names_only_who_consented_and_draws_the_balance(
    browser: Any, public_server: PublicServer, pages: Pages, size: str
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{public_server.url}/d/{SLUG}")
    page.get_by_role("link", name="Who is at the table").click()
    page.wait_for_url(f"**/d/{SLUG}/stakeholders")
    text = page.locator("main").inner_text()
    assert public_server.named
    assert public_server.unnamed
    for name in public_server.named:
        assert name in text
    for name in public_server.unnamed:
        assert name not in page.content()
    for picture in ("balance-sectors", "balance-leanings"):
        svg = page.locator(f"svg#{picture}")
        assert svg.is_visible()
        assert svg.get_attribute("role") == "img"
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(pages, page, f"public-stakeholders-{size}")
    context.close()
    assert not pages.violations, pages.violations


def _frame_url(page: Any) -> str:
    handle = page.locator("iframe#widget").element_handle()
    frame = handle.content_frame() if handle else None
    return frame.url if frame else ""


def test_the_widget_works_from_another_origin_and_nowhere_else(
    browser: Any, public_server: PublicServer, pages: Pages
) -> None:
    def votes() -> int:
        with public_server.database.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(models.CurrentVote)) or 0)

    before = votes()
    # No bypass of the Content-Security-Policy here: the browser enforces frame-ancestors as it would anywhere.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{public_server.partner}/widget.html")
    widget = page.frame_locator("iframe#widget")
    widget.get_by_label("I agree to the ground rules").check()
    widget.get_by_role("button", name="Join and start voting").click()
    statement = widget.locator("#statement-text")
    first = statement.get_attribute("data-statement-id")
    assert first is not None
    widget.get_by_role("button", name="Agree", exact=True).click()
    assert widget.get_by_role("status").inner_text().startswith("Vote recorded")
    assert statement.get_attribute("data-statement-id") != first  # the next statement, still in the frame
    assert page.url == f"{public_server.partner}/widget.html"  # the visitor never left the partner's page
    assert votes() == before + 1
    page.screenshot(path=str(SCREENSHOTS / "widget-on-partner-site.png"))
    if os.environ.get("WORKINGUP_SCREENSHOTS_TO_DOCS"):
        shutil.copy(SCREENSHOTS / "widget-on-partner-site.png", DOCS / "widget-on-partner-site.png")

    # The allowed partner cannot frame any other page (the front page keeps frame-ancestors 'none').
    page.goto(f"{public_server.partner}/front.html")
    assert not _frame_url(page).startswith(public_server.url)
    assert (
        page.frame_locator("iframe#widget").get_by_role("heading", name="What the dialogue agrees on").count()
        == 0
    )
    # A site the setting does not name cannot frame the widget either.
    page.goto(f"{public_server.stranger}/widget.html")
    assert not _frame_url(page).startswith(public_server.url)
    assert page.frame_locator("iframe#widget").get_by_role("button").count() == 0
    context.close()
    assert votes() == before + 1

    # The widget itself, opened directly, is axe-clean at a phone's width.
    direct = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = direct.new_page()
    page.goto(f"{public_server.url}/d/{SLUG}/widget")
    pages.check(page, "public-widget-phone")
    direct.close()
    assert not pages.violations, pages.violations

"""From analysis to action in a real browser (issue 6): a facilitator drafts three recommendations and opens a
unanimity round; two stakeholders endorse in their browsers (one blocks, one endorses with reservations); the
rest of the table is recorded with the CLI; the facilitator reads the results and the report, downloads the PDF,
and records two commitments whose status changes; the public tracker shows them. Every page is screenshotted and
checked with axe-core.

Its own server and database, so the other journeys' assertions about the shared demo server stay true.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from typer.testing import CliRunner

from tests.web.browser.conftest import FACILITATOR, LiveServer, Pages, _free_port, sign_in
from tests.web.conftest import add_facilitator
from workingup.cli import app as cli
from workingup.dialogues import load_definition
from workingup.domain import Role
from workingup.runtime.database import Database
from workingup.services import roster
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import open_demo, populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.services.stored_analysis import parse
from workingup.store import models
from workingup.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "working-up"
BLOCK = "Small employers cannot post schedules two weeks ahead"
RESERVATION = "Only if the cost is shared with the state"


@pytest.fixture(scope="module")
def agenda_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("agenda-browser") / "live.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=60, seed=11)
        open_demo(session, dialogue)
        run_analysis(session, dialogue)
    add_facilitator(database, FACILITATOR, SLUG)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(database, analyse_on_start=False), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _candidates(database: Database) -> list[int]:
    """One converged statement per focus area, strongest first (what the facilitator ticks)."""
    with database.sessions() as session:
        dialogue = get_dialogue(session, SLUG)
        run = session.scalars(select(models.AnalysisRun).order_by(models.AnalysisRun.id.desc())).first()
        assert run is not None
        verdict = parse(run)["convergence"]
        area = {s.id: s.focus_area_id for s in session.scalars(select(models.Statement))}
        picked: dict[int | None, int] = {}
        for sid, v in zip(verdict["statement_ids"], verdict["verdict"], strict=True):
            if v == "convergence":
                picked.setdefault(area[sid], sid)
        assert dialogue.id
    return list(picked.values())[:3]


def _join(browser: Any, server: LiveServer, label: str, pages: Pages, shot: str) -> Any:
    with server.database.transaction() as session:
        created = roster.create_invitation(
            session, get_dialogue(session, SLUG), label, Role.STAKEHOLDER, "employers"
        )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/join/{created.token}")
    page.get_by_label("Centre-right").check()
    page.get_by_label("I agree to the ground rules").check()
    page.get_by_role("button", name="Join and start voting").click()
    page.wait_for_url(f"**/d/{SLUG}/vote*")
    page.get_by_role("link", name="Recommendations").click()
    page.wait_for_url(f"**/d/{SLUG}/agenda")
    pages.check(page, shot)
    return page


def _stance(page: Any, number: int, stance: str, text: str = "") -> None:
    card = page.locator(f"#r{number}")
    card.get_by_label(stance, exact=True).check()
    if text:
        card.get_by_label("Your reservations, or the reason for a block").fill(text)
    card.get_by_role("button", name=f"Record my stance on R{number}").click()
    assert page.get_by_role("status").first.inner_text() == "Your stance was recorded."


def test_from_analysis_to_action_in_the_browser(
    browser: Any, agenda_server: LiveServer, pages: Pages, tmp_path: Path
) -> None:
    server = agenda_server
    statements = _candidates(server.database)
    assert len(statements) == 3
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/login?next=/f/{SLUG}/agenda")
    sign_in(page)
    page.wait_for_url(f"**/f/{SLUG}/agenda")
    pages.check(page, "30-agenda-empty")
    drafts = [
        (statements[0], "Paid work-based learning for every student", "Programmatic", "educators, employers"),
        (statements[1], "Schedules posted two weeks ahead", "Private sector", "employers"),
        (statements[2], "Emergency savings at work", "Policy", "Congress, employers, philanthropy"),
    ]
    for sid, title, kind, actors in drafts:
        page.locator(f'input[name="statements"][value="{sid}"]').check()
        page.get_by_label("Title", exact=True).last.fill(title)
        page.get_by_label("Type").select_option(label=kind)
        page.get_by_label("Who is asked to act").fill(actors)
        page.get_by_role("button", name="Draft the recommendation").click()
        assert page.get_by_role("status").first.inner_text() == "The recommendation was drafted."
    assert page.get_by_role("heading", name=re.compile(r"^R3\. Emergency savings at work")).is_visible()
    page.get_by_role("button", name="Open the endorsement round").click()
    assert page.get_by_role("status").first.inner_text() == "The endorsement round is open."
    pages.check(page, "31-agenda-round-open")

    first = _join(browser, server, "Dana (browser stakeholder)", pages, "32-stakeholder-endorse")
    _stance(first, 1, "Endorse")
    _stance(first, 2, "Block", BLOCK)
    _stance(first, 3, "Endorse")
    assert first.locator("#mine-r2").inner_text() == "Your stance on this wording: Block."
    second = _join(browser, server, "Eli (browser stakeholder)", pages, "33-stakeholder-two")
    _stance(second, 1, "Endorse with reservations", RESERVATION)
    _stance(second, 2, "Endorse")
    _stance(second, 3, "Stand aside")
    pages.check(second, "34-stakeholder-recorded")

    # The rest of the table, recorded from a paper round with the CLI.
    with server.database.sessions() as session:
        table = session.scalars(
            select(models.Participant.external_id).where(
                models.Participant.role == Role.STAKEHOLDER, models.Participant.simulated.is_(True)
            )
        ).all()
    rows = ["participant,recommendation,stance,text"] + [
        f"{p},R{n},endorse," for p in table for n in (1, 2, 3)
    ]
    (tmp_path / "round.csv").write_text("\n".join(rows) + "\n")
    done = CliRunner().invoke(
        cli, ["endorse", "import", str(tmp_path / "round.csv"), "--database", server.database.url]
    )
    assert done.exit_code == 0, done.output

    page.goto(f"{server.url}/f/{SLUG}/agenda")
    pages.check(page, "35-agenda-results")
    r1, r2, r3 = (page.locator(f"#r{n}") for n in (1, 2, 3))
    assert r1.locator(".outcome-adopted").inner_text() == "Adopted"
    assert r2.locator(".outcome-blocked").inner_text() == "Not adopted (blocked)"
    assert BLOCK in r2.locator(".block-reason").inner_text()
    assert RESERVATION in r1.inner_text()
    assert r3.locator(".outcome-adopted").inner_text() == "Adopted"

    page.get_by_role("link", name="Final report").click()
    pages.check(page, "36-report-page")
    pdf = page.request.get(f"{server.url}/f/{SLUG}/report.pdf?download=1")
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF-")
    page.get_by_role("link", name="Read the report in the browser").click()
    page.wait_for_url(f"**/f/{SLUG}/report.html")
    assert "SIMULATED DATA" in page.locator(".banner").inner_text()
    assert page.locator("#r2.not-adopted").is_visible()
    assert page.locator("svg.opinion-map").is_visible()
    pages.check(page, "37-report")

    page.goto(f"{server.url}/f/{SLUG}/tracker")
    for number, who, what in (
        (1, "Ohio Manufacturers' Association", "Place 200 students"),
        (3, "Acme", "Match savings"),
    ):
        card = page.locator(f"#track-r{number}")
        card.get_by_label("Who commits").fill(who)
        card.get_by_label("To do what").fill(what)
        card.get_by_role("button", name=f"Record a commitment to R{number}").click()
        assert page.get_by_role("status").first.inner_text() == "The commitment was recorded."
    for status in ("In progress", "Done"):
        commitment = page.locator("#commitment-1")
        commitment.get_by_label("Status").select_option(label=status)
        commitment.get_by_role("button", name="Change the status").click()
        assert page.get_by_role("status").first.inner_text() == "The status was changed."
    page.locator("#commitment-2").get_by_label("Status").select_option(label="In progress")
    page.locator("#commitment-2").get_by_role("button", name="Change the status").click()
    pages.check(page, "38-tracker")

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
    visitor.goto(f"{server.url}/d/{SLUG}/tracker")
    pages.check(visitor, "39-public-tracker")
    assert visitor.locator("#public-commitment-1 .status").inner_text() == "Done"
    assert visitor.locator("#public-commitment-2 .status").inner_text() == "In progress"
    assert "in progress → done" in visitor.locator(".activity").inner_text()
    context.close()
    assert pages.violations == {}

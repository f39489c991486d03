"""Labels that tell the truth (issue 19): every table's label holds for the numbers in it, every figure has a plain
meaning reachable without hover (a `<details>` beside it and the glossary page), and counts agree in number."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import add_facilitator, csrf, sign_in_page
from workingup.runtime.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue
from workingup.web.glossary import TERMS
from workingup.web.strings import EN, catalogue

EMAIL = "labels@example.org"


@pytest.fixture
def dashboard(database: Database, client: TestClient, dialogue: str) -> str:
    with database.transaction() as session:
        populate_demo(session, get_dialogue(session, dialogue), public=60, seed=5)
    add_facilitator(database, EMAIL, dialogue)
    sign_in_page(client, EMAIL)
    return client.post(f"/f/{dialogue}/analysis", data={"csrf_token": csrf(client)}).text


def _table(page: str, caption_start: str) -> list[list[str]]:
    """The body rows of the table whose caption starts with `caption_start`, as text cells."""
    match = re.search(
        r"<caption>" + re.escape(caption_start) + r".*?</caption>.*?<tbody>(.*?)</tbody>", page, re.S
    )
    assert match is not None, caption_start
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [
        [
            htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_every_majority_row_is_a_majority_of_those_who_voted(dashboard: str) -> None:
    rows = _table(dashboard, "Majority view")
    assert rows
    for _statement, direction, share, count in rows:
        n, total = (int(x.replace(",", "")) for x in re.fullmatch(r"([\d,]+) of ([\d,]+)", count).groups())  # type: ignore[union-attr]
        assert n / total > 0.5, (direction, share, count)  # "more than half of those who voted"
        assert share == f"{round(100 * n / total)}%"  # the share printed is the count's own
        assert direction in ("agree", "disagree")


def test_group_informed_consensus_is_at_most_each_groups_agreement_and_explained(dashboard: str) -> None:
    rows = _table(dashboard, "Highest group-informed consensus")
    assert rows
    for row in rows:
        gic = float(row[1])
        shares = [int(c.rstrip("%")) / 100 for c in row[2:] if c]
        assert 0 <= gic <= 1
        # "High only when every group agrees": a product of (smoothed) shares is never far above the lowest.
        assert gic <= min(shares) + 0.1, row
    explained = re.findall(r'<details class="explain"><summary>What this means', dashboard)
    assert len(explained) >= 6  # map, verdict, and every analysis table
    assert EN["glossary.gic"].split(":")[0][:40] in htmllib.unescape(dashboard)


def test_the_glossary_page_defines_every_term_and_each_explanation_links_to_its_entry(
    client: TestClient, dashboard: str
) -> None:
    page = client.get("/glossary")
    assert page.status_code == 200
    text = htmllib.unescape(page.text)
    for anchor, name, key in TERMS:
        assert f'id="{anchor}"' in page.text
        assert EN[name] in text
        assert EN[key] in text
    for anchor in re.findall(r'href="/glossary#([a-z0-9-]+)"', dashboard):
        assert f'id="{anchor}"' in page.text


def test_counts_agree_in_number() -> None:
    _ = catalogue()
    assert _("mod.count", total=1, page=1, pages=1) == "1 statement matches; page 1 of 1."
    assert _("mod.count", total=2, page=1, pages=1) == "2 statements match; page 1 of 1."
    assert _("vote.progress", voted=0, total=1) == "You have voted on 0 of 1 statement."
    assert _("agenda.stale", n=1) == "1 stance given on an earlier wording is not counted."
    assert _("agenda.stale", n=3) == "3 stances given on an earlier wording are not counted."
    assert "1 participants" not in _("dash.last_analysis", at="x", n="1", clustered="0", votes="1,000")
    assert "1,000 votes" in _("dash.last_analysis", at="x", n="1", clustered="0", votes="1,000")

"""Labels that tell the truth (issue 19): every table's label holds for the numbers in it, every figure has a plain
meaning reachable without hover (a `<details>` beside it and the glossary page), and counts agree in number."""

from __future__ import annotations

import html as htmllib
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from tests.geometry import overlapping
from tests.web.conftest import add_facilitator, csrf, sign_in_page
from workingup.runtime.database import Database
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue
from workingup.web.glossary import TERMS
from workingup.web.opinion_map import label_box, statement_label_style
from workingup.web.strings import EN, catalogue

EMAIL = "labels@example.org"
SVG = "{http://www.w3.org/2000/svg}"


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


def test_every_number_on_the_map_is_listed_with_its_text_and_no_two_labels_overlap(dashboard: str) -> None:
    svg = re.search(r"<svg xmlns=.*?</svg>", dashboard, re.S)
    assert svg is not None
    root = ET.fromstring(svg.group(0))
    markers = root.findall(f"{SVG}g")
    assert markers
    listed = dict(re.findall(r'<li id="map-s-(\d+)" value="(\d+)">', dashboard))
    boxes = []
    for n, g in enumerate(markers, start=1):
        sid = g.get("data-statement-id")
        text = g.find(f"{SVG}text")
        assert text is not None
        assert text.text == str(n)  # short numbers 1, 2, 3… in the list's order, not ids
        assert listed[str(sid)] == str(n)
        size = float(text.get("font-size", 0))
        assert size * 358 / 640 >= 13  # at 390 px the 640-wide map is about 358 px wide: still 13 px or more
        boxes.append(
            label_box(
                float(text.get("x", 0)),
                float(text.get("y", 0)),
                text.get("text-anchor", "start"),
                text.text,
                statement_label_style(size),
            )
        )
        entry = re.search(rf'<li id="map-s-{sid}" value="{n}">(.*?)</li>', dashboard, re.S)
        assert entry is not None
        title = g.find(f"{SVG}title")
        assert title is not None
        assert title.text is not None
        assert htmllib.escape(title.text.split(": ", 1)[1], quote=False) in entry.group(1)
    assert overlapping(boxes) == []
    assert "listed with their text below the map" in dashboard

"""The public face of a dialogue, in-process on SQLite and PostgreSQL: the front page's findings, the full table
behind its link, the stakeholders page, and that no name without consent reaches any public page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from workingup.dialogues import load_definition
from workingup.domain import Role
from workingup.runtime.database import Database
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.services.endorsements import set_name_consent
from workingup.services.public_summary import public_summary
from workingup.services.results import public_results
from workingup.store import models

SLUG = "working-up"


@pytest.fixture
def published(database: Database) -> dict[str, list[str]]:
    """The demo dialogue, analysed and published, with a mix of consents to be named.

    Every stakeholder and advisor gets a real-looking name; every other one of them consents to be named, one
    says no explicitly, the rest never answered. Returns the names that may and may not be published."""
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=60, seed=7)
        dialogue.published = True
        run_analysis(session, dialogue)
        people = session.scalars(
            select(models.Participant)
            .where(
                models.Participant.dialogue_id == dialogue.id,
                models.Participant.role.in_((Role.STAKEHOLDER, Role.ADVISOR, Role.COMMUNITY_VOICE)),
            )
            .order_by(models.Participant.id)
        ).all()
        named: list[str] = []
        unnamed: list[str] = []
        for i, person in enumerate(people):
            person.display_name = f"Person{i:03d} Zqx{i:03d}"
            if person.role != Role.COMMUNITY_VOICE and i % 2 == 0:
                set_name_consent(session, person, True)
                named.append(person.display_name)
            else:
                if i % 3 == 0:
                    set_name_consent(session, person, False)
                unnamed.append(person.display_name)
    return {"named": named, "unnamed": unnamed}


def _public_pages(client: TestClient) -> dict[str, str]:
    """Every public page of the dialogue (and the results table in each sorting and filter), as text."""
    urls = ["/", f"/d/{SLUG}", f"/d/{SLUG}/results", f"/d/{SLUG}/stakeholders", f"/api/v1/dialogues/{SLUG}"]
    urls += [f"/d/{SLUG}/results?sort={s}" for s in ("agree", "disagree", "voters")]
    urls += [f"/d/{SLUG}/results?area={fa.key}" for fa in load_definition().focus_areas]
    urls.append(f"/api/v1/dialogues/{SLUG}/results")
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        pages[url] = response.text
    return pages


def test_no_name_without_consent_on_any_public_page(
    client: TestClient, published: dict[str, list[str]]
) -> None:
    assert len(published["named"]) >= 10
    assert len(published["unnamed"]) >= 10
    pages = _public_pages(client)
    for url, text in pages.items():
        leaked = [name for name in published["unnamed"] if name in text]
        assert not leaked, (url, leaked[:3])
        # Not even the unnamed people's distinctive surnames (a name cut short would still identify them).
        assert not [n for n in published["unnamed"] if n.split()[1] in text], url
    stakeholders = pages[f"/d/{SLUG}/stakeholders"]
    assert all(name in stakeholders for name in published["named"])


def test_stakeholders_page_counts_the_unnamed_and_draws_the_balance(
    client: TestClient, published: dict[str, list[str]]
) -> None:
    html = client.get(f"/d/{SLUG}/stakeholders").text
    not_named = sum(int(n) for n in re.findall(r"(\d+) not named", html))
    table_unnamed = list(published["unnamed"])
    assert not_named > 0
    assert not_named < len(table_unnamed)  # advisors and community voices are not in the sectors' counts
    assert 'id="balance-sectors"' in html
    assert 'id="balance-leanings"' in html
    desc = re.search(r'<desc id="balance-sectors-d">(.*?)</desc>', html, re.S)
    assert desc is not None
    assert "Employers: 5 of 5 planned seats filled" in desc.group(1)
    # The leanings picture never counts fewer than five (pools or "fewer than 5"), and no person's leaning
    # is printed beside their name.
    leanings = re.search(r'<desc id="balance-leanings-d">(.*?)</desc>', html, re.S)
    assert leanings is not None
    for count in re.findall(r": (\d+)", leanings.group(1)):
        assert int(count) >= 5
    assert "Left-leaning</li>" not in html
    assert "(left)" not in html.lower()


def test_front_page_leads_with_the_agreed_statements_then_divisions_map_and_table_link(
    database: Database, client: TestClient, published: dict[str, list[str]]
) -> None:
    html = client.get(f"/d/{SLUG}").text
    agreed, divides, map_at, link = (
        html.index('id="agreed"'),
        html.index('id="divides"'),
        html.index('id="public-map"'),
        html.index('id="full-results"'),
    )
    assert agreed < divides < map_at < link
    assert "<table" not in html  # the full table is behind the link
    with database.sessions() as session:
        dialogue = get_dialogue(session, SLUG)
        summary = public_summary(session, dialogue, public_results(session, dialogue))
    assert summary.agreed
    assert summary.divided
    assert all(f.verdict == "convergence" for f in summary.agreed)
    section = html[agreed:divides]
    for finding in summary.agreed:
        assert finding.text in section
        # The text alternative says every bar's figures, the same ones the picture prints.
        desc = re.search(rf'<desc id="agreed-{finding.statement_id}-d">(.*?)</desc>', section, re.S)
        assert desc is not None
        for bar in finding.bars:
            assert bar.voters >= 5
            assert bar.low <= bar.share <= bar.high
            assert f"{bar.percent}% agree ({bar.agree} of {bar.voters}" in desc.group(1)
            assert f"{bar.percent}% ({bar.low_percent}–{bar.high_percent})" in section
    between = html[divides:map_at]
    first = summary.divided[0]
    assert first.text in between
    assert f"Most in favour: Group {first.most.key} ({first.most.percent}% agree)" in between
    assert '<meta property="og:image" content="http://testserver/d/working-up/headline.png">' in html
    assert f"{summary.agreed_total} statements agreed across the divide" in html


def test_full_results_filter_by_focus_area_and_sort(
    client: TestClient, published: dict[str, list[str]]
) -> None:
    everything = client.get(f"/d/{SLUG}/results").text
    areas = load_definition().focus_areas
    assert everything.count("<caption>") == len(areas)
    one = client.get(f"/d/{SLUG}/results", params={"area": areas[1].key}).text
    assert one.count("<caption>") == 1
    assert areas[1].title in one.split("<caption>")[1]
    ranked = client.get(f"/d/{SLUG}/results", params={"sort": "voters", "area": areas[0].key}).text
    voters = [int(n) for n in re.findall(r'</th>\s*<td class="num">(\d+)</td>', ranked)]
    assert len(voters) > 3
    assert voters == sorted(voters, reverse=True)
    # An unknown area or sort falls back to everything in order, never an error.
    assert client.get(f"/d/{SLUG}/results", params={"area": "nope", "sort": "x"}).text.count("<caption>") == 3


def test_headline_image_is_a_png_and_unpublished_results_stay_hidden(
    database: Database, client: TestClient
) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=60, seed=7)
        run_analysis(session, dialogue)
    image = client.get(f"/d/{SLUG}/headline.png")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    html = client.get(f"/d/{SLUG}").text
    assert 'id="agreed"' not in html
    assert "have not published the results" in html
    results = client.get(f"/d/{SLUG}/results").text
    assert "<table" not in results
    assert "have not published the results" in results


def test_facilitator_edits_the_story_and_the_public_page_shows_it(
    database: Database, client: TestClient
) -> None:
    from tests.web.conftest import add_facilitator, csrf, sign_in_page

    with database.transaction() as session:
        install_definition(session, load_definition())
    page = client.get(f"/d/{SLUG}").text
    assert "Too many Americans work hard" in page  # the definition's story, before anyone edits it
    assert "planned 2017-03" in page
    assert client.get(f"/f/{SLUG}/story", follow_redirects=False).status_code == 303  # sign-in first
    add_facilitator(database, "story@example.org", SLUG)
    sign_in_page(client, "story@example.org")
    form = client.get(f"/f/{SLUG}/story").text
    assert 'name="date_action_agenda" value="2017-03"' in form
    fields = {
        "csrf_token": csrf(client),
        "challenge": "Mobility for every worker.",
        "next_steps": "The table meets in March.",
        "supporters": "The Example Foundation",
        "contacts": "Ana Diaz — ana@example.org",
        "date_convene": "2027-02",
        "text_convene": "Seating the table.",
        "date_action": "soon",
    }
    refused = client.post(f"/f/{SLUG}/story", data=fields)
    assert refused.status_code == 400
    assert "not &#39;soon&#39;" in refused.text
    assert "Mobility for every worker." in refused.text  # the facilitator's work is kept in the form
    assert "Too many Americans work hard" in client.get(f"/d/{SLUG}").text  # and nothing was stored
    without_csrf = client.post(f"/f/{SLUG}/story", data={**fields, "csrf_token": "x", "date_action": ""})
    assert without_csrf.status_code == 403
    saved = client.post(f"/f/{SLUG}/story", data={**fields, "date_action": ""}, follow_redirects=False)
    assert saved.status_code == 303
    public = client.get(f"/d/{SLUG}").text
    for text in (
        "Mobility for every worker.",
        "The table meets in March.",
        "The Example Foundation",
        "Ana Diaz",
    ):
        assert text in public
    assert "planned 2027-02" in public
    assert "planned 2017-03" not in public


def test_only_the_widget_may_be_framed_and_only_by_the_configured_sites(database: Database) -> None:
    from tests.web.conftest import GENEROUS, csrf
    from workingup.config import Settings
    from workingup.web.app import create_app

    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        dialogue.open_join = True
    settings = Settings.from_env({"WORKINGUP_EMBED_ORIGINS": "https://partner.example.org"})
    with TestClient(create_app(database, settings=settings, rate_limits=GENEROUS)) as client:
        widget = client.get(f"/d/{SLUG}/widget")
        assert (
            "frame-ancestors 'self' https://partner.example.org;" in widget.headers["content-security-policy"]
        )
        assert "x-frame-options" not in widget.headers
        for other in (f"/d/{SLUG}", f"/d/{SLUG}/join", f"/d/{SLUG}/widgets", "/login"):
            page = client.get(other)
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"], other
            assert page.headers["x-frame-options"] == "DENY", other
        # The widget's forms are CSRF-checked like every form: without the browser's value, nobody joins.
        refused = client.post(f"/d/{SLUG}/widget/join", data={"consent": "yes", "csrf_token": "forged"})
        assert refused.status_code == 403
        joined = client.post(f"/d/{SLUG}/widget/join", data={"consent": "yes", "csrf_token": csrf(client)})
        assert joined.url.path == f"/d/{SLUG}/widget"
        statement = re.search(r'name="statement_id" value="(\d+)"', joined.text)
        assert statement is not None
        voted = client.post(
            f"/d/{SLUG}/widget/vote",
            data={"csrf_token": csrf(client), "statement_id": statement.group(1), "value": "1"},
        )
        assert "Vote recorded" in voted.text
    with database.sessions() as session:
        votes = session.scalars(select(models.CurrentVote)).all()
    assert [(v.statement_id, v.value) for v in votes] == [(int(statement.group(1)), 1)]
    with TestClient(create_app(database, rate_limits=GENEROUS)) as default:
        policy = default.get(f"/d/{SLUG}/widget").headers["content-security-policy"]
        assert "frame-ancestors 'self';" in policy  # no setting: only this site itself

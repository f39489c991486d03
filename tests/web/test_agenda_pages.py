"""The agenda pages in-process: drafting and the round (facilitator), endorsing (stakeholders), the report, the
tracker (facilitator and public), with CSRF, access rules and hostile text."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.agenda import adopt
from tests.web.conftest import add_facilitator, csrf, sign_in_page
from workingup.domain import Role
from workingup.runtime.database import Database
from workingup.services import roster
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue
from workingup.services.stored_analysis import parse

EMAIL = "agenda@example.org"
HOSTILE = "<script>alert('x')</script> '; DROP TABLE statement; --"


@pytest.fixture
def agenda(database: Database, client: TestClient, dialogue: str) -> list[int]:
    """A signed-in facilitator on the demo table, analysed; returns converged statement ids."""
    with database.transaction() as session:
        d = get_dialogue(session, dialogue)
        populate_demo(session, d, public=40, seed=3)
        d.published = True
        stored = run_analysis(session, d)
        assert stored is not None
        verdict = parse(stored[0])["convergence"]
    add_facilitator(database, EMAIL, dialogue)
    sign_in_page(client, EMAIL)
    converged = [
        s for s, v in zip(verdict["statement_ids"], verdict["verdict"], strict=True) if v == "convergence"
    ]
    assert len(converged) >= 3
    return converged


def _post(client: TestClient, path: str, /, **data: object) -> object:
    return client.post(path, data={"csrf_token": csrf(client), **data})


def _stakeholder(database: Database, slug: str, label: str) -> TestClient:
    """A browser that accepted a stakeholder invitation (its own cookies)."""
    from workingup.web.app import create_app

    with database.transaction() as session:
        created = roster.create_invitation(
            session, get_dialogue(session, slug), label, Role.STAKEHOLDER, "faith"
        )
    browser = TestClient(create_app(database, analyse_on_start=False))
    browser.get(f"/join/{created.token}")
    joined = browser.post(
        f"/join/{created.token}", data={"csrf_token": csrf(browser), "leaning": "center", "consent": "yes"}
    )
    assert joined.status_code == 200, joined.text
    return browser


def test_draft_open_endorse_and_see_every_block(
    database: Database, client: TestClient, dialogue: str, agenda: list[int]
) -> None:
    page = client.get(f"/f/{dialogue}/agenda")
    assert page.status_code == 200
    assert f'name="statements" value="{agenda[0]}"' in page.text
    assert "No recommendations yet" in page.text
    refused = client.post(f"/f/{dialogue}/agenda/recommendations", data={"statements": agenda[0]})
    assert refused.status_code == 403  # no CSRF value
    done = _post(
        client,
        f"/f/{dialogue}/agenda/recommendations",
        statements=[agenda[0], agenda[1]],
        kind="policy",
        horizon="near_term",
        actors="Congress, employers",
        title=HOSTILE,
        focus_area="quality-work",
    )
    assert done.status_code == 200
    assert "The recommendation was drafted." in done.text
    assert "<script>alert" not in done.text
    assert "&lt;script&gt;alert(" in done.text
    bad = _post(
        client,
        f"/f/{dialogue}/agenda/recommendations",
        statements=agenda[2],
        kind="policy",
        horizon="near_term",
        actors=" ",
    )
    assert bad.status_code == 400
    assert "at least one actor" in bad.text
    revised = _post(
        client, f"/f/{dialogue}/agenda/recommendations/1/revise", text="New wording.", note="June"
    )
    assert "A new version was saved." in revised.text
    assert "version 2" in revised.text

    opened = _post(client, f"/f/{dialogue}/agenda/round", rule="threshold", threshold="80")
    assert "The endorsement round is open." in opened.text
    assert "at least 80% of the table endorses" in opened.text

    first = _stakeholder(database, dialogue, "Ana Ruiz")
    mine = first.get(f"/d/{dialogue}/agenda")
    assert mine.status_code == 200
    assert "Your stance on R1" in mine.text
    no_reason = first.post(
        f"/d/{dialogue}/agenda", data={"csrf_token": csrf(first), "recommendation": "R1", "stance": "block"}
    )
    assert no_reason.status_code == 400
    assert "a block needs its reason" in no_reason.text
    blocked = first.post(
        f"/d/{dialogue}/agenda",
        data={
            "csrf_token": csrf(first),
            "recommendation": "R1",
            "stance": "block",
            "text": "Costs fall on <b>workers</b>",
        },
    )
    assert "Your stance was recorded." in blocked.text
    assert "Your stance on this wording: Block." in blocked.text
    second = _stakeholder(database, dialogue, "Bo Chen")
    second.post(
        f"/d/{dialogue}/agenda",
        data={
            "csrf_token": csrf(second),
            "recommendation": "1",
            "stance": "reservations",
            "text": "Phase it in",
        },
    )

    results = client.get(f"/f/{dialogue}/agenda").text
    assert "Costs fall on &lt;b&gt;workers&lt;/b&gt;" in results  # the block is shown, as text
    assert "Phase it in" in results
    assert "Ana Ruiz" not in results  # no consent to be named
    assert "Other sectors" in results  # small sectors pooled

    public = TestClient(first.app)
    public.get(f"/d/{dialogue}/join")
    public.post(f"/d/{dialogue}/join", data={"csrf_token": csrf(public), "consent": "yes"})
    member = public.get(f"/d/{dialogue}/agenda")
    assert "Only stakeholders at the table endorse" in member.text
    assert 'name="stance"' not in member.text
    tried = public.post(
        f"/d/{dialogue}/agenda",
        data={"csrf_token": csrf(public), "recommendation": "R1", "stance": "endorse"},
    )
    assert tried.status_code == 400
    assert "not a stakeholder" in tried.text
    stranger = TestClient(first.app)
    assert stranger.get(f"/d/{dialogue}/agenda").status_code == 403

    closed = _post(client, f"/f/{dialogue}/agenda/round/close")
    assert "The endorsement round is closed." in closed.text


def test_report_page_and_files(
    database: Database, client: TestClient, dialogue: str, agenda: list[int]
) -> None:
    _post(
        client,
        f"/f/{dialogue}/agenda/recommendations",
        statements=agenda[0],
        kind="programmatic",
        horizon="new_approaches",
        actors="educators",
        title="Work-based learning",
    )
    page = client.get(f"/f/{dialogue}/report")
    assert "Download the PDF" in page.text
    # Opening the page starts preparing the analysis; until it is ready the page says so and reloads itself.
    assert ("Preparing the report" in page.text) == ("refresh" in page.headers)
    html = client.get(f"/f/{dialogue}/report.html")
    assert html.status_code == 200
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]
    assert "Appendix: method" in html.text
    assert "SIMULATED DATA" in html.text
    pdf = client.get(f"/f/{dialogue}/report.pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["content-disposition"]
    assert "# Working Up" in client.get(f"/f/{dialogue}/report.md").text
    ready = client.get(f"/f/{dialogue}/report")  # the files above waited for (or made) the analysis
    assert "refresh" not in ready.headers
    assert "Preparing the report" not in ready.text
    assert client.get(f"/f/{dialogue}/report.docx").status_code == 400
    anonymous = TestClient(client.app)
    assert anonymous.get(f"/f/{dialogue}/report.pdf", follow_redirects=False).status_code == 303


def test_tracker_pages(database: Database, client: TestClient, dialogue: str, agenda: list[int]) -> None:
    _post(
        client,
        f"/f/{dialogue}/agenda/recommendations",
        statements=agenda[0],
        kind="policy",
        horizon="near_term",
        actors="states",
        title="Portable benefits",
    )
    early = client.post(
        f"/f/{dialogue}/tracker/commitments",
        data={"csrf_token": csrf(client), "recommendation": "1", "actor": "Ohio", "description": "Pilot"},
    )
    assert early.status_code == 400  # not adopted yet: nothing to commit to in public
    assert "R1 has not been adopted" in early.text
    with database.transaction() as session:
        adopt(session, get_dialogue(session, dialogue), 1)
    made = _post(
        client,
        f"/f/{dialogue}/tracker/commitments",
        recommendation="1",
        actor=HOSTILE,
        description="Pilot in two counties",
        due_on="2027-06-30",
    )
    assert "The commitment was recorded." in made.text
    assert "<script>alert" not in made.text
    assert "due 2027-06-30" in made.text
    assert (
        _post(
            client, f"/f/{dialogue}/tracker/commitments/1/status", status="in_progress", note="started"
        ).status_code
        == 200
    )
    assert (
        "The milestone was added."
        in _post(client, f"/f/{dialogue}/tracker/commitments/1/milestones", title="Hire staff").text
    )
    assert "50% done" in _post(client, f"/f/{dialogue}/tracker/milestones/1", progress="50").text
    bad_link = _post(client, f"/f/{dialogue}/tracker/commitments/1/evidence", url="javascript:alert(1)")
    assert bad_link.status_code == 400
    _post(
        client,
        f"/f/{dialogue}/tracker/commitments/1/evidence",
        url="https://example.org/pilot",
        note="County press release",
        dated="2027-01-15",
    )
    bad_date = _post(
        client,
        f"/f/{dialogue}/tracker/commitments",
        recommendation="1",
        actor="x",
        description="y",
        due_on="soon",
    )
    assert bad_date.status_code == 400

    visitor = TestClient(client.app)
    public = visitor.get(f"/d/{dialogue}/tracker")
    assert public.status_code == 200
    assert "Pilot in two counties" in public.text
    assert "County press release" in public.text
    assert 'href="https://example.org/pilot"' in public.text
    assert "planned → in progress: started" in public.text
    assert "&lt;script&gt;" in public.text
    rows = list(csv.DictReader(io.StringIO(visitor.get(f"/d/{dialogue}/tracker.csv").text)))
    assert rows[0]["status"] == "in_progress"
    assert rows[0]["progress_percent"] == "50"
    with database.transaction() as session:
        get_dialogue(session, dialogue).published = False
    assert "have not published" in visitor.get(f"/d/{dialogue}/tracker").text
    assert visitor.get(f"/d/{dialogue}/tracker.csv").status_code == 403

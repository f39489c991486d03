"""The final report in HTML, Markdown and PDF: what it must say, what it must never show, and that text stays text."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.agenda import DRAFT, Table, demo_table, dialogue
from workingup.analysis.figures import VERDICT_WORDS
from workingup.domain import AdoptionRule, Horizon, Moderation, RecommendationType, Stance
from workingup.report.build import build_report
from workingup.report.markdown import render_markdown
from workingup.report.model import ReportData
from workingup.report.render import render, render_html, support_pct
from workingup.runtime.database import Database
from workingup.services import endorsements, recommendations, setup, tracking
from workingup.services.analysis import analyze_dialogue
from workingup.services.disclosure import MIN_GROUP
from workingup.store import models
from workingup.store.queries import dialogue_counts
from workingup.store.votes import insert_vote_events

HOSTILE = "Fund apprenticeships <script>alert('x')</script> now'; DROP TABLE statement; --"
RESERVATION = "Only if small employers get the same tax credit"
BLOCK = "This shifts the cost onto workers & their families"


@dataclass(frozen=True)
class Built:
    table: Table
    data: ReportData
    titles: tuple[str, ...]
    """Titles of R1, R2, R3; R2 is blocked."""
    hidden_names: tuple[str, ...]
    shown_name: str


def _make(database: Database) -> Built:
    table, analysis = demo_table(database, public=150)
    with database.transaction() as session:
        d = dialogue(session, table)
        hostile = models.Statement(
            dialogue_id=d.id,
            text=HOSTILE,
            focus_area_id=d.focus_areas[0].id,
            moderation=Moderation.ACCEPTED,
        )
        session.add(hostile)
        session.flush()
        voters = list(table.stakeholders)  # a recommendation rests on statements the table voted on
        insert_vote_events(
            session,
            dialogue_id=d.id,
            participant_ids=voters,
            statement_ids=[hostile.id] * len(voters),
            values=[1] * len(voters),
            times=[datetime.now(UTC)] * len(voters),
        )
        analysis = analyze_dialogue(session, d)  # the hostile statement has a column and the table's votes
        # The hostile text is the wording of an adopted recommendation and of a statement it rests on.
        recs = [
            recommendations.draft(
                session,
                d,
                statement_ids=[table.converged[0], hostile.id],
                text=HOSTILE,
                title="Apprenticeships <b>now</b>",
                focus_area=d.focus_areas[0].key,
                analysis=analysis,
                **DRAFT,
            ),
            recommendations.draft(
                session,
                d,
                statement_ids=[table.converged[1]],
                kind=RecommendationType.PRIVATE_SECTOR,
                horizon=Horizon.NEAR_TERM,
                actors=["employers"],
                title="Predictable schedules",
                analysis=analysis,
            ),
            recommendations.draft(
                session,
                d,
                statement_ids=[table.converged[2], table.converged[3]],
                kind=RecommendationType.PROGRAMMATIC,
                horizon=Horizon.NEW_APPROACHES,
                actors=["philanthropy", "intermediaries"],
                title="Portable benefits",
                focus_area=d.focus_areas[2].key,
                analysis=analysis,
                evidence=[{"text": "A study", "url": "https://example.org/study"}],
            ),
        ]
        endorsements.open_round(session, d, AdoptionRule.UNANIMITY)
        for i, pid in enumerate(table.stakeholders):
            endorsements.record(
                session,
                d,
                pid,
                "R1",
                Stance.RESERVATIONS if i == 0 else Stance.ENDORSE,
                RESERVATION if i == 0 else "",
            )
            endorsements.record(
                session, d, pid, "R2", Stance.BLOCK if i == 1 else Stance.ENDORSE, BLOCK if i == 1 else ""
            )
            endorsements.record(session, d, pid, "R3", Stance.STAND_ASIDE if i == 2 else Stance.ENDORSE)
        people = [session.get_one(models.Participant, p) for p in table.stakeholders]
        endorsements.set_name_consent(session, people[0], True)
        first = tracking.commit(session, d, "R1", actor="Acme Staffing", description="Host 40 apprentices")
        tracking.set_status(session, d, first.id, "in_progress", note="first cohort")
        titles = tuple(r.current.title for r in recs)
        hidden = tuple(p.display_name or "" for p in people[1:])
        shown = people[0].display_name or ""
    with database.sessions() as session:
        data = build_report(session, dialogue(session, table))
    return Built(table, data, titles, hidden, shown)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    path = tmp_path_factory.mktemp("report") / "report.db"
    database = Database.open(f"sqlite:///{path}", migrate=True)
    try:
        yield _make(database)
    finally:
        database.close()


@pytest.fixture(scope="module")
def pdf(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render(built.data, "pdf"))
    return path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} (Debian poppler-utils) is missing; scripts/bootstrap.sh installs it")
        pytest.skip(f"{name} not installed (Debian poppler-utils)")
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_report_says_what_was_adopted_and_what_was_not(built: Built) -> None:
    data = built.data
    adopted = [r for s in data.focus_sections for r in s.adopted]
    assert sorted(r.number for r in adopted) == [1, 3]
    assert [(r.number, r.outcome) for r in data.not_adopted] == [(2, "blocked")]
    r1 = next(r for r in adopted if r.number == 1)
    assert [v.text for v in r1.reservations] == [RESERVATION]
    assert r1.reservations[0].name == built.shown_name
    assert r1.commitments[0].status == "In progress"
    assert [v.text for v in data.not_adopted[0].blocks] == [BLOCK]
    assert data.not_adopted[0].blocks[0].name is None
    assert {b.statement_id for b in next(r for r in adopted if r.number == 3).basis} == set(
        built.table.converged[2:4]
    )
    assert data.banner is not None
    assert "simulated" in data.banner
    assert [p.label for p in data.phases] == ["Assessment"]
    assert any("coordinated" in e for e in data.method.exclusions)


def test_no_aggregate_describes_fewer_than_five_people(built: Built) -> None:
    data = built.data

    def fine(count: str) -> bool:
        return count == f"fewer than {MIN_GROUP}" or int(count.replace(",", "")) >= MIN_GROUP

    assert all(fine(row.count) for row in (*data.roster.by_sector, *data.roster.by_leaning))
    labels = [row.label for row in data.roster.by_sector]
    assert "Higher education" not in labels  # 3 seats: pooled
    assert any("Higher education" in label for label in labels)
    for rec in (*[r for s in data.focus_sections for r in s.adopted], *data.not_adopted):
        for breakdown in rec.breakdowns:
            for _, size, counts in breakdown.rows:
                assert fine(size)
                assert (counts is None) == (size == f"fewer than {MIN_GROUP}")
        for item in rec.basis:
            assert all(shown == (g.size >= MIN_GROUP) for g, shown in item.groups())
    page = render_html(data)
    assert "Higher education</td>" not in page


def test_names_appear_only_with_consent(built: Built) -> None:
    page = render_html(built.data)
    text = render_markdown(built.data)
    assert built.shown_name in page
    assert built.shown_name in text
    for name in built.hidden_names:
        assert re.search(rf"{re.escape(name)}\b", page) is None, name
        assert re.search(rf"{re.escape(name)}\b", text) is None, name


def test_hostile_text_is_shown_as_text_in_html_and_markdown(built: Built) -> None:
    page = render_html(built.data)
    assert "<script>" not in page.lower()
    assert "<b>now</b>" not in page
    assert html.unescape(page).count(HOSTILE) >= 2  # wording and statement: the characters are all there
    assert "Apprenticeships &lt;b&gt;now&lt;/b&gt;" in page
    text = render_markdown(built.data)
    assert "<script>" not in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in text
    assert "DROP TABLE statement; \\-\\-" in text or "DROP TABLE statement; --" in text


def test_the_pdf_is_valid_renders_and_says_everything(built: Built, pdf: Path, tmp_path: Path) -> None:
    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run([_tool("pdftoppm"), "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 1000 for p in pages)

    # -raw: content-stream order, and no de-hyphenation (which would eat one dash of a line-final "--").
    raw = subprocess.run(
        [_tool("pdftotext"), "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    text = _flat(raw)
    assert len(raw.split("\f")) - 1 == len(pages)
    for page in raw.split("\f")[:-1]:
        assert "SIMULATED DATA" in page  # the banner is on every page
    assert raw.split("\f")[0].count("SIMULATED DATA") == 1  # once on page 1: the running header skips it
    assert "0 block" not in text  # no block is no warning
    assert "stand aside, no block" in text
    for title in (built.titles[0], built.titles[2]):
        assert _flat(title) in text
    assert text.count(_flat(HOSTILE)) >= 2  # wording and statement: <script> and SQL shown as characters
    assert RESERVATION in text
    assert BLOCK in text
    assert "Not adopted (blocked) — 1 block under unanimity" in text
    assert "Appendix: method" in text
    assert "What was left out or counted differently, and why" in text


def test_rows_stay_whole_and_zero_blocks_are_not_a_warning(built: Built) -> None:
    page = render_html(built.data)
    assert re.search(r"tr, blockquote \{ break-inside: avoid; \}", page)  # no table row split across pages
    assert '<span class="block">0 block' not in page
    assert '<span class="block">1 block</span>' in page  # R2's block is still shown as one


def test_markdown_and_html_carry_the_same_recommendations(built: Built) -> None:
    page = render_html(built.data)
    text = render_markdown(built.data)
    for number in (1, 2, 3):
        assert f'id="r{number}"' in page
        assert f"#### R{number}\\." in text
    assert text.count("SIMULATED DATA") == 2  # top and bottom
    assert "## Appendix: method" in text
    assert RESERVATION in text


def test_report_without_simulated_data_has_no_banner(database: Database) -> None:
    table, _ = demo_table(database)
    with database.transaction() as session:
        session.execute(update(models.Participant).values(simulated=False))
        session.execute(update(models.Vote).values(simulated=False))
    with database.sessions() as session:
        data = build_report(session, dialogue(session, table))
    assert data.banner is None
    assert data.not_adopted == ()
    assert "SIMULATED" not in render_html(data)
    assert "No endorsement round has been held yet" in data.round_text


def test_unknown_format_is_refused(built: Built) -> None:
    with pytest.raises(ValueError, match="html, pdf, md"):
        render(built.data, "docx")


def test_predicted_support_and_verdicts_read_as_in_the_cli_and_dashboard(built: Built) -> None:
    """Predicted support stays on its 0–100% scale (the linear model overshoots it, as 1.07 or −0.08), and the
    verdict and bridging words are analysis/figures.py's: "rejected" is Pol.is's word for moderated out."""
    assert (support_pct(1.07), support_pct(-0.08), support_pct(0.5)) == ("≥ 100%", "≤ 0%", "50%")
    for text in (render(built.data, "md").decode("utf-8"), render(built.data, "html").decode("utf-8")):
        flat = _flat(text)
        figures = re.findall(r"predicted support (?:[≥≤] )?(\d+)% and (?:[≥≤] )?(\d+)%", flat)
        assert figures
        assert all(0 <= int(v) <= 100 for pair in figures for v in pair)
        verdicts = re.findall(r"Verdict:? ?(?:</td><td>)?\*{0,2}(?:<strong>)?([a-z ]+)", flat)
        assert verdicts
        assert set(verdicts) <= set(VERDICT_WORDS.values())


def test_the_report_states_the_data_it_was_drawn_from_and_the_voting_cut_off(database: Database) -> None:
    table, analysis = demo_table(database)
    with database.sessions() as session:
        d = dialogue(session, table)
        counts = dialogue_counts(session, d.id)
        open_report = build_report(session, d, analysis=analysis)
    drawn = f"Drawn from {counts.current_votes:,} votes by {counts.voters:,} of {counts.participants:,} participants"
    assert open_report.data_basis.startswith(drawn)
    assert "Voting was still open" in open_report.data_basis
    assert "may change" in open_report.data_basis
    assert ("voting closed at", "still open") in open_report.method.counts
    cut_off = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    with database.transaction() as session:
        setup.close_voting(dialogue(session, table), now=cut_off)
    with database.sessions() as session:
        final = build_report(session, dialogue(session, table), analysis=analysis)
    assert final.data_basis.startswith(drawn)
    assert "Voting closed 2030-01-02 03:04 UTC: these are the final figures." in final.data_basis
    assert "after the analysis are not in it" in final.data_basis  # analysed before the cut-off
    assert ("voting closed at", "2030-01-02 03:04 UTC") in final.method.counts
    assert html.escape(final.data_basis) in render_html(final)
    assert "Voting closed 2030-01-02 03:04 UTC" in render_markdown(final)


def test_bidi_controls_are_removed_from_every_report_format() -> None:
    """Issue 19: a right-to-left override made "live" read "evil"; the report shows the characters in order."""
    from workingup.report.markdown import md
    from workingup.report.render import _environment

    assert md("\u202elive\u202c landlords") == "live landlords"
    assert _environment().from_string("<p>{{ text }}</p>").render(text="\u202elive") == "<p>live</p>"

"""From analysis to action on the command line, on the demo dialogue: the issue's end-to-end path without a browser.

Three recommendations, an endorsement round with one block and one reservation, the report in all three formats,
two commitments with status changes, the tracker and its CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from workingup.cli import app
from workingup.commands import agenda as agenda_commands
from workingup.domain import Role
from workingup.runtime.database import Database
from workingup.services import recommendations
from workingup.services.analysis import analyze_dialogue
from workingup.services.dialogues import get_dialogue
from workingup.store import models

runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    return result.output


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    address = f"sqlite:///{tmp_path / 'agenda.db'}"
    monkeypatch.setenv("WORKINGUP_DATABASE_URL", address)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(agenda_commands.console, "width", 240)  # wide tables: assertions see whole cells
    ok("init")
    ok("demo", "--public", "150", "--seed", "5", "--no-listening")
    return address


def _candidates_and_table(url: str) -> tuple[list[int], list[str]]:
    db = Database.open(url)
    try:
        with db.sessions() as session:
            dialogue = get_dialogue(session, None)
            found = recommendations.candidates(session, dialogue, analyze_dialogue(session, dialogue))
            by_area: dict[str | None, list[int]] = {}
            for c in found:
                by_area.setdefault(c.focus_area, []).append(c.statement_id)
            picks = [ids[0] for ids in by_area.values()][:3]
            table = list(
                session.scalars(
                    select(models.Participant.external_id)
                    .where(models.Participant.role == Role.STAKEHOLDER)
                    .order_by(models.Participant.id)
                )
            )
    finally:
        db.close()
    assert len(picks) == 3
    return picks, [t or "" for t in table]


@pytest.mark.slow
def test_from_analysis_to_action(url: str, tmp_path: Path) -> None:
    (first, second, third), table = _candidates_and_table(url)
    assert "convergence" in ok("recommend", "candidates")

    ok(
        "recommend",
        "draft",
        "-s",
        str(first),
        "--type",
        "policy",
        "--horizon",
        "near-term",
        "--actor",
        "Congress",
        "--actor",
        "states",
        "--title",
        "Work-based learning for every student",
        "--evidence",
        "Apprenticeship outcomes | https://example.org/apprenticeships",
    )
    ok(
        "recommend",
        "draft",
        "-s",
        str(second),
        "--type",
        "private_sector",
        "--horizon",
        "near_term",
        "--actor",
        "employers",
        "--title",
        "Schedules <script>alert(1)</script> two weeks ahead",
    )
    ok(
        "recommend",
        "draft",
        "-s",
        str(third),
        "--type",
        "programmatic",
        "--horizon",
        "new_approaches",
        "--actor",
        "philanthropy",
        "--actor",
        "intermediaries",
        "--title",
        "Emergency savings at work",
    )
    ok(
        "recommend",
        "revise",
        "R1",
        "--text",
        "Every high-school student gets paid work-based learning.",
        "--note",
        "wording agreed at the June meeting",
    )
    shown = ok("recommend", "show", "R1")
    assert "Version 1" in shown
    assert "Version 2" in shown
    assert "wording agreed at the June meeting" in shown
    listed = ok("recommend", "list")
    assert "R3" in listed
    assert "no round yet" in listed

    ok("endorse", "open", "--rule", "unanimity")
    assert "reason" in fails(
        "endorse", "record", "--participant", table[0], "--recommendation", "R2", "--stance", "block"
    )
    ok(
        "endorse",
        "record",
        "--participant",
        table[0],
        "--recommendation",
        "R2",
        "--stance",
        "block",
        "--text",
        "Small employers cannot plan two weeks ahead",
    )
    ok(
        "endorse",
        "record",
        "--participant",
        table[1],
        "--recommendation",
        "R1",
        "--stance",
        "reservations",
        "--text",
        "Paid by employers, not by schools",
    )
    ok("endorse", "consent", "--participant", table[1])
    rows = ["participant,recommendation,stance,text"]
    for i, person in enumerate(table):
        for rec in ("R1", "R2", "R3"):
            if (i, rec) in {(0, "R2"), (1, "R1")}:
                continue
            rows.append(f"{person},{rec},{'stand_aside' if (i, rec) == (2, 'R3') else 'endorse'},")
    (tmp_path / "round.csv").write_text("\n".join(rows) + "\n")
    assert "Recorded 88 stances" in ok("endorse", "import", "round.csv")
    results = ok("endorse", "results")
    assert "Small employers cannot plan two weeks ahead" in results
    assert "Paid by employers, not by schools" in results
    assert results.count("Adopted") == 2
    assert "Not adopted (blocked)" in results
    assert "<script>alert(1)</script>" in results  # printed as written, not eaten as markup

    for fmt in ("md", "html", "pdf"):
        assert f"Wrote report.{fmt}" in ok("report", "--format", fmt)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
    page = (tmp_path / "report.html").read_text()
    assert "<script>alert" not in page
    assert "Not adopted (blocked)" in page
    assert "Paid by employers, not by schools" in page
    assert "Simulated employers 2" in page  # consented (table[1] is the second employer seat)
    assert "Simulated employers 1" not in page  # the blocker did not consent
    markdown = (tmp_path / "report.md").read_text()
    assert "Small employers cannot plan two weeks ahead" in markdown

    ok(
        "commit",
        "--recommendation",
        "R1",
        "--actor",
        "Ohio Manufacturers' Association",
        "--what",
        "Place 200 students in paid summer roles",
        "--by",
        "2027-08-31",
        "--participant",
        table[3],
    )
    refused = fails("commit", "--recommendation", "R2", "--actor", "Acme", "--what", "Post schedules early")
    assert "R2 has not been adopted (not adopted (blocked)" in refused  # the tracker is public
    ok("commit", "--recommendation", "R3", "--actor", "Acme", "--what", "Match savings")
    ok("track", "status", "1", "in_progress", "--note", "first 60 placed")
    ok("track", "milestone", "1", "--title", "Sign 20 employers", "--due", "2027-03-01")
    ok("track", "progress", "1", "75")
    ok(
        "track",
        "evidence",
        "1",
        "--url",
        "https://example.org/placements",
        "--note",
        "Placement list",
        "--date",
        "2027-04-02",
    )
    ok("track", "status", "1", "done")
    assert "say why" in fails("track", "status", "2", "dropped")
    ok("track", "status", "2", "dropped", "--note", "the budget was cut")
    board = ok("track", "list")
    assert "Ohio Manufacturers" in board
    assert "1 done, 1 dropped" in board
    log = ok("track", "log")
    assert "planned → in progress: first 60 placed" in log
    assert "in progress → done" in log
    ok("track", "export", "--csv", "tracker.csv")
    exported = list(csv.DictReader(io.StringIO((tmp_path / "tracker.csv").read_text())))
    assert [(r["recommendation"], r["status"]) for r in exported] == [
        ("R1", "done"),
        ("R3", "dropped"),
        ("R2", ""),
    ]
    assert exported[0]["progress_percent"] == "100"
    mine = ok("track", "mine", "--participant", table[3])
    assert "R1" in mine

    ok("report", "--format", "md", "--output", "after.md")
    after = (tmp_path / "after.md").read_text()
    assert "Place 200 students in paid summer roles" in after
    assert "**Done**" in after


def test_bad_input_is_one_line(url: str) -> None:
    assert "no recommendations to endorse" in fails("endorse", "open")
    assert "at least one actor" in fails(
        "recommend", "draft", "-s", "1", "--type", "policy", "--horizon", "near_term"
    )
    assert "--type is one of" in fails(
        "recommend", "draft", "-s", "1", "--type", "law", "--horizon", "near_term", "--actor", "x"
    )
    assert "no recommendation R4" in fails("recommend", "show", "R4")
    assert "--format is one of" in fails("report", "--format", "docx")
    assert "date like" in fails(
        "commit", "--recommendation", "R1", "--actor", "a", "--what", "b", "--by", "soon"
    )
    assert "no endorsement round yet" in ok("endorse", "results").lower()


def test_stored_verdicts_are_printed_in_the_words_of_every_other_output() -> None:
    from workingup.analysis.figures import VERDICT_WORDS
    from workingup.analysis.figures import verdict_word as _verdict

    assert _verdict("rejected") == "unsupported"  # never "rejected", which means moderated out elsewhere
    assert all(_verdict(code) == word for code, word in VERDICT_WORDS.items())
    assert _verdict(None) == "unknown"

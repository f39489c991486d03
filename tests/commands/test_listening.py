"""`workingup listen` and `workingup themes` end to end on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from workingup.cli import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKINGUP_DATABASE_URL", f"sqlite:///{tmp_path / 'l.db'}")
    assert runner.invoke(app, ["init"]).exit_code == 0
    return tmp_path


def test_record_import_find_show_adopt(db: Path) -> None:
    done = runner.invoke(
        app,
        [
            "listen",
            "add",
            "--held-on",
            "2017-03-02",
            "--place",
            "Library",
            "--facilitator",
            "Ana",
            "--consent",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Listening session 1 recorded" in done.output
    file = db / "notes.txt"
    file.write_text(
        "\n".join(
            [
                "I need child care in the evening when I work late shifts.",
                "Child care closes at six and my shift ends at eight.",
                "Evening child care would let me take the better shift.",
                "My schedule changes every week and I cannot plan.",
                "They post the schedule two days ahead, so I cannot plan anything.",
                "With a predictable schedule I could keep a second job.",
                "I owe more on my car loan than the car is worth.",
                "The payday loan fees ate half my paycheck.",
                "One unexpected bill and I am borrowing again.",
            ]
        )
    )
    done = runner.invoke(app, ["listen", "import", str(file), "--session", "1"])
    assert done.exit_code == 0, done.output
    assert "Imported 9 contributions" in done.output
    done = runner.invoke(app, ["themes", "find", "--method", "tfidf"])
    assert done.exit_code == 0, done.output
    assert "themes (tfidf)" in done.output
    done = runner.invoke(app, ["themes", "show"])
    assert done.exit_code == 0, done.output
    assert "candidate statements" in done.output
    done = runner.invoke(
        app, ["themes", "adopt", "--theme", "1", "--candidate", "1", "--focus-area", "quality-work"]
    )
    assert done.exit_code == 0, done.output
    assert "Added statement" in done.output


def test_errors_are_one_line(db: Path) -> None:
    done = runner.invoke(app, ["listen", "import", str(db / "x.csv"), "--session", "7"])
    assert done.exit_code == 1
    assert done.output.strip().splitlines() == ["error: no listening session 7 in dialogue 'working-up'"]
    runner.invoke(
        app, ["listen", "add", "--held-on", "2017-03-02", "--place", "P", "--facilitator", "F", "--consent"]
    )
    bad = db / "bad.csv"
    bad.write_text("speaker,text\nP1,fine\nP2\n")
    done = runner.invoke(app, ["listen", "import", str(bad), "--session", "1"])
    assert done.exit_code == 1
    assert done.output.startswith("error: bad.csv line 3")
    done = runner.invoke(
        app, ["listen", "add", "--held-on", "yesterday", "--place", "P", "--facilitator", "F"]
    )
    assert done.exit_code == 1
    assert "--held-on must be a date" in done.output
    done = runner.invoke(app, ["themes", "show"])
    assert done.exit_code == 1
    assert "no themes yet" in done.output


@pytest.mark.slow
def test_demo_loads_the_illustrative_session(db: Path) -> None:
    done = runner.invoke(app, ["demo", "--public", "20"])
    assert done.exit_code == 0, done.output
    assert "illustrative listening session (204 contributions" in done.output
    listed = runner.invoke(app, ["listen", "list"])
    assert listed.exit_code == 0
    assert "204" in listed.output

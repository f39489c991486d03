"""`workingup voting`: the facilitators' switch and closing phase on the command line, and what they change."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from workingup.cli import app
from workingup.runtime.database import Database
from workingup.services import participation
from workingup.services.dialogues import get_dialogue
from workingup.services.errors import VotingClosed

runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    address = f"sqlite:///{tmp_path / 'voting.db'}"
    monkeypatch.setenv("WORKINGUP_DATABASE_URL", address)
    ok("init")
    return address


def test_close_open_and_the_closing_phase(url: str) -> None:
    assert "is open; it closes when it enters 'Action'" in ok("voting", "status")
    closed = ok("voting", "close")
    assert "is closed since" in closed
    database = Database.open(url)
    try:
        with database.transaction() as session:
            dialogue = get_dialogue(session, None)
            dialogue.open_join = True
            with pytest.raises(VotingClosed, match="no more participants"):
                participation.join_open(session, dialogue, participation.Profile(consent=True))
    finally:
        database.close()
    assert "is open" in ok("voting", "open")
    assert "closes when it enters 'Recommendations'" in ok("voting", "closes-in", "recommendations")
    assert "closes only by hand" in ok("voting", "closes-in", "never")
    refused = runner.invoke(app, ["voting", "closes-in", "tomorrow"])
    assert refused.exit_code == 1
    assert "a closing phase is one of" in refused.output

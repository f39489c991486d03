"""The public story: from the Working Up definition, checked dates, and a facilitator's edit stored whole or not at
all."""

from __future__ import annotations

from pathlib import Path

import pytest

from workingup.dialogues import DefinitionError, load_definition
from workingup.domain import Phase
from workingup.runtime.database import Database
from workingup.services import story
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.services.errors import ServiceError
from workingup.services.setup import advance_phase


def test_the_working_up_definition_carries_its_story() -> None:
    told = load_definition().story
    assert told.challenge.startswith("Too many Americans work hard")
    assert [m.phase for m in told.timeline] == list(Phase)
    assert all(m.date and m.text for m in told.timeline)
    assert told.next_steps
    assert told.supporters
    assert told.contacts


def test_a_definition_with_a_wrong_date_or_phase_is_refused(tmp_path: Path) -> None:
    base = (Path(__file__).resolve().parents[2] / "src/workingup/dialogues/working_up.toml").read_text()
    for wrong, message in (
        ('date = "2016-01"', "YYYY, YYYY-MM or YYYY-MM-DD, not '2016-13'"),
        ('phase = "assessment"', "'nope' is not a valid Phase"),
    ):
        path = tmp_path / "d.toml"
        path.write_text(
            base.replace(wrong, wrong.replace("2016-01", "2016-13").replace("assessment", "nope"), 1)
        )
        with pytest.raises(DefinitionError, match=message):
            load_definition(path)


def test_timeline_joins_the_plan_with_the_days_phases_began(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        advance_phase(session, dialogue, Phase.ASSESSMENT)
        steps = story.timeline(dialogue)
    assert [s.state for s in steps] == ["done", "current", "next", "next", "next", "next"]
    assert steps[0].planned == "2016-01"
    assert steps[0].started is not None
    assert steps[1].started is not None
    assert steps[2].started is None


def test_update_story_stores_all_or_nothing(database: Database) -> None:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        before = story.story_of(dialogue)
        with pytest.raises(ServiceError, match="Convene and build trust: a timeline date"):
            story.update_story(
                dialogue,
                challenge="A new challenge.",
                next_steps="",
                supporters="",
                contacts="",
                milestones={Phase.CONVENE: ("June", "Seating the table.")},
            )
        assert story.story_of(dialogue) == before
        saved = story.update_story(
            dialogue,
            challenge="  A new challenge.  ",
            next_steps="Votes, then recommendations.",
            supporters="Fund A\n\n  Fund B \n",
            contacts="Ana Diaz — ana@example.org\nThe front desk",
            milestones={Phase.CONVENE: ("2027-02", "Seating the table."), Phase.ACTION: ("", "")},
        )
    with database.sessions() as session:
        stored = story.story_of(get_dialogue(session, dialogue.slug))
    assert stored == saved
    assert stored.challenge == "A new challenge."
    assert stored.supporters == ("Fund A", "Fund B")
    assert [(c.name, c.detail) for c in stored.contacts] == [
        ("Ana Diaz", "ana@example.org"),
        ("The front desk", ""),
    ]
    assert [(m.phase, m.date) for m in stored.timeline] == [(Phase.CONVENE, "2027-02")]
    with pytest.raises(ServiceError, match="at most 2000 characters"):
        story.update_story(
            dialogue, challenge="x" * 2001, next_steps="", supporters="", contacts="", milestones={}
        )

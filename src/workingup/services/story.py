"""A dialogue's public story: read it, build its timeline, and let a facilitator change it.

The story starts from the dialogue's definition (`domain.Story`, the [story] table of its TOML file) and is
stored on the dialogue as JSON, read and written only here, so the public page, the edit form and the
definition agree on one shape. The timeline joins what was planned (a date per phase, written by the
facilitators) with what happened (the day the dialogue really entered each phase, `phase_change`), because a
visitor should see both: "planned for March 2017, started 2 May 2017".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workingup.domain import Contact, Milestone, Phase, Story, milestone_date
from workingup.errors import UserError
from workingup.services.errors import ServiceError
from workingup.store import models

MAX_TEXT = 2000
"""The longest challenge, next steps or milestone text (characters)."""
MAX_LINE = 300
"""The longest supporter or contact line."""
MAX_LINES = 40


def to_json(story: Story) -> dict[str, Any]:
    return {
        "challenge": story.challenge,
        "timeline": [{"phase": m.phase.value, "date": m.date, "text": m.text} for m in story.timeline],
        "next_steps": story.next_steps,
        "supporters": list(story.supporters),
        "contacts": [{"name": c.name, "detail": c.detail} for c in story.contacts],
    }


def from_json(data: dict[str, Any] | None) -> Story:
    if not data:
        return Story()
    return Story(
        challenge=str(data.get("challenge", "")),
        timeline=tuple(
            Milestone(Phase(m["phase"]), str(m.get("date", "")), str(m.get("text", "")))
            for m in data.get("timeline", [])
        ),
        next_steps=str(data.get("next_steps", "")),
        supporters=tuple(str(s) for s in data.get("supporters", [])),
        contacts=tuple(Contact(str(c["name"]), str(c.get("detail", ""))) for c in data.get("contacts", [])),
    )


def story_of(dialogue: models.Dialogue) -> Story:
    """The dialogue's story; a dialogue installed before stories existed has an empty one."""
    return from_json(dialogue.story)


@dataclass(frozen=True)
class Step:
    """A phase on the public timeline."""

    phase: Phase
    planned: str
    """The planned date as written ("2017-03"), or ""."""
    started: datetime | None
    """When the dialogue really entered this phase (None: not yet)."""
    text: str
    state: str
    """"done", "current" or "next"."""


def timeline(dialogue: models.Dialogue) -> list[Step]:
    """Every phase in order, with its plan and, for the phases reached, the day it began."""
    story = story_of(dialogue)
    planned = {m.phase: m for m in story.timeline}
    started: dict[Phase, datetime] = {}
    for change in dialogue.phase_changes:
        started.setdefault(Phase(change.phase), change.changed_at)
    order = list(Phase)
    current = order.index(dialogue.phase)
    steps = []
    for i, phase in enumerate(order):
        plan = planned.get(phase)
        state = "done" if i < current else "current" if i == current else "next"
        steps.append(
            Step(phase, plan.date if plan else "", started.get(phase), plan.text if plan else "", state)
        )
    return steps


def _text(value: str, what: str, limit: int = MAX_TEXT) -> str:
    text = value.strip()
    if len(text) > limit:
        raise ServiceError(f"{what} can have at most {limit} characters")
    return text


def _lines(value: str, what: str) -> list[str]:
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise ServiceError(f"{what}: at most {MAX_LINES} lines")
    for line in lines:
        _text(line, f"each line of {what}", MAX_LINE)
    return lines


def update_story(
    dialogue: models.Dialogue,
    *,
    challenge: str,
    next_steps: str,
    supporters: str,
    contacts: str,
    milestones: dict[Phase, tuple[str, str]],
) -> Story:
    """Replace the story with what a facilitator wrote; nothing is stored when any field is refused.

    supporters: one per line. contacts: one per line, "name — how to reach them" (the part after the first
    " — " or " - " is the detail). milestones: per phase, (date, text); a phase with neither is left off.
    """
    timeline = []
    for phase in Phase:
        date, text = milestones.get(phase, ("", ""))
        try:
            when = milestone_date(date)
        except UserError as error:
            raise ServiceError(f"{phase.label}: {error}") from None
        words = _text(text, f"the text for {phase.label}")
        if when or words:
            timeline.append(Milestone(phase, when, words))
    people = []
    for line in _lines(contacts, "contacts"):
        for separator in (" — ", " – ", " - "):
            if separator in line:
                name, detail = line.split(separator, 1)
                people.append(Contact(name.strip(), detail.strip()))
                break
        else:
            people.append(Contact(line, ""))
    story = Story(
        challenge=_text(challenge, "the challenge"),
        timeline=tuple(timeline),
        next_steps=_text(next_steps, "what happens next"),
        supporters=tuple(_lines(supporters, "supporters")),
        contacts=tuple(people),
    )
    dialogue.story = to_json(story)
    return story


def set_story(dialogue: models.Dialogue, story: Story) -> None:
    """Store a story as it is (from a definition: already checked by the loader)."""
    dialogue.story = to_json(story)


def contact_lines(story: Story) -> str:
    """The contacts as the edit form shows them: one per line, "name — detail"."""
    return "\n".join(f"{c.name} — {c.detail}" if c.detail else c.name for c in story.contacts)

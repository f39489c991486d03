"""Setting a dialogue up and moving it along: focus and inquiry areas, who may join, publishing, phases.

Phases only move forward, one at a time, and every change is recorded with its date in `phase_change`, which is
what the final report dates the process from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from workingup.domain import Phase
from workingup.services.errors import Conflict, NotFound, ServiceError
from workingup.store import models

_KEY = re.compile(r"[^a-z0-9]+")


def _key_for(title: str) -> str:
    key = _KEY.sub("-", title.lower()).strip("-")[:100]
    if not key:
        raise ServiceError("a title needs at least one letter or digit")
    return key


def advance_phase(session: Session, dialogue: models.Dialogue, expected: Phase | None = None) -> Phase:
    """Move to the next phase; `expected` guards against two facilitators advancing twice by accident."""
    if expected is not None and dialogue.phase is not expected:
        raise Conflict(f"the dialogue is in phase {dialogue.phase.label!r} now, not {expected.label!r}")
    following = dialogue.phase.next()
    if following is None:
        raise Conflict(f"{dialogue.phase.label!r} is the last phase")
    dialogue.phase = following
    dialogue.phase_changes.append(models.PhaseChange(phase=following))
    session.flush()
    return following


@dataclass(frozen=True)
class DialogueSettings:
    open_join: bool | None = None
    published: bool | None = None
    require_sector: bool | None = None
    require_leaning: bool | None = None


def change_settings(dialogue: models.Dialogue, settings: DialogueSettings) -> None:
    """Apply the settings that are given (not None)."""
    for name in ("open_join", "published", "require_sector", "require_leaning"):
        value = getattr(settings, name)
        if value is not None:
            setattr(dialogue, name, bool(value))


def _titled(title: str, what: str) -> tuple[str, str]:
    """The title with its whitespace collapsed and the key made from it; ServiceError when empty or too long."""
    title = " ".join(title.split())
    if not title or len(title) > 300:
        raise ServiceError(f"{what} needs a title of 1 to 300 characters")
    return title, _key_for(title)


def add_focus_area(
    session: Session, dialogue: models.Dialogue, title: str, description: str = ""
) -> models.FocusArea:
    title, key = _titled(title, "a focus area")
    if any(fa.key == key for fa in dialogue.focus_areas):
        raise Conflict(f"there is already a focus area {title!r}")
    focus = models.FocusArea(
        key=key, title=title, description=description.strip(), position=len(dialogue.focus_areas)
    )
    dialogue.focus_areas.append(focus)
    session.flush()
    return focus


def add_inquiry_area(
    session: Session, dialogue: models.Dialogue, focus_key: str, title: str
) -> models.InquiryArea:
    matches = [fa for fa in dialogue.focus_areas if fa.key == focus_key]
    if not matches:
        raise NotFound(f"no focus area {focus_key!r} in this dialogue")
    focus = matches[0]
    title, key = _titled(title, "an area of inquiry")
    if any(ia.key == key for ia in focus.inquiry_areas):
        raise Conflict(f"{focus.title!r} already has an area of inquiry {title!r}")
    area = models.InquiryArea(key=key, title=title, position=len(focus.inquiry_areas))
    focus.inquiry_areas.append(area)
    session.flush()
    return area

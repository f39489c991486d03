"""Setting a dialogue up and moving it along: focus and inquiry areas, who may join, publishing, phases, and
when voting closes.

Phases only move forward, one at a time, and every change is recorded with its date in `phase_change`, which is
what the final report dates the process from. Voting closes when the dialogue enters its closing phase (the last
one unless the facilitators chose another) or when a facilitator closes it; after that no one joins, votes or
submits a statement, so the results and the final report drawn from them stop moving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from workingup.domain import Phase
from workingup.services.errors import Conflict, NotFound, ServiceError
from workingup.store import models
from workingup.store.models import utcnow

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
    closes_in = dialogue.voting_closes_in
    if closes_in is not None and _order(following) >= _order(closes_in) and dialogue.voting_closed_at is None:
        dialogue.voting_closed_at = utcnow()
    session.flush()
    return following


def _order(phase: Phase) -> int:
    return list(Phase).index(phase)


def close_voting(dialogue: models.Dialogue, now: datetime | None = None) -> datetime:
    """Close voting now (the facilitator's switch); closing a closed dialogue keeps the first cut-off."""
    if dialogue.voting_closed_at is None:
        dialogue.voting_closed_at = now or utcnow()
    return dialogue.voting_closed_at


def reopen_voting(dialogue: models.Dialogue) -> None:
    """Open voting again (say, closed by mistake). The closing phase still applies at the next phase change."""
    dialogue.voting_closed_at = None


def set_voting_closes_in(dialogue: models.Dialogue, phase: Phase | None) -> None:
    """Choose the phase whose start closes voting (None: only the switch closes it). Choosing the current phase
    or an earlier one does not close voting at once: the switch does that, so nothing closes by surprise."""
    dialogue.voting_closes_in = phase


def voting_closes_in(value: str) -> Phase | None:
    """A form's or command's phase value ("" or "never": no closing phase); ServiceError for anything else."""
    if value in ("", "never"):
        return None
    try:
        return Phase(value)
    except ValueError:
        known = ", ".join(p.value for p in Phase)
        raise ServiceError(f"a closing phase is one of {known} or never, not {value!r}") from None


@dataclass(frozen=True)
class DialogueSettings:
    open_join: bool | None = None
    published: bool | None = None
    require_sector: bool | None = None
    require_leaning: bool | None = None
    voting_open: bool | None = None
    """The switch: False closes voting now, True opens it again."""
    voting_closes_in: str | None = None
    """A phase's value, or "never"; see `voting_closes_in`."""


def change_settings(dialogue: models.Dialogue, settings: DialogueSettings) -> None:
    """Apply the settings that are given (not None)."""
    for name in ("open_join", "published", "require_sector", "require_leaning"):
        value = getattr(settings, name)
        if value is not None:
            setattr(dialogue, name, bool(value))
    if settings.voting_closes_in is not None:
        set_voting_closes_in(dialogue, voting_closes_in(settings.voting_closes_in))
    if settings.voting_open is True:
        reopen_voting(dialogue)
    elif settings.voting_open is False:
        close_voting(dialogue)


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

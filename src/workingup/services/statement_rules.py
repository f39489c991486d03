"""What a statement's text must be, and which focus area it names: one rule for participants and facilitators."""

from __future__ import annotations

from workingup.services.errors import ServiceError
from workingup.store import models

MIN_STATEMENT_LENGTH = 10
"""Fewer characters than this say nothing anyone can vote on (facilitators' seed statements are exempt)."""
MAX_STATEMENT_LENGTH = 400
"""One idea, readable on a phone in one glance."""


def statement_text(text: str, *, minimum: int = MIN_STATEMENT_LENGTH) -> str:
    """`text` with its whitespace collapsed, or ServiceError when it is too short or too long."""
    text = " ".join(text.split())
    if len(text) < minimum:
        raise ServiceError(
            "a statement needs some text"
            if minimum <= 1
            else f"a statement needs at least {minimum} characters"
        )
    if len(text) > MAX_STATEMENT_LENGTH:
        raise ServiceError(f"a statement can have at most {MAX_STATEMENT_LENGTH} characters")
    return text


def focus_area_id(dialogue: models.Dialogue, key: str | None) -> int | None:
    """The id of the dialogue's focus area called `key` (None for none), or ServiceError for an unknown one."""
    if not key:
        return None
    matches = [fa.id for fa in dialogue.focus_areas if fa.key == key]
    if not matches:
        raise ServiceError(f"unknown focus area {key!r}")
    return matches[0]

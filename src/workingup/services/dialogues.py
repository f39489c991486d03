"""Creating dialogues from their definitions and finding them again."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.orm import Session

from workingup.domain import DialogueDefinition, Moderation, Phase
from workingup.services import story
from workingup.services.errors import Conflict, NotFound, ServiceError
from workingup.store import models
from workingup.store.bulk import insert_returning_ids
from workingup.store.queries import (
    DialogueCounts,
    all_dialogues,
    dialogue_by_slug,
    dialogue_counts,
    has_simulated,
)

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")


def check_slug(slug: str) -> str:
    """A slug is lowercase letters, digits and inner hyphens: it goes into URLs, file and zip entry names.

    Anything else (`../x`, `a/b`, quotes) would make the dialogue unreachable by its URL and would put a path
    into every export's file names, so it is refused where dialogues are made.
    """
    if not SLUG.fullmatch(slug):
        raise ServiceError(
            f"a dialogue's slug is 1 to 100 lowercase letters, digits and inner hyphens, not {slug!r}"
        )
    return slug


def install_definition(session: Session, definition: DialogueDefinition) -> models.Dialogue:
    """Create the dialogue a definition describes, with its focus areas, sectors and accepted seed statements."""
    check_slug(definition.slug)
    if dialogue_by_slug(session, definition.slug) is not None:
        raise Conflict(f"a dialogue called {definition.slug!r} already exists")
    dialogue = models.Dialogue(
        slug=definition.slug,
        title=definition.title,
        description=definition.description,
        ground_rules=list(definition.ground_rules),
        phase=Phase.ASSESSMENT,
        source=f"definition:{definition.slug}",
        story=story.to_json(definition.story),
    )
    dialogue.phase_changes.append(models.PhaseChange(phase=Phase.ASSESSMENT))
    for position, sector in enumerate(definition.sectors):
        dialogue.sectors.append(
            models.Sector(key=sector.key, label=sector.label, seats=sector.seats, position=position)
        )
    for position, focus in enumerate(definition.focus_areas):
        row = models.FocusArea(
            key=focus.key, title=focus.title, description=focus.description, position=position
        )
        row.inquiry_areas.extend(
            models.InquiryArea(key=ia.key, title=ia.title, position=j)
            for j, ia in enumerate(focus.inquiry_areas)
        )
        dialogue.focus_areas.append(row)
    session.add(dialogue)
    session.flush()

    focus_ids = {fa.key: fa.id for fa in dialogue.focus_areas}
    inquiry_ids = {(fa.key, ia.key): ia.id for fa in dialogue.focus_areas for ia in fa.inquiry_areas}
    insert_returning_ids(
        session,
        models.Statement,
        [
            {
                "dialogue_id": dialogue.id,
                "text": seed.text,
                "focus_area_id": focus_ids[seed.focus_area],
                "inquiry_area_id": inquiry_ids.get((seed.focus_area, seed.inquiry_area or "")),
                "kind": seed.kind,
                "horizon": seed.horizon,
                "moderation": Moderation.ACCEPTED,
                "is_seed": True,
                "created_at": dialogue.created_at,
            }
            for seed in definition.statements
        ],
    )
    return dialogue


def get_dialogue(session: Session, slug: str | None) -> models.Dialogue:
    """The dialogue called `slug`, or the only/first one when no slug is given."""
    if slug is not None:
        dialogue = dialogue_by_slug(session, slug)
        if dialogue is None:
            known = ", ".join(d.slug for d in all_dialogues(session)) or "none yet"
            raise NotFound(f"no dialogue called {slug!r} (known: {known})")
        return dialogue
    dialogues = all_dialogues(session)
    if not dialogues:
        raise NotFound("there is no dialogue yet; run `workingup init` or `workingup import-polis`")
    return dialogues[0]


def dialogue_by_id(session: Session, dialogue_id: int) -> models.Dialogue:
    """The dialogue a record (an invitation, a participant) belongs to; its id comes from the store, so it exists."""
    return session.get_one(models.Dialogue, dialogue_id)


def list_dialogues(session: Session) -> list[models.Dialogue]:
    """Every dialogue, in the store's order: the public list (a single dialogue is the home page itself)."""
    return all_dialogues(session)


def counts(session: Session, dialogue_id: int) -> DialogueCounts:
    """A dialogue's participants, statements by moderation and votes: what its pages and API describe it by.

    A service, not a store query called from the web, so the web reaches the store only through services (the
    import rule in tests/test_layers.py).

    Kept in the session until it writes or ends: the dashboard shows three tables made from the same counts, and
    counting a 72k-vote dialogue's votes three times was half of the page's time (issue 18).
    """
    found: DialogueCounts | None = session.info.get(_COUNTS, {}).get(dialogue_id)
    if found is None:
        found = dialogue_counts(session, dialogue_id)  # may flush, which forgets what was kept
        session.info.setdefault(_COUNTS, {})[dialogue_id] = found
    return found


_COUNTS = "workingup.dialogue_counts"


def _forget_counts(session: Session, *_args: object) -> None:
    session.info.pop(_COUNTS, None)


for _moment in ("after_flush", "after_commit", "after_rollback"):
    event.listen(Session, _moment, _forget_counts)


def any_simulated(session: Session, dialogue_id: int) -> bool:
    """Whether the dialogue holds simulated participants or votes: every page about it then carries the banner."""
    return has_simulated(session, dialogue_id)

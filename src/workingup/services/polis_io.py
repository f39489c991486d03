"""Pol.is conversations in and out of the store: imports are all or nothing, export is lossless.

The reader validates every file before a single row is written. `import_polis` writes in the caller's
transaction; `import_polis_staged` (what `workingup import-polis` runs) writes in many short transactions into a
dialogue no page or list can see, then gives it its slug in one last short one, and removes it if anything fails,
so a bad export still loads completely or leaves no trace, and a server on the same SQLite file keeps answering
(issue 18: one 159 s transaction made sign-in and join wait 30 s and fail).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workingup.domain import Moderation, Phase, Role
from workingup.polis import (
    PolisComment,
    PolisConversation,
    PolisFormatError,
    PolisParticipant,
    read_polis,
    write_polis,
)
from workingup.polis.read import NO_VOTES, PARTICIPANT_VOTES, VOTES
from workingup.services.dialogues import check_slug
from workingup.services.errors import Conflict
from workingup.services.progress import Progress, no_progress
from workingup.store import models
from workingup.store.bulk import insert_returning_ids
from workingup.store.queries import STAGING_PREFIX, dialogue_by_slug, vote_history
from workingup.store.votes import insert_vote_events, refresh_current_votes, refresh_statistics

Transaction = Callable[[], AbstractContextManager[Session]]
"""Opens one transaction (commits when the block ends, rolls back when it raises): `Database.transaction`."""

STAGED_VOTES = 20_000
"""Votes per transaction of a staged import: each holds SQLite's write lock for a fraction of a second."""
STAGED_PEOPLE = 2_000
"""Participants one transaction of a staged import inserts (or, when it failed, removes with their votes)."""


@dataclass(frozen=True)
class ImportSummary:
    slug: str
    participants: int
    statements: int
    vote_events: int
    votes_source: str
    warnings: tuple[str, ...]


def slug_for(folder: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return slug[:100].strip("-") or "polis"


def _ms_to_datetime(ms: int | None) -> datetime | None:
    return None if ms is None or ms < 0 else datetime.fromtimestamp(ms / 1000, tz=UTC)


def _free_slug(session: Session, folder: Path, slug: str | None) -> str:
    """The new dialogue's slug, refused before the export is read: a bad or taken name costs nothing to refuse,
    reading a large export does."""
    slug = check_slug(slug or slug_for(folder))
    if dialogue_by_slug(session, slug) is not None:
        raise Conflict(f"a dialogue called {slug!r} already exists; choose another with --slug")
    return slug


def _read_with_votes(folder: Path) -> PolisConversation:
    """The export, refused when it has no votes: some open-data exports are comments only; imported, they made a
    dialogue of "0 votes (from none)" and the command said it had succeeded (issue 19). Nothing is written."""
    conversation = read_polis(folder)
    if conversation.votes_source == NO_VOTES:
        raise PolisFormatError(
            str(folder),
            None,
            f"has no {VOTES} and no {PARTICIPANT_VOTES}, so there are no votes to import "
            "(is this the whole export?)",
        )
    return conversation


def _new_dialogue(
    session: Session, conversation: PolisConversation, folder: Path, slug: str, now: datetime
) -> models.Dialogue:
    """The imported conversation's dialogue, in the action phase (its votes are in), flushed for its id."""
    dialogue = models.Dialogue(
        slug=slug,
        title=conversation.title or folder.name,
        description=conversation.description,
        ground_rules=[],
        phase=Phase.ACTION_AGENDA,
        source=f"polis:{folder.resolve().name}",
    )
    dialogue.phase_changes.append(models.PhaseChange(phase=Phase.ACTION_AGENDA, changed_at=now))
    session.add(dialogue)
    session.flush()
    return dialogue


def import_polis(
    session: Session, folder: str | Path, *, slug: str | None = None, progress: Progress = no_progress
) -> ImportSummary:
    """Read and validate `folder`, then write it as a new dialogue; the caller's transaction makes it atomic."""
    folder = Path(folder)
    slug = _free_slug(session, folder, slug)
    conversation = _read_with_votes(folder)

    now = datetime.now(UTC)
    dialogue = _new_dialogue(session, conversation, folder, slug, now)

    total = len(conversation.participants) + len(conversation.comments) + len(conversation.vote_value)
    task = f"Importing {folder.name}"
    progress(task, 0, total)
    participant_ids = insert_returning_ids(
        session,
        models.Participant,
        _participant_rows(conversation, dialogue.id, now),
        on_batch=lambda n: progress(task, n, total),
    )
    participant_map = dict(
        zip((p.participant_id for p in conversation.participants), participant_ids, strict=True)
    )
    statement_ids = insert_returning_ids(
        session,
        models.Statement,
        _statement_rows(conversation, dialogue.id, participant_map, now),
        on_batch=lambda n: progress(task, n, total),
    )
    comment_map = dict(zip((c.comment_id for c in conversation.comments), statement_ids, strict=True))

    to_participant = np.vectorize(participant_map.__getitem__, otypes=[np.int64])
    to_statement = np.vectorize(comment_map.__getitem__, otypes=[np.int64])
    n_votes = len(conversation.vote_value)
    if n_votes:
        insert_vote_events(
            session,
            dialogue_id=dialogue.id,
            participant_ids=to_participant(conversation.vote_participant),
            statement_ids=to_statement(conversation.vote_comment),
            values=conversation.vote_value,
            times=[_ms_to_datetime(t) for t in conversation.vote_timestamp_ms.tolist()],
            on_batch=lambda n: progress(task, n, total),
        )
    return ImportSummary(
        slug=slug,
        participants=len(participant_ids),
        statements=len(statement_ids),
        vote_events=n_votes,
        votes_source=conversation.votes_source,
        warnings=conversation.warnings,
    )


def _participant_rows(
    conversation: PolisConversation, dialogue_id: int, now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "dialogue_id": dialogue_id,
            "external_id": str(p.participant_id),
            "external_ref": p.xid,
            "external_group": p.group_id,
            "role": Role.PUBLIC,
            "created_at": now,
        }
        for p in conversation.participants
    ]


def _statement_rows(
    conversation: PolisConversation, dialogue_id: int, participant_map: dict[int, int], now: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "dialogue_id": dialogue_id,
            "external_id": str(c.comment_id),
            "text": c.text,
            "author_id": participant_map[c.author_id],
            "moderation": Moderation.from_polis(c.moderated),
            "is_meta": c.is_meta,
            "is_seed": c.is_seed,
            "created_at": _ms_to_datetime(c.timestamp_ms) or now,
        }
        for c in conversation.comments
    ]


def import_polis_staged(
    transaction: Transaction,
    folder: str | Path,
    *,
    slug: str | None = None,
    progress: Progress = no_progress,
) -> ImportSummary:
    """`import_polis` in short transactions: a hidden staging dialogue, then one switch to the real slug.

    Everything is validated before the first write; if anything fails afterwards (a constraint, the disk, an
    interrupt), the staging dialogue is removed, in short transactions too, and the error raised again.
    """
    folder = Path(folder)
    with transaction() as session:
        slug = _free_slug(session, folder, slug)
    conversation = _read_with_votes(folder)
    now = datetime.now(UTC)
    with transaction() as session:
        _free_slug(session, folder, slug)  # not taken while the export was read
        dialogue_id = _new_dialogue(
            session, conversation, folder, f"{STAGING_PREFIX}{uuid.uuid4().hex}", now
        ).id
    try:
        total = len(conversation.participants) + len(conversation.comments) + 2 * len(conversation.vote_value)
        task = f"Importing {folder.name}"
        progress(task, 0, total)
        participant_ids: list[int] = []
        people = _participant_rows(conversation, dialogue_id, now)
        for start in range(0, len(people), STAGED_PEOPLE):
            with transaction() as session:
                participant_ids += insert_returning_ids(
                    session,
                    models.Participant,
                    people[start : start + STAGED_PEOPLE],
                    on_batch=lambda n: progress(task, n, total),
                )
        participant_map = dict(
            zip((p.participant_id for p in conversation.participants), participant_ids, strict=True)
        )
        with transaction() as session:
            statement_ids = insert_returning_ids(
                session,
                models.Statement,
                _statement_rows(conversation, dialogue_id, participant_map, now),
                on_batch=lambda n: progress(task, n, total),
            )
        comment_map = dict(zip((c.comment_id for c in conversation.comments), statement_ids, strict=True))
        n_votes = len(conversation.vote_value)
        if n_votes:
            voters = np.vectorize(participant_map.__getitem__, otypes=[np.int64])(
                conversation.vote_participant
            )
            comments = np.vectorize(comment_map.__getitem__, otypes=[np.int64])(conversation.vote_comment)
            times = [_ms_to_datetime(t) for t in conversation.vote_timestamp_ms.tolist()]
            for start in range(0, n_votes, STAGED_VOTES):
                stop = min(start + STAGED_VOTES, n_votes)
                with transaction() as session:
                    insert_vote_events(
                        session,
                        dialogue_id=dialogue_id,
                        participant_ids=voters[start:stop],
                        statement_ids=comments[start:stop],
                        values=conversation.vote_value[start:stop],
                        times=times[start:stop],
                        on_batch=lambda n: progress(task, n, total),
                        refresh=False,
                    )
            for low, high, events in _vote_ranges(voters, STAGED_VOTES):
                with transaction() as session:
                    refresh_current_votes(session, dialogue_id, (low, high))
                progress(task, events, total)
        with transaction() as session:  # fresh statistics before anyone reads it (PostgreSQL's planner)
            refresh_statistics(session)
        # The switch: the dialogue appears whole, or (a slug taken since) not at all.
        with transaction() as session:
            if dialogue_by_slug(session, slug) is not None:
                raise Conflict(
                    f"a dialogue called {slug!r} was made during the import; choose another with --slug"
                )
            session.get_one(models.Dialogue, dialogue_id).slug = slug
    except BaseException:
        discard_dialogue(transaction, dialogue_id)
        raise
    return ImportSummary(
        slug=slug,
        participants=len(participant_ids),
        statements=len(statement_ids),
        vote_events=n_votes,
        votes_source=conversation.votes_source,
        warnings=conversation.warnings,
    )


def _vote_ranges(voters: NDArray[np.int64], per_range: int) -> list[tuple[int, int, int]]:
    """(lowest, highest participant id, vote events) of consecutive participant ranges of about `per_range` events
    each (one participant's votes are never split), so each refresh transaction reads a bounded number of votes
    whatever the participants' activity."""
    ids, counts = np.unique(voters, return_counts=True)
    ranges = []
    start, events = 0, 0
    for i, n in enumerate(counts.tolist()):
        events += n
        if events >= per_range or i == len(ids) - 1:
            ranges.append((int(ids[start]), int(ids[i]), events))
            start, events = i + 1, 0
    return ranges


def discard_dialogue(transaction: Transaction, dialogue_id: int) -> None:
    """Remove a dialogue and everything in it, a few thousand participants' votes per transaction.

    One cascading DELETE of millions of votes would hold SQLite's write lock as long as the import did.
    """
    with transaction() as session:
        people = list(
            session.scalars(
                select(models.Participant.id)
                .where(models.Participant.dialogue_id == dialogue_id)
                .order_by(models.Participant.id)
            )
        )
    for start in range(0, len(people), STAGED_PEOPLE):
        low, high = people[start], people[min(start + STAGED_PEOPLE, len(people)) - 1]
        with transaction() as session:
            for table in (models.CurrentVote, models.Vote):
                session.execute(
                    delete(table).where(
                        table.dialogue_id == dialogue_id, table.participant_id.between(low, high)
                    )
                )
    with transaction() as session:
        for table in (models.CurrentVote, models.Vote):  # votes of participants added after the list was read
            session.execute(delete(table).where(table.dialogue_id == dialogue_id))
        session.execute(delete(models.Dialogue).where(models.Dialogue.id == dialogue_id))


def _polis_ids(external_ids: list[str | None], own_ids: list[int]) -> list[int]:
    """Keep the source's integer ids when every row has a distinct one; otherwise number rows by our own ids."""
    if external_ids and all(e is not None and e.isdigit() for e in external_ids):
        numbers = [int(e) for e in external_ids if e is not None]
        if len(set(numbers)) == len(numbers):
            return numbers
    return own_ids


def conversation_from_store(session: Session, dialogue: models.Dialogue) -> PolisConversation:
    """The dialogue as a Pol.is conversation: statements as comments, the full vote history as votes.csv."""
    participants = list(
        session.scalars(
            select(models.Participant)
            .where(models.Participant.dialogue_id == dialogue.id)
            .order_by(models.Participant.id)
        )
    )
    statements = list(
        session.scalars(
            select(models.Statement)
            .where(models.Statement.dialogue_id == dialogue.id)
            .order_by(models.Statement.id)
        )
    )
    participant_numbers = dict(
        zip(
            (p.id for p in participants),
            _polis_ids([p.external_id for p in participants], [p.id for p in participants]),
            strict=True,
        )
    )
    comment_numbers = dict(
        zip(
            (s.id for s in statements),
            _polis_ids([s.external_id for s in statements], [s.id for s in statements]),
            strict=True,
        )
    )
    # Statements without an author (seed statements) are credited to the dialogue's moderators in Pol.is;
    # we use participant number -1 only if needed and never collide with a real one.
    orphan_author = min(participant_numbers.values(), default=0) - 1 if participant_numbers else -1
    p, s, v, times = vote_history(session, dialogue.id)
    to_p = np.vectorize(participant_numbers.__getitem__, otypes=[np.int64])
    to_s = np.vectorize(comment_numbers.__getitem__, otypes=[np.int64])
    ms = np.asarray([-1 if t is None else round(t.timestamp() * 1000) for t in times], dtype=np.int64)
    return PolisConversation(
        comments=tuple(
            PolisComment(
                comment_id=comment_numbers[st.id],
                author_id=participant_numbers[st.author_id] if st.author_id is not None else orphan_author,
                text=st.text,
                moderated=st.moderation.polis_value,
                timestamp_ms=round(st.created_at.timestamp() * 1000),
                is_meta=st.is_meta,
                is_seed=st.is_seed,
            )
            for st in sorted(statements, key=lambda st: comment_numbers[st.id])
        ),
        participants=tuple(
            PolisParticipant(participant_numbers[pp.id], pp.external_ref, pp.external_group)
            for pp in sorted(participants, key=lambda pp: participant_numbers[pp.id])
        ),
        vote_participant=to_p(p) if len(p) else p,
        vote_comment=to_s(s) if len(s) else s,
        vote_value=v,
        vote_timestamp_ms=ms,
        summary={"topic": dialogue.title, "conversation-description": dialogue.description},
    )


def export_polis(session: Session, dialogue: models.Dialogue, folder: str | Path) -> list[Path]:
    return write_polis(conversation_from_store(session, dialogue), folder)

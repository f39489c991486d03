"""The vote writer: one thread writes every vote the web receives, many votes per durable commit (group commit).

Why: each request committing on its own pays one fsync per vote, and on SQLite every writer also queues for the
single write lock; at a few hundred votes a second that, not Python, is the limit. Here a request hands its
checked vote to the writer and waits; the writer takes everything that queued up while the previous commit was
flushing, writes it in one transaction (store.vote_batch) and only after the commit returned answers each
waiting request. So every acknowledged vote is durable before its 2xx is sent, and under load one fsync covers
dozens of votes. With one vote at a time it costs what a direct commit costs, plus a thread hand-off.

If a batch fails as a whole (say a participant was deleted meanwhile and a foreign key refuses one row), each of
its votes is retried in its own transaction, so one bad vote never takes the others down with it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.domain import Moderation
from workingup.services.database import Database
from workingup.services.errors import Conflict, Forbidden, NotFound, ServiceError, Unauthenticated
from workingup.services.participation import VotingProgress, vote_refusal
from workingup.store import make_engine, make_sessionmaker, models
from workingup.store.vote_batch import KeyReused, NewVote, record_votes

log = logging.getLogger(__name__)

MAX_BATCH = 512
"""Votes per transaction at most: bounds the time one commit holds SQLite's write lock."""


@dataclass(frozen=True, slots=True)
class VoteRequest:
    """A vote as the API received it: who is asking is only known by their token's digest until checked."""

    slug: str
    token_hash: str
    statement_id: int
    value: int
    request_key: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    vote_id: int
    statement_id: int
    value: int
    replayed: bool
    dialogue_id: int
    progress: VotingProgress


@dataclass
class _Pending:
    request: VoteRequest
    future: Future[Receipt] = field(default_factory=Future)


def _check(session: Session, requests: Sequence[VoteRequest]) -> list[NewVote | ServiceError]:
    """Authenticate and check a batch of requests with three queries (a fourth for tokens no participant has),
    by the rules of `vote_refusal`."""
    dialogues: dict[str, int] = dict(
        session.execute(
            select(models.Dialogue.slug, models.Dialogue.id).where(
                models.Dialogue.slug.in_({r.slug for r in requests})
            )
        ).all()
    )
    participants = {
        digest: (pid, did, consented is not None)
        for digest, pid, did, consented in session.execute(
            select(
                models.Participant.token_hash,
                models.Participant.id,
                models.Participant.dialogue_id,
                models.Participant.consented_at,
            ).where(models.Participant.token_hash.in_({r.token_hash for r in requests}))
        )
    }
    unknown = {r.token_hash for r in requests} - participants.keys()
    facilitators = (
        set(
            session.scalars(
                select(models.FacilitatorSession.token_hash).where(
                    models.FacilitatorSession.token_hash.in_(unknown)
                )
            )
        )
        if unknown
        else set()
    )
    statements = {
        sid: (did, moderation)
        for sid, did, moderation in session.execute(
            select(models.Statement.id, models.Statement.dialogue_id, models.Statement.moderation).where(
                models.Statement.id.in_({r.statement_id for r in requests})
            )
        )
    }
    out: list[NewVote | ServiceError] = []
    for r in requests:
        dialogue_id = dialogues.get(r.slug)
        participant = participants.get(r.token_hash)
        refusal: ServiceError | None
        if dialogue_id is None:
            refusal = NotFound(f"no dialogue called {r.slug!r}")
        elif participant is None and r.token_hash in facilitators:
            refusal = Forbidden(
                "facilitators cannot vote with their session; join the dialogue as a participant"
            )
        elif participant is None:
            refusal = Unauthenticated("unknown participant token")
        elif participant[1] != dialogue_id:
            refusal = Forbidden("this token belongs to a participant of another dialogue")
        else:
            refusal = vote_refusal(
                dialogue_id, participant[1], participant[2], r.statement_id, statements.get(r.statement_id)
            )
        if refusal is not None:
            out.append(refusal)
        else:
            assert participant is not None
            assert dialogue_id is not None
            out.append(NewVote(dialogue_id, participant[0], r.statement_id, r.value, r.request_key))
    return out


def _progress(session: Session, votes: Sequence[NewVote]) -> dict[int, VotingProgress]:
    """Each voter's progress after the batch, in two grouped queries (inside its transaction, so exact)."""
    accepted = models.Statement.moderation == Moderation.ACCEPTED
    totals: dict[int, int] = dict(
        session.execute(
            select(models.Statement.dialogue_id, func.count())
            .where(models.Statement.dialogue_id.in_({v.dialogue_id for v in votes}), accepted)
            .group_by(models.Statement.dialogue_id)
        ).all()
    )
    voted: dict[int, int] = dict(
        session.execute(
            select(models.CurrentVote.participant_id, func.count())
            .join(models.Statement, models.Statement.id == models.CurrentVote.statement_id)
            .where(models.CurrentVote.participant_id.in_({v.participant_id for v in votes}), accepted)
            .group_by(models.CurrentVote.participant_id)
        ).all()
    )
    return {
        v.participant_id: VotingProgress(
            voted=voted.get(v.participant_id, 0), total=totals.get(v.dialogue_id, 0)
        )
        for v in votes
    }


class VoteWriter:
    def __init__(self, database: Database, max_batch: int = MAX_BATCH) -> None:
        self.database = database
        self.max_batch = max_batch
        # A connection of its own: drawn from the shared pool, it would queue behind the very requests that
        # wait for it to commit.
        self._engine = make_engine(database.url, pool_size=1, max_overflow=0)
        self._sessions = make_sessionmaker(self._engine)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.batches = 0
        self.votes = 0
        self._thread = threading.Thread(target=self._loop, name="vote-writer", daemon=True)
        self._thread.start()

    def submit(self, request: VoteRequest) -> Future[Receipt]:
        """Queue `request`; the future holds the receipt once the vote is committed (or why it was refused)."""
        pending = _Pending(request)
        with self._lock:
            if self._closed:
                raise ServiceError("the server is shutting down; please try again in a moment")
            self._queue.put(pending)
        return pending.future

    def write(self, request: VoteRequest, timeout: float = 60.0) -> Receipt:
        """Queue `request` and wait until its vote is durably committed."""
        return self.submit(request).result(timeout)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        outcomes: list[Receipt | ServiceError] = []
        try:
            with self._sessions() as session, session.begin():
                checked = _check(session, [p.request for p in batch])
                votes = [c for c in checked if isinstance(c, NewVote)]
                stored = iter(record_votes(session, votes))
                progress = _progress(session, votes) if votes else {}
                for c in checked:
                    if not isinstance(c, NewVote):
                        outcomes.append(c)
                        continue
                    result = next(stored)
                    if isinstance(result, KeyReused):
                        outcomes.append(Conflict(str(result)))
                    else:
                        outcomes.append(
                            Receipt(
                                result.vote_id,
                                result.statement_id,
                                result.value,
                                result.replayed,
                                c.dialogue_id,
                                progress[c.participant_id],
                            )
                        )
        except Exception as error:
            if len(batch) > 1:
                for pending in batch:
                    self._write([pending])
                return
            log.exception("writing a vote failed")
            batch[0].future.set_exception(error)
            return
        # Only now, after the commit returned: an answer is a promise that the vote is on disk.
        self.batches += 1
        self.votes += len(batch)
        for pending, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, ServiceError):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)

    def close(self) -> None:
        """Write what is queued, then stop: a vote accepted before shutdown is still answered."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join(timeout=30)
        self._engine.dispose()

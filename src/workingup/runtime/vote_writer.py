"""The vote writer: every vote the web receives, written many to a durable commit (group commit), on the event loop.

Why group commit: each request committing on its own pays one fsync per vote, and on SQLite every writer also
queues for the single write lock. Here a request hands its vote to the writer and waits; the writer takes every
vote that arrived while the previous batch was being written, authenticates and checks them together, writes them
with one durable commit (store.vote_batch; on PostgreSQL store.vote_batch_pg, a read and one writing statement),
and only after the commit returned answers each waiting request. So every acknowledged vote is durable before its
2xx is sent, and under load one fsync covers dozens of votes; with one vote at a time it costs what a direct commit
costs.

Why on the event loop and not in a thread of its own (as it first was): measured under load
(benchmarks/load/README.md), a batch of 25 votes took 53 ms of wall time for 11 ms of CPU in the writer thread —
each of its database calls lets go of the GIL, and getting it back from the busy event-loop thread costs up to
the interpreter's switch interval each time. On the loop there is no hand-off: a batch runs between two rounds
of reading requests, and the requests read meanwhile form the next batch. The price is that the loop waits while
a batch is written (a few milliseconds). A lock held by another writer must not make it wait longer, so the
writer's SQLite connection gives up on a busy lock after BUSY_MS; the batch is then tried again a moment later,
with the loop serving other requests in between, and no vote is refused for it.

If a batch fails as a whole (say a participant was deleted meanwhile and a foreign key refuses one row), each of
its votes is retried in its own transaction, so one bad vote never takes the others down with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import BindParameter, Connection, Engine, bindparam, func, make_url, select
from sqlalchemy.exc import OperationalError

from workingup.domain import MAX_ID, Moderation
from workingup.runtime.database import Database
from workingup.services.errors import Conflict, Forbidden, NotFound, ServiceError, Unauthenticated
from workingup.services.participation import VotingProgress, vote_refusal
from workingup.services.voting import Receipt, VoteRequest
from workingup.store import make_engine, models
from workingup.store.models import utcnow
from workingup.store.vote_batch import Facts, KeyReused, NewVote, StoredVote, finish, plan_votes, record_votes
from workingup.store.vote_batch_pg import read_facts, write_votes

log = logging.getLogger(__name__)

MAX_BATCH = 512
"""Votes per transaction at most: bounds the time one commit holds SQLite's write lock and the loop waits."""

BUSY_MS = 20
"""How long the writer's SQLite connection waits for a lock another writer holds before the batch steps aside."""


class _Busy(Exception):
    """Another writer holds SQLite's lock: try the batch again shortly."""


def _in(name: str) -> BindParameter[Any]:
    return bindparam(name, expanding=True)


# Built once: constructing and coercing these expressions for every batch was a third of a batch's CPU (cProfile
# of `_statements`, 25 votes); the values come in as expanding parameters.
_DIALOGUES = select(models.Dialogue.slug, models.Dialogue.id, models.Dialogue.voting_closed_at).where(
    models.Dialogue.slug.in_(_in("slugs"))
)
_PARTICIPANTS = select(
    models.Participant.token_hash,
    models.Participant.id,
    models.Participant.dialogue_id,
    models.Participant.consented_at,
).where(models.Participant.token_hash.in_(_in("digests")))
_FACILITATORS = select(models.FacilitatorSession.token_hash).where(
    models.FacilitatorSession.token_hash.in_(_in("digests"))
)
_STATEMENTS = select(models.Statement.id, models.Statement.dialogue_id, models.Statement.moderation).where(
    models.Statement.id.in_(_in("ids"))
)
_ACCEPTED = models.Statement.moderation == Moderation.ACCEPTED
_TOTALS = (
    select(models.Statement.dialogue_id, func.count())
    .where(models.Statement.dialogue_id.in_(_in("dialogues")), _ACCEPTED)
    .group_by(models.Statement.dialogue_id)
)
_VOTED = (
    select(models.CurrentVote.participant_id, func.count())
    .join(models.Statement, models.Statement.id == models.CurrentVote.statement_id)
    .where(models.CurrentVote.participant_id.in_(_in("participants")), _ACCEPTED)
    .group_by(models.CurrentVote.participant_id)
)


def _read_facts(session: Connection, requests: Sequence[VoteRequest]) -> Facts:
    """What the checks need, in three queries (a fourth for tokens no participant has).

    An id beyond MAX_ID cannot name a statement and would overflow the driver's integer (a page's form may send
    any number): it is not looked up, so `vote_refusal` refuses it as an unknown statement, in its usual order."""
    facts = Facts()
    for slug, dialogue_id, closed_at in session.execute(
        _DIALOGUES, {"slugs": sorted({r.slug for r in requests})}
    ):
        facts.dialogues[slug] = dialogue_id
        if closed_at is not None:
            facts.closed[dialogue_id] = closed_at
    digests = sorted({r.token_hash for r in requests})
    facts.participants = {
        str(digest): (pid, did, consented is not None)
        for digest, pid, did, consented in session.execute(_PARTICIPANTS, {"digests": digests})
    }
    unknown = sorted(set(digests) - facts.participants.keys())
    facts.facilitators = set(session.scalars(_FACILITATORS, {"digests": unknown})) if unknown else set()
    facts.statements = {
        sid: (did, moderation)
        for sid, did, moderation in session.execute(
            _STATEMENTS, {"ids": sorted({r.statement_id for r in requests if 1 <= r.statement_id <= MAX_ID})}
        )
    }
    return facts


def _decide(facts: Facts, requests: Sequence[VoteRequest]) -> list[NewVote | ServiceError]:
    """Authenticate and check each request of a batch by the rules of `vote_refusal`, against rows read for the
    whole batch at once (by either database's path)."""
    out: list[NewVote | ServiceError] = []
    for r in requests:
        dialogue_id = facts.dialogues.get(r.slug)
        participant = facts.participants.get(r.token_hash)
        refusal: ServiceError | None
        if dialogue_id is None:
            refusal = NotFound(f"no dialogue called {r.slug!r}")
        elif participant is None and r.token_hash in facts.facilitators:
            refusal = Forbidden(
                "facilitators cannot vote with their session; join the dialogue as a participant"
            )
        elif participant is None:
            refusal = Unauthenticated("unknown participant token")
        elif participant[1] != dialogue_id:
            refusal = Forbidden("this token belongs to a participant of another dialogue")
        else:
            refusal = vote_refusal(
                dialogue_id,
                participant[1],
                participant[2],
                r.statement_id,
                facts.statements.get(r.statement_id),
                closed_at=facts.closed.get(dialogue_id),
            )
        if refusal is not None:
            out.append(refusal)
        else:
            assert participant is not None
            assert dialogue_id is not None
            out.append(NewVote(dialogue_id, participant[0], r.statement_id, r.value, r.request_key))
    return out


def _progress(session: Connection, votes: Sequence[NewVote]) -> dict[int, VotingProgress]:
    """Each voter's progress after the batch, in two grouped queries (inside its transaction, so exact)."""
    totals: dict[int, int] = dict(
        session.execute(_TOTALS, {"dialogues": sorted({v.dialogue_id for v in votes})}).all()
    )
    voted: dict[int, int] = dict(
        session.execute(_VOTED, {"participants": sorted({v.participant_id for v in votes})}).all()
    )
    return {
        v.participant_id: VotingProgress(
            voted=voted.get(v.participant_id, 0), total=totals.get(v.dialogue_id, 0)
        )
        for v in votes
    }


@dataclass
class _Written:
    """A batch's statements, run but not yet committed: what each request will be told once the commit returns."""

    checked: list[NewVote | ServiceError]
    stored: list[StoredVote | KeyReused]
    progress: dict[int, VotingProgress]


class VoteWriter:
    def __init__(self, database: Database, max_batch: int = MAX_BATCH) -> None:
        self.database = database
        self.max_batch = max_batch
        # A connection of its own, kept open: drawn from the shared pool per batch, it would queue behind the
        # page requests' threads, and (PostgreSQL) pay the pool's liveness ping every time.
        self._engine: Engine | None = None
        self._conninfo: str | None = None
        url = make_url(database.url)
        if url.get_backend_name() == "sqlite":
            self._engine = make_engine(database.url, pool_size=1, max_overflow=0)
        else:
            # psycopg's own asyncio connection: SQLAlchemy's asyncio bridge cost more CPU per batch than the SQL.
            self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connection: Connection | None = None
        self._pg: psycopg.AsyncConnection[tuple[Any, ...]] | None = None
        # The commit waits for the disk (an fsync: 0.3 ms on an idle disk, tens of ms on a busy one); it waits in
        # this thread, so the loop goes on reading the requests that will form the next batch.
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vote-commit")
        self._pending: list[tuple[VoteRequest, asyncio.Future[Receipt]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._closed = False
        self.batches = 0
        self.votes = 0
        self.deferrals = 0

    async def write(self, request: VoteRequest) -> Receipt:
        """Queue `request` and wait until its vote is durably committed (or learn why it was refused)."""
        if self._closed:
            raise ServiceError("the server is shutting down; please try again in a moment")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Receipt] = loop.create_future()
        self._pending.append((request, future))
        flusher = self._flusher
        # A test client may run each request on a loop of its own: a flusher belongs to the loop it was made on.
        if flusher is None or flusher.done() or flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        delay = 0.002
        while self._pending:
            # One round of the loop first: requests already read in this round join the batch.
            await asyncio.sleep(0)
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            requests = [r for r, _ in batch]
            try:
                outcomes = await self._write_batch(requests)
            except _Busy:
                self.deferrals += 1
                self._pending[:0] = batch
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.1)
                continue
            except Exception:  # the batch as a whole failed: each vote alone, so one bad row refuses one vote
                for item in batch:
                    try:
                        _resolve([item], [await self._write_alone(item[0])])
                    except _Busy:
                        self._pending.append(item)
                continue
            delay = 0.002
            _resolve(batch, outcomes)

    def _connect(self) -> Connection:
        if self._connection is None or self._connection.invalidated or self._connection.closed:
            assert self._engine is not None
            self._connection = self._engine.connect()
            self._connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_MS}")
            self._connection.commit()  # the PRAGMA's own implicit transaction, not a batch's
        return self._connection

    async def _connect_pg(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        if self._pg is None or self._pg.closed or self._pg.broken:
            assert self._conninfo is not None
            # Autocommit: each of store.vote_batch_pg's two statements is its own transaction, so a batch costs
            # two round trips, not four (no BEGIN, no COMMIT).
            self._pg = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        return self._pg

    def _statements(self, connection: Connection, batch: Sequence[VoteRequest]) -> _Written:
        checked = _decide(_read_facts(connection, batch), batch)
        votes = [c for c in checked if isinstance(c, NewVote)]
        stored = record_votes(connection, votes)
        return _Written(checked, stored, _progress(connection, votes) if votes else {})

    async def _run(self, batch: Sequence[VoteRequest]) -> _Written:
        """The batch's statements and its durable commit, without making the loop wait on a disk or a network.

        SQLite: the statements run on the loop (microseconds each, in-process) and the commit's fsync waits in
        the committer thread. PostgreSQL: every statement is a round trip to the server, so the batch is two
        statements (store.vote_batch_pg) awaited on psycopg's asyncio connection, the loop reading requests
        meanwhile."""
        if self._conninfo is not None:
            return await self._run_pg(batch)
        sync = self._connect()
        try:
            sync.begin()
            written = self._statements(sync, batch)
            await asyncio.get_running_loop().run_in_executor(self._committer, sync.commit)
        except Exception as error:
            try:
                sync.rollback()
            except Exception:
                sync.invalidate()
            if isinstance(error, OperationalError) and "locked" in str(error.orig):
                raise _Busy from error
            raise
        return written

    async def _run_pg(self, batch: Sequence[VoteRequest]) -> _Written:
        connection = await self._connect_pg()
        # An id beyond MAX_ID would overflow bigint: looked up as 0 (no statement), refused as unknown.
        ids = [r.statement_id if 1 <= r.statement_id <= MAX_ID else 0 for r in batch]
        try:
            facts = await read_facts(
                connection,
                [r.slug for r in batch],
                [r.token_hash for r in batch],
                ids,
                [r.request_key for r in batch],
            )
            checked = _decide(facts, batch)
            votes = [c for c in checked if isinstance(c, NewVote)]
            if not votes:
                return _Written(checked, [], {})
            plan = plan_votes(votes, facts.earlier)
            ids, counts = await write_votes(
                connection,
                [votes[i] for i in plan.fresh],
                {v.participant_id: v.dialogue_id for v in votes},
                utcnow(),
            )
        except psycopg.OperationalError:
            await connection.close()  # a dropped connection: the next batch opens a new one
            raise
        progress = {pid: VotingProgress(voted=voted, total=total) for pid, (voted, total) in counts.items()}
        return _Written(checked, finish(plan, votes, ids), progress)

    async def _write_batch(self, batch: Sequence[VoteRequest]) -> list[Receipt | BaseException]:
        written = await self._run(batch)
        # Only now, after the commit returned: an answer is a promise that the vote is on disk.
        return self._outcomes(written, len(batch))

    async def _write_alone(self, request: VoteRequest) -> Receipt | BaseException:
        """One vote in its own transaction (the rare path after a batch failed); _Busy when a lock held
        elsewhere stopped it."""
        try:
            written = await self._run([request])
        except _Busy:
            raise
        except Exception as error:
            log.exception("writing a vote failed")
            return error
        return self._outcomes(written, 1)[0]

    def _outcomes(self, written: _Written, n: int) -> list[Receipt | BaseException]:
        self.batches += 1
        self.votes += n
        stored = iter(written.stored)
        outcomes: list[Receipt | BaseException] = []
        for c in written.checked:
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
                        written.progress[c.participant_id],
                    )
                )
        return outcomes

    async def close(self) -> None:
        """Stop taking votes and write what is still waiting (the server already drained its requests)."""
        self._closed = True
        pending, self._pending = self._pending, []
        for item in pending:
            try:
                _resolve([item], [await self._write_alone(item[0])])
            except _Busy:
                _resolve([item], [ServiceError("the server is shutting down; please try again in a moment")])
        self._committer.shutdown(wait=True)
        if self._connection is not None:
            self._connection.close()
        if self._pg is not None:
            await self._pg.close()
        if self._engine is not None:
            self._engine.dispose()


def _resolve(
    batch: Sequence[tuple[VoteRequest, asyncio.Future[Receipt]]], outcomes: Sequence[Receipt | BaseException]
) -> None:
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.done():  # the request was cancelled (its client went away); its vote stands if written
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

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
from concurrent.futures import Future
from dataclasses import dataclass, field

from workingup.services.database import Database
from workingup.services.errors import Conflict, ServiceError
from workingup.store.vote_batch import KeyReused, NewVote, StoredVote, record_votes

log = logging.getLogger(__name__)

MAX_BATCH = 512
"""Votes per transaction at most: bounds the time one commit holds SQLite's write lock."""


@dataclass
class _Pending:
    vote: NewVote
    future: Future[StoredVote] = field(default_factory=Future)


class VoteWriter:
    def __init__(self, database: Database, max_batch: int = MAX_BATCH) -> None:
        self.database = database
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.batches = 0
        self.votes = 0
        self._thread = threading.Thread(target=self._loop, name="vote-writer", daemon=True)
        self._thread.start()

    def submit(self, vote: NewVote) -> Future[StoredVote]:
        """Queue `vote`; the future holds the stored vote once it is committed (or the reason it was not)."""
        pending = _Pending(vote)
        with self._lock:
            if self._closed:
                raise ServiceError("the server is shutting down; please try again in a moment")
            self._queue.put(pending)
        return pending.future

    def write(self, vote: NewVote, timeout: float = 60.0) -> StoredVote:
        """Queue `vote` and wait until it is durably committed."""
        return self.submit(vote).result(timeout)

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
        try:
            with self.database.transaction() as session:
                results = record_votes(session, [p.vote for p in batch])
        except Exception as error:
            if len(batch) > 1:
                for pending in batch:
                    self._write([pending])
                return
            log.exception("writing a vote failed")
            batch[0].future.set_exception(error)
            return
        self.batches += 1
        self.votes += len(batch)
        for pending, result in zip(batch, results, strict=True):
            if isinstance(result, KeyReused):
                pending.future.set_exception(Conflict(str(result)))
            else:
                pending.future.set_result(result)

    def close(self) -> None:
        """Write what is queued, then stop: a vote accepted before shutdown is still answered."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join(timeout=30)

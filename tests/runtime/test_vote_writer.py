"""The vote writer: many votes to one commit, each answered only after it; refusals one by one; and a lock held
elsewhere makes votes wait without stopping the event loop."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, select

from tests import aio
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.runtime.vote_writer import VoteWriter
from workingup.services.dialogues import install_definition
from workingup.services.errors import NotFound, Unauthenticated
from workingup.services.participation import Profile, join_open
from workingup.services.tokens import hash_token
from workingup.services.voting import VoteRequest
from workingup.store import models


def _world(database: Database, people: int) -> tuple[str, list[str], list[int]]:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        dialogue.open_join = True
        session.flush()
        tokens = [join_open(session, dialogue, Profile(consent=True)).token for _ in range(people)]
        statements = list(
            session.scalars(
                select(models.Statement.id)
                .where(models.Statement.dialogue_id == dialogue.id)
                .order_by(models.Statement.id)
            )
        )
        return dialogue.slug, tokens, statements


def _count(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(models.Vote)) or 0)


def test_votes_arriving_together_share_a_commit(database: Database) -> None:
    slug, tokens, statements = _world(database, 20)

    async def main() -> list[object]:
        writer = VoteWriter(database)
        try:
            requests = [
                VoteRequest(slug, hash_token(t), statements[i % 5], (i % 3) - 1, f"k{i}")
                for i, t in enumerate(tokens)
            ]
            requests.append(VoteRequest(slug, hash_token("nobody"), statements[0], 1, "x"))
            requests.append(VoteRequest(slug, hash_token(tokens[0]), 999_999, 1, "y"))
            answers = await asyncio.gather(*(writer.write(r) for r in requests), return_exceptions=True)
            assert writer.batches == 1  # all 22 were waiting when the first batch was taken
            return answers
        finally:
            await writer.close()

    answers = aio.run(main())
    receipts = answers[:20]
    assert all(not isinstance(a, BaseException) for a in receipts)
    assert isinstance(answers[20], Unauthenticated)
    assert isinstance(answers[21], NotFound)
    assert _count(database) == 20
    ids = [r.vote_id for r in receipts]  # type: ignore[union-attr]
    assert len(set(ids)) == 20
    assert ids == sorted(ids)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_lock_held_elsewhere_delays_votes_but_not_the_loop(database: Database) -> None:
    slug, tokens, statements = _world(database, 1)
    path = database.engine.url.database
    assert path is not None

    async def main() -> int:
        writer = VoteWriter(database)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            task = asyncio.create_task(
                writer.write(VoteRequest(slug, hash_token(tokens[0]), statements[0], 1, "k"))
            )
            for _ in range(60):  # ~0.3 s of the loop's own ticks while the lock is held elsewhere
                await asyncio.sleep(0.005)
            assert not task.done()
            other.execute("COMMIT")
            receipt = await asyncio.wait_for(task, 5)
            assert receipt.statement_id == statements[0]
            return writer.deferrals
        finally:
            other.close()
            await writer.close()

    deferrals = aio.run(main())
    # The writer deferred (went back to the loop) instead of waiting for the lock in it; how long the loop's
    # ticks took is a timing, for benchmarks/load (vote p99 under contention), not an assertion here: on a loaded
    # machine it failed with no fault in the code.
    assert deferrals >= 1
    assert _count(database) == 1

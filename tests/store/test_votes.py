"""Vote history is append-only; the current vote is always the newest event, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from workingup.runtime.database import Database
from workingup.store import models
from workingup.store.queries import current_votes, statement_vote_counts, vote_history
from workingup.store.votes import insert_vote_events, record_vote

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _dialogue(
    session: Session, n_participants: int = 3, n_statements: int = 2
) -> tuple[int, list[int], list[int]]:
    dialogue = models.Dialogue(slug="d", title="D")
    session.add(dialogue)
    session.flush()
    people = [models.Participant(dialogue_id=dialogue.id, external_id=str(i)) for i in range(n_participants)]
    statements = [models.Statement(dialogue_id=dialogue.id, text=f"s{i}") for i in range(n_statements)]
    session.add_all(people + statements)
    session.flush()
    return dialogue.id, [p.id for p in people], [s.id for s in statements]


def test_latest_vote_counts_and_history_is_kept(database: Database) -> None:
    with database.transaction() as session:
        d, (p0, p1, _), (s0, s1) = _dialogue(session)
        record_vote(session, dialogue_id=d, participant_id=p0, statement_id=s0, value=1, at=T0)
        record_vote(
            session, dialogue_id=d, participant_id=p0, statement_id=s0, value=-1, at=T0 + timedelta(1)
        )
        record_vote(session, dialogue_id=d, participant_id=p1, statement_id=s0, value=0, at=T0)
        record_vote(session, dialogue_id=d, participant_id=p1, statement_id=s1, value=1, at=T0)
    with database.sessions() as session:
        p, s, v = current_votes(session, d)
        assert list(zip(p.tolist(), s.tolist(), v.tolist(), strict=True)) == [
            (p0, s0, -1),
            (p1, s0, 0),
            (p1, s1, 1),
        ]
        _hp, _hs, hv, times = vote_history(session, d)
        assert hv.tolist() == [1, -1, 0, 1]
        assert times[1] == T0 + timedelta(1)
        assert times[1].tzinfo is not None
        counts = statement_vote_counts(session, d)
        assert (counts[s0].agree, counts[s0].disagree, counts[s0].passed) == (0, 1, 1)


def test_out_of_range_vote_is_refused_by_code_and_by_database(database: Database) -> None:
    with database.transaction() as session:
        d, (p0, *_), (s0, _) = _dialogue(session)
    with pytest.raises(ValueError, match="must be -1, 0 or 1"), database.transaction() as session:
        record_vote(session, dialogue_id=d, participant_id=p0, statement_id=s0, value=2)
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(models.Vote(dialogue_id=d, participant_id=p0, statement_id=s0, value=5))
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Vote)) == 0


def test_vote_for_unknown_statement_is_refused(database: Database) -> None:
    with database.transaction() as session:
        d, (p0, *_), _ = _dialogue(session)
    with pytest.raises(IntegrityError), database.transaction() as session:
        record_vote(session, dialogue_id=d, participant_id=p0, statement_id=999_999, value=1)


def test_bulk_insert_matches_one_by_one(database: Database) -> None:
    rng = np.random.default_rng(0)
    n = 3000
    with database.transaction() as session:
        d, people, statements = _dialogue(session, n_participants=40, n_statements=30)
        p = np.asarray(people)[rng.integers(0, 40, n)]
        s = np.asarray(statements)[rng.integers(0, 30, n)]
        v = rng.integers(-1, 2, n).astype(np.int8)
        batches: list[int] = []
        insert_vote_events(
            session,
            dialogue_id=d,
            participant_ids=p,
            statement_ids=s,
            values=v,
            times=[T0 + timedelta(seconds=i) for i in range(n)],
            on_batch=batches.append,
        )
        assert sum(batches) == n
    expected: dict[tuple[int, int], int] = {}
    for pi, si, vi in zip(p.tolist(), s.tolist(), v.tolist(), strict=True):
        expected[(pi, si)] = vi
    with database.sessions() as session:
        cp, cs, cv = current_votes(session, d)
        assert dict(zip(zip(cp.tolist(), cs.tolist(), strict=True), cv.tolist(), strict=True)) == expected
        assert session.scalar(select(func.count()).select_from(models.Vote)) == n


def test_bulk_insert_after_live_votes_keeps_newest(database: Database) -> None:
    with database.transaction() as session:
        d, (p0, p1, _), (s0, _) = _dialogue(session)
        record_vote(session, dialogue_id=d, participant_id=p0, statement_id=s0, value=1)
        insert_vote_events(
            session,
            dialogue_id=d,
            participant_ids=[p0, p1],
            statement_ids=[s0, s0],
            values=[-1, 1],
            times=[None, None],
        )
        record_vote(session, dialogue_id=d, participant_id=p1, statement_id=s0, value=0)
    with database.sessions() as session:
        p, _s, v = current_votes(session, d)
        assert dict(zip(p.tolist(), v.tolist(), strict=True)) == {p0: -1, p1: 0}


def test_bulk_insert_refuses_bad_values_before_writing(database: Database) -> None:
    with database.transaction() as session:
        d, (p0, *_), (s0, _) = _dialogue(session)
    with pytest.raises(ValueError, match="every vote must be"), database.transaction() as session:
        insert_vote_events(
            session,
            dialogue_id=d,
            participant_ids=[p0, p0],
            statement_ids=[s0, s0],
            values=[1, 3],
            times=[None, None],
        )
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Vote)) == 0


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.sessions() as session:
        session.add(models.Dialogue(slug="x", title="X", created_at=datetime(2026, 1, 1)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()

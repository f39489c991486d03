"""The live watch finds a scripted bloc among recent voters, says whether it is still voting, and leaves
honest recent voters alone — on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.coordination_watch import MIN_SHARED, watch
from workingup.services.dialogues import install_definition
from workingup.services.participation import accepted_ids
from workingup.store import models
from workingup.store.votes import record_vote

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _world(
    database: Database, *, honest: int, bots: int, bots_at: datetime, seed: int = 1
) -> tuple[int, list[int], dict[int, int]]:
    """A dialogue with `honest` varied voters over the last 20 minutes and `bots` identical ones at `bots_at`."""
    rng = random.Random(seed)
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        statements = accepted_ids(session, dialogue.id)
        script = {sid: rng.choice((-1, 1)) for sid in statements[: MIN_SHARED + 4]}

        def person() -> int:
            p = models.Participant(dialogue_id=dialogue.id, consented_at=NOW)
            session.add(p)
            session.flush()
            return p.id

        for _ in range(honest):
            pid = person()
            start = NOW - timedelta(minutes=rng.uniform(0.5, 20))
            for k, sid in enumerate(rng.sample(statements, 20)):
                record_vote(
                    session,
                    dialogue_id=dialogue.id,
                    participant_id=pid,
                    statement_id=sid,
                    value=rng.choice((-1, 0, 1)),
                    at=start + timedelta(seconds=5 * k),
                )
        bot_ids = []
        for b in range(bots):
            pid = person()
            bot_ids.append(pid)
            for k, (sid, value) in enumerate(script.items()):
                record_vote(
                    session,
                    dialogue_id=dialogue.id,
                    participant_id=pid,
                    statement_id=sid,
                    value=value,
                    at=bots_at + timedelta(seconds=b + k),
                )
        return dialogue.id, bot_ids, script


def test_a_bloc_voting_now_is_reported_under_way_with_what_it_pushes(database: Database) -> None:
    dialogue_id, _bots, script = _world(database, honest=25, bots=12, bots_at=NOW - timedelta(minutes=1))
    with database.sessions() as session:
        alerts = watch(session, dialogue_id, now=NOW)
    assert alerts.voters_in_window == 37
    assert [b.size for b in alerts.blocs] == [12]
    bloc = alerts.blocs[0]
    assert bloc.under_way
    assert alerts.under_way
    assert bloc.agreement == 1.0
    assert bloc.pushes, "the statements the bloc pushes are named"
    for push in bloc.pushes:
        assert script[push.statement_id] == push.vote
        assert push.text


def test_a_bloc_that_stopped_is_reported_but_not_under_way(database: Database) -> None:
    dialogue_id, _, _ = _world(database, honest=10, bots=8, bots_at=NOW - timedelta(minutes=20))
    with database.sessions() as session:
        alerts = watch(session, dialogue_id, now=NOW)
    assert [b.size for b in alerts.blocs] == [8]
    assert not alerts.under_way


def test_votes_older_than_the_window_are_not_watched(database: Database) -> None:
    dialogue_id, _, _ = _world(database, honest=10, bots=8, bots_at=NOW - timedelta(hours=2))
    with database.sessions() as session:
        alerts = watch(session, dialogue_id, now=NOW)
    assert alerts.blocs == ()
    assert alerts.voters_in_window == 10


def test_honest_recent_voters_raise_no_alert(database: Database) -> None:
    dialogue_id, _, _ = _world(database, honest=40, bots=0, bots_at=NOW, seed=3)
    with database.sessions() as session:
        alerts = watch(session, dialogue_id, now=NOW)
    assert alerts.voters_in_window == 40
    assert alerts.blocs == ()

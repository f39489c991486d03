"""PostgreSQL's two-statement vote batch (store.vote_batch_pg) against the portable one on SQLite: the same batches
of requests, hostile ones mixed in, must get the same answers and leave the same votes.

The portable path is the reference: it is the one written statement by statement, readable against the rules in
services.participation and store.vote_batch. Hypothesis draws the batches: tokens of participants of this dialogue
and of another one, one who has not consented, a facilitator's session, an unknown token; accepted, rejected,
foreign and missing statements; request keys drawn from a tiny alphabet so that replays, keys reused for another
vote, and the same key twice in one batch all happen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from tests import aio
from workingup.dialogues import load_definition
from workingup.domain import Moderation
from workingup.runtime.database import Database
from workingup.runtime.vote_writer import VoteWriter
from workingup.services.accounts import create_facilitator
from workingup.services.dialogues import install_definition
from workingup.services.participation import Profile, VotingProgress, accepted_ids, join_open
from workingup.services.tokens import hash_token
from workingup.services.voting import Receipt, VoteRequest
from workingup.store import models
from workingup.store.models import Base

pytestmark = pytest.mark.postgres

FACILITATOR = hash_token("a facilitator's session")
NOBODY = hash_token("nobody's token")


@dataclass
class World:
    database: Database
    slug: str
    other_slug: str
    statements: list[int]
    """accepted ×3, rejected, another dialogue's, one that does not exist"""


def _world(database: Database) -> World:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        dialogue.open_join = True
        accepted = accepted_ids(session, dialogue.id)[:4]
        session.get_one(models.Statement, accepted[3]).moderation = Moderation.REJECTED
        other = models.Dialogue(slug="another-dialogue", title="Another dialogue", open_join=True)
        session.add(other)
        session.flush()
        foreign = models.Statement(
            dialogue_id=other.id, text="A statement of another dialogue", moderation=Moderation.ACCEPTED
        )
        session.add(foreign)
        facilitator = create_facilitator(session, "f@example.org", "correct horse battery staple", "F")
        session.add(
            models.FacilitatorSession(
                token_hash=FACILITATOR,
                facilitator_id=facilitator.id,
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
        session.flush()
        return World(database, dialogue.slug, other.slug, [*accepted, foreign.id, 999_999])


@pytest.fixture(scope="module")
def worlds(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[World, World]]:
    template: Path = request.getfixturevalue("sqlite_template")
    path = tmp_path_factory.mktemp("batch") / "reference.db"
    shutil.copy(template, path)
    sqlite = Database.open(f"sqlite:///{path}")
    postgres = Database.open(request.getfixturevalue("postgres_url"))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with postgres.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield _world(sqlite), _world(postgres)
    finally:
        sqlite.close()
        postgres.close()


def _people(world: World) -> list[str]:
    """Fresh participants for one example (keys and progress are per participant, so examples stay apart):
    three consenting, one who has not consented, one of another dialogue; then the facilitator and nobody."""
    with world.database.transaction() as session:
        dialogue = session.scalars(select(models.Dialogue).where(models.Dialogue.slug == world.slug)).one()
        other = session.scalars(select(models.Dialogue).where(models.Dialogue.slug == world.other_slug)).one()
        tokens = [join_open(session, dialogue, Profile(consent=True)).token for _ in range(3)]
        unconsented = join_open(session, dialogue, Profile(consent=True))
        unconsented.participant.consented_at = (
            None  # as an invitee who has not yet agreed to the ground rules
        )
        tokens.append(unconsented.token)
        tokens.append(join_open(session, other, Profile(consent=True)).token)
    return [hash_token(t) for t in tokens] + [FACILITATOR, NOBODY]


# Mostly votes that count (a consenting participant, an accepted statement), so that batches revisit the same
# pairs; the rest of the time anyone and anything.
request_shape = st.tuples(
    st.one_of(st.integers(0, 2), st.integers(0, 6)),  # who: see _people
    st.one_of(st.integers(0, 2), st.integers(0, 5)),  # which statement: see World.statements
    st.sampled_from([-1, 0, 1]),
    st.one_of(st.none(), st.sampled_from("abc")),  # request key
    st.integers(0, 9).map(lambda n: n == 0),  # True: address the other dialogue's slug
)
batches = st.lists(st.lists(request_shape, min_size=1, max_size=12), min_size=2, max_size=4)


def _run(
    world: World, shape: list[list[tuple[int, int, int, str | None, bool]]]
) -> tuple[list[object], dict[object, object]]:
    people = _people(world)

    async def main() -> list[list[Receipt | BaseException]]:
        writer = VoteWriter(world.database)
        try:
            return [
                await writer._write_batch(
                    [
                        VoteRequest(
                            world.other_slug if elsewhere else world.slug,
                            people[who],
                            world.statements[which],
                            value,
                            key,
                        )
                        for who, which, value, key, elsewhere in batch
                    ]
                )
                for batch in shape
            ]
        finally:
            await writer.close()

    answers = [a for batch in aio.run(main()) for a in batch]
    ids = sorted({a.vote_id for a in answers if isinstance(a, Receipt)})
    rank = {vote_id: i for i, vote_id in enumerate(ids)}  # ids differ between databases; their order must not
    told: list[object] = [
        (type(a).__name__, str(a))
        if isinstance(a, BaseException)
        else (rank[a.vote_id], a.replayed, a.statement_id, a.value, a.progress)
        for a in answers
    ]
    index = {digest: i for i, digest in enumerate(people)}
    with world.database.sessions() as session:
        participants = dict(
            session.execute(
                select(models.Participant.id, models.Participant.token_hash).where(
                    models.Participant.token_hash.in_(people)
                )
            ).all()
        )
        stored: dict[object, object] = {
            ("current", index[participants[p]], s): v
            for p, s, v in session.execute(
                select(
                    models.CurrentVote.participant_id,
                    models.CurrentVote.statement_id,
                    models.CurrentVote.value,
                ).where(models.CurrentVote.participant_id.in_(participants))
            )
        }
        for p, n in session.execute(
            select(models.Vote.participant_id, func.count())
            .where(models.Vote.participant_id.in_(participants))
            .group_by(models.Vote.participant_id)
        ):
            stored[("history", index[participants[p]])] = n
    return told, stored


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=batches)
def test_postgresql_batches_answer_and_store_as_the_portable_path(
    worlds: tuple[World, World], shape: list[list[tuple[int, int, int, str | None, bool]]]
) -> None:
    sqlite, postgres = worlds
    # Statement ids are the same in both worlds (each database numbered them from 1 in the same order).
    assert sqlite.statements[:5] == postgres.statements[:5]
    assert _run(postgres, shape) == _run(sqlite, shape)


def test_a_batch_that_mixes_every_outcome(worlds: tuple[World, World]) -> None:
    """One fixed batch, so the outcomes compared above are known to include each kind at least once."""
    _, postgres = worlds
    shape: list[list[tuple[int, int, int, str | None, bool]]] = [
        [
            (0, 0, 1, "a", False),  # written
            (0, 0, 1, "a", False),  # the same key twice in one batch: the first's vote, replayed
            (0, 1, -1, "a", False),  # the key again for another vote: refused
            (0, 0, -1, None, False),  # a later vote on the same statement: the latest counts
            (3, 0, 1, None, False),  # not consented
            (4, 0, 1, None, False),  # another dialogue's participant
            (5, 0, 1, None, False),  # a facilitator's session
            (6, 0, 1, None, False),  # nobody
            (1, 3, 1, None, False),  # a rejected statement
            (1, 4, 1, None, False),  # another dialogue's statement
            (1, 5, 1, None, False),  # no such statement
            (1, 0, 0, None, True),  # the other dialogue's slug
        ],
        [
            (0, 0, 1, "a", False),  # a retry in a later batch: replayed
            (0, 0, 1, None, False),  # a change of mind in a later batch: counted once in the progress
            (0, 1, 1, None, False),  # a second statement
        ],
    ]
    told, stored = _run(postgres, shape)
    answers = [t for t in told if isinstance(t, tuple)]
    kinds = [a[0] if isinstance(a[0], str) else ("replayed" if a[1] else "written") for a in answers]
    assert kinds == [
        "written",
        "replayed",
        "Conflict",
        "written",
        "Forbidden",
        "Forbidden",
        "Forbidden",
        "Unauthenticated",
        "ServiceError",
        "NotFound",
        "NotFound",
        "Forbidden",
        "replayed",
        "written",
        "written",
    ]
    assert stored[("current", 0, postgres.statements[0])] == 1
    assert stored[("current", 0, postgres.statements[1])] == 1
    assert stored[("history", 0)] == 4
    first, latest = answers[0], answers[3]
    assert latest[0] > first[0]  # the later vote has the higher id
    total = len(accepted_in(postgres))
    assert latest[4] == VotingProgress(voted=1, total=total)
    # Progress is the voter's after the whole batch: the change of mind on statement 0 is not a new statement.
    assert [a[4] for a in answers[-3:]] == [VotingProgress(voted=2, total=total)] * 3


def accepted_in(world: World) -> list[int]:
    with world.database.sessions() as session:
        dialogue = session.scalars(select(models.Dialogue).where(models.Dialogue.slug == world.slug)).one()
        return accepted_ids(session, dialogue.id)

"""Writing many web votes in one transaction, each with an optional idempotency key.

Why a batch: a durable commit costs one fsync (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`),
and on a busy server that fsync, not the SQL, bounds the vote rate. The vote writer (services.vote_writer) hands
every vote that arrived while the previous commit was flushing to `record_votes`, which writes them all before one
commit. The rules are those of `store.votes.record_vote`: the history is append-only, and `current_vote` only ever
moves to a higher vote id.

A vote carrying a `request_key` that the same participant already used is not written again: the stored vote is
returned (`replayed=True`), so a client retrying after a lost answer can never count twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select

from workingup.store.models import CurrentVote, Vote, utcnow
from workingup.store.votes import _newer_wins, insert_for


@dataclass(frozen=True, slots=True)
class NewVote:
    dialogue_id: int
    participant_id: int
    statement_id: int
    value: int
    request_key: str | None = None


@dataclass(frozen=True, slots=True)
class StoredVote:
    vote_id: int
    statement_id: int
    value: int
    replayed: bool
    """True when the request key had been used before: nothing was written, this is the earlier vote."""


class KeyReused(ValueError):
    """A request key came back with a different statement or value: a client bug, refused rather than guessed."""


# Built once, values as expanding parameters: building these per batch was a large share of a batch's CPU.
_EARLIER = select(Vote.participant_id, Vote.request_key, Vote.id, Vote.statement_id, Vote.value).where(
    Vote.participant_id.in_(bindparam("participants", expanding=True)),
    Vote.request_key.in_(bindparam("keys", expanding=True)),
)
_VOTE_TABLE = Vote.__table__
assert isinstance(_VOTE_TABLE, Table)
_INSERT = insert(_VOTE_TABLE).returning(_VOTE_TABLE.c.id, sort_by_parameter_order=True)


@cache
def _upsert(dialect: str) -> Insert:
    """`current_vote` moves to the newer vote: the statement for this database, built once."""
    return _newer_wins(insert_for(dialect, CurrentVote))


def _earlier(session: Connection, votes: Sequence[NewVote]) -> dict[tuple[int, str], StoredVote]:
    keys = {(v.participant_id, v.request_key) for v in votes if v.request_key is not None}
    if not keys:
        return {}
    # Two IN lists, not one IN of (participant, key) pairs: SQLite plans the pair form as a scan of the whole
    # index, which grows with every vote (the load profile caught it); this form is a seek per pair. The cross
    # pairs it may also return are dropped below.
    rows = session.execute(
        _EARLIER, {"participants": sorted({p for p, _ in keys}), "keys": sorted({k for _, k in keys})}
    ).all()
    return {(p, str(k)): StoredVote(i, s, v, replayed=True) for p, k, i, s, v in rows if (p, str(k)) in keys}


def record_votes(
    session: Connection, votes: Sequence[NewVote], at: datetime | None = None
) -> list[StoredVote | KeyReused]:
    """Append `votes` in order and bring `current_vote` up to date; the caller owns (and commits) the transaction.

    Returns, for each vote in order, what was stored for it — or KeyReused for a key used with another vote.
    """
    for vote in votes:
        if vote.value not in (-1, 0, 1):
            raise ValueError(f"vote must be -1, 0 or 1, not {vote.value!r}")
    when = at or utcnow()
    known = _earlier(session, votes)
    results: list[StoredVote | KeyReused | None] = [None] * len(votes)
    fresh: list[int] = []
    first_of_key: dict[tuple[int, str], int] = {}
    for i, vote in enumerate(votes):
        key = (vote.participant_id, vote.request_key) if vote.request_key is not None else None
        if key is not None and key in known:
            results[i] = _replay(known[key], vote)
        elif key is not None and key in first_of_key:
            continue  # the same key twice in one batch: answered from the first once it has an id
        else:
            if key is not None:
                first_of_key[key] = i
            fresh.append(i)
    if fresh:
        ids = session.scalars(
            _INSERT,
            [
                {
                    "dialogue_id": votes[i].dialogue_id,
                    "participant_id": votes[i].participant_id,
                    "statement_id": votes[i].statement_id,
                    "value": votes[i].value,
                    "simulated": False,
                    "created_at": when,
                    "request_key": votes[i].request_key,
                }
                for i in fresh
            ],
        ).all()
        newest: dict[tuple[int, int], dict[str, object]] = {}
        for i, vote_id in zip(fresh, ids, strict=True):
            vote = votes[i]
            results[i] = StoredVote(vote_id, vote.statement_id, vote.value, replayed=False)
            # One row per pair: PostgreSQL refuses an upsert that touches the same row twice in one statement.
            newest[(vote.participant_id, vote.statement_id)] = {
                "participant_id": vote.participant_id,
                "statement_id": vote.statement_id,
                "dialogue_id": vote.dialogue_id,
                "value": vote.value,
                "vote_id": vote_id,
                "updated_at": when,
            }
        rows = list(newest.values())
        if session.dialect.name == "postgresql":
            # One statement of many rows: there every row of an executemany is a statement of its own (4.9 ms
            # for 25 rows against 2.7 ms). SQLite's executemany is a loop in C, cheaper than compiling this.
            session.execute(_upsert("postgresql").values(rows))
        else:
            session.execute(_upsert(session.dialect.name), rows)
    for i, vote in enumerate(votes):
        if results[i] is None and vote.request_key is not None:
            first = results[first_of_key[(vote.participant_id, vote.request_key)]]
            assert isinstance(first, StoredVote)
            results[i] = _replay(StoredVote(first.vote_id, first.statement_id, first.value, True), vote)
    return [r for r in results if r is not None]


def _replay(stored: StoredVote, vote: NewVote) -> StoredVote | KeyReused:
    if stored.statement_id != vote.statement_id or stored.value != vote.value:
        return KeyReused(
            f"request key {vote.request_key!r} was already used for another vote "
            f"(statement {stored.statement_id}, value {stored.value})"
        )
    return stored

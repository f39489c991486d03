"""Writing many web votes in one transaction, each with an optional idempotency key.

Why a batch: a durable commit costs one fsync (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`),
and on a busy server that fsync, not the SQL, bounds the vote rate. The vote writer (runtime.vote_writer) hands
every vote that arrived while the previous commit was flushing to `record_votes`, which writes them all before one
commit. The rules are those of `store.votes.record_vote`: the history is append-only, and `current_vote` only ever
moves to a higher vote id.

A vote carrying a `request_key` that the same participant already used is not written again: the stored vote is
returned (`replayed=True`), so a client retrying after a lost answer can never count twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select

from workingup.domain import Moderation
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


@dataclass
class Facts:
    """What the checks of a batch need, in the shapes the vote writer's rules read."""

    dialogues: dict[str, int] = field(default_factory=dict)
    closed: dict[int, datetime] = field(default_factory=dict)
    """dialogue id -> when its voting closed (only dialogues whose voting is closed)"""
    participants: dict[str, tuple[int, int, bool]] = field(default_factory=dict)
    """token digest -> (participant id, its dialogue id, consented)"""
    facilitators: set[str] = field(default_factory=set)
    statements: dict[int, tuple[int, Moderation]] = field(default_factory=dict)
    earlier: dict[tuple[int, str], StoredVote] = field(default_factory=dict)
    """(participant id, request key) -> the vote already stored under that key. Read with the rest by the
    PostgreSQL path; the portable path looks the keys up inside `record_votes`, once it knows the participants."""


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


@dataclass
class Plan:
    """Which votes of a batch are written and which are answered from an earlier vote with the same key."""

    results: list[StoredVote | KeyReused | None]
    fresh: list[int]
    """Indices of the votes to append, in order: their ids must rise in this order ("the latest counts")."""
    first_of_key: dict[tuple[int, str], int]


def plan_votes(votes: Sequence[NewVote], known: dict[tuple[int, str], StoredVote]) -> Plan:
    """Split a batch by its request keys, given the votes `known` to be stored under them already.

    Shared by both ways of writing a batch (this module's, and store.vote_batch_pg's single statement), so the
    idempotency rules are stated once."""
    for vote in votes:
        if vote.value not in (-1, 0, 1):
            raise ValueError(f"vote must be -1, 0 or 1, not {vote.value!r}")
    plan = Plan([None] * len(votes), [], {})
    for i, vote in enumerate(votes):
        key = (vote.participant_id, vote.request_key) if vote.request_key is not None else None
        if key is not None and key in known:
            plan.results[i] = _replay(known[key], vote)
        elif key is not None and key in plan.first_of_key:
            continue  # the same key twice in one batch: answered from the first once it has an id
        else:
            if key is not None:
                plan.first_of_key[key] = i
            plan.fresh.append(i)
    return plan


def finish(plan: Plan, votes: Sequence[NewVote], ids: Sequence[int]) -> list[StoredVote | KeyReused]:
    """What each vote of the batch was stored as, once the fresh ones have their ids (in `plan.fresh` order)."""
    if len(ids) != len(plan.fresh):
        raise RuntimeError(f"{len(plan.fresh)} votes written but {len(ids)} ids returned")
    results = list(plan.results)
    for i, vote_id in zip(plan.fresh, ids, strict=True):
        results[i] = StoredVote(vote_id, votes[i].statement_id, votes[i].value, replayed=False)
    for i, vote in enumerate(votes):
        if results[i] is None and vote.request_key is not None:
            first = results[plan.first_of_key[(vote.participant_id, vote.request_key)]]
            assert isinstance(first, StoredVote)
            results[i] = _replay(StoredVote(first.vote_id, first.statement_id, first.value, True), vote)
    return [r for r in results if r is not None]


def record_votes(
    session: Connection, votes: Sequence[NewVote], at: datetime | None = None
) -> list[StoredVote | KeyReused]:
    """Append `votes` in order and bring `current_vote` up to date; the caller owns (and commits) the transaction.

    Returns, for each vote in order, what was stored for it — or KeyReused for a key used with another vote.
    """
    when = at or utcnow()
    plan = plan_votes(votes, _earlier(session, votes))
    ids: list[int] = []
    if plan.fresh:
        ids = list(
            session.scalars(
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
                    for i in plan.fresh
                ],
            ).all()
        )
        newest: dict[tuple[int, int], dict[str, object]] = {}
        for i, vote_id in zip(plan.fresh, ids, strict=True):
            vote = votes[i]
            # One row per pair: PostgreSQL refuses an upsert that touches the same row twice in one statement.
            newest[(vote.participant_id, vote.statement_id)] = {
                "participant_id": vote.participant_id,
                "statement_id": vote.statement_id,
                "dialogue_id": vote.dialogue_id,
                "value": vote.value,
                "vote_id": vote_id,
                "updated_at": when,
            }
        session.execute(_upsert(session.dialect.name), list(newest.values()))
    return finish(plan, votes, ids)


def _replay(stored: StoredVote, vote: NewVote) -> StoredVote | KeyReused:
    if stored.statement_id != vote.statement_id or stored.value != vote.value:
        return KeyReused(
            f"request key {vote.request_key!r} was already used for another vote "
            f"(statement {stored.statement_id}, value {stored.value})"
        )
    return stored

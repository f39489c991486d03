"""Casting a vote: the one path every door takes (the vote lane, the API route, the voting and "my votes" pages).

Why one path: the three doors used to write votes three ways, and the pages skipped the group commit and the
idempotency key. Now each door only authenticates its own way (a bearer token, a cookie) and limits the rate;
`cast` checks the vote, hands it to the group-committing writer (`runtime.vote_writer`, behind the `VoteSink`
protocol, so this module does not depend on the machinery), and once the vote is durable tells the analysis that
votes arrived. The rules of voting themselves are `participation.vote_refusal`, which the writer applies to each
vote of a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from workingup.services.errors import ServiceError
from workingup.services.participation import VotingProgress

MAX_KEY = 64
"""The longest idempotency key a client may send."""


@dataclass(frozen=True, slots=True)
class VoteRequest:
    """A vote as a door received it: who is asking is only known by their token's digest until checked."""

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


class VoteSink(Protocol):
    """What writes votes durably: `runtime.vote_writer.VoteWriter` (many votes to one commit)."""

    async def write(self, request: VoteRequest) -> Receipt: ...


async def cast(sink: VoteSink, votes_arrived: Callable[[int], None], request: VoteRequest) -> Receipt:
    """Check the vote's shape, write it durably (or learn why it is refused), then tell the analysis.

    The answer is only returned after the commit, so a door that redirects to a page showing the vote, or an
    analysis started by `votes_arrived`, always sees it."""
    if request.value not in (-1, 0, 1):
        raise ServiceError("a vote is -1 (disagree), 0 (pass) or 1 (agree)")
    if request.request_key is not None and not 1 <= len(request.request_key) <= MAX_KEY:
        raise ServiceError(f"an idempotency key has 1 to {MAX_KEY} characters")
    receipt = await sink.write(request)
    votes_arrived(receipt.dialogue_id)
    return receipt

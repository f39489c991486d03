"""The API's vote, as both of its doors carry it out: the vote lane (web/vote_lane.py) in front of FastAPI and
the `cast_vote` route behind it. Here, and only here, an API vote is limited and turned into a receipt; the vote
itself is `services.voting.cast`, the path the pages take too."""

from __future__ import annotations

from workingup.services import voting
from workingup.services.tokens import hash_token
from workingup.web.limits import spend
from workingup.web.schemas import ProgressOut, VoteOut
from workingup.web.state import AppState


async def cast_api_vote(
    state: AppState, slug: str, token: str, statement_id: int, value: int, key: str | None
) -> VoteOut:
    """Limit, write (durably), receipt. The token is only hashed here: the vote writer authenticates a batch of
    requests at a time, and the answer waits on the event loop, not in a worker thread, until the vote is
    committed."""
    digest = hash_token(token)
    spend(state.limiters, "votes", digest)
    receipt = await voting.cast(
        state.vote_writer,
        state.analyses.votes_arrived,
        voting.VoteRequest(slug, digest, statement_id, value, key),
    )
    p = receipt.progress
    return VoteOut(
        vote_id=receipt.vote_id,
        replayed=receipt.replayed,
        statement_id=receipt.statement_id,
        value=receipt.value,
        progress=ProgressOut(voted=p.voted, total=p.total, remaining=p.remaining),
    )

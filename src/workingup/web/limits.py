"""Applying the rate limits (ratelimit.py) to a request: one limiter per action, keyed by participant."""

from __future__ import annotations

from fastapi import Request

from workingup.web.errors import RateLimited
from workingup.web.ratelimit import RateLimiter, RateLimits


def make_limiters(limits: RateLimits) -> dict[str, RateLimiter]:
    return {"votes": RateLimiter(limits.votes), "statements": RateLimiter(limits.statements)}


def check_limit(request: Request, action: str, participant_id: int) -> None:
    limiter: RateLimiter = request.app.state.limiters[action]
    if not limiter.allow(participant_id):
        raise RateLimited(
            f"too many {action} in a short time; please wait a moment", limiter.retry_after(participant_id)
        )

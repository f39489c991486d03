"""Applying the rate limits (ratelimit.py) to a request: one limiter per action, keyed by participant."""

from __future__ import annotations

from fastapi import Request

from workingup.web.errors import RateLimited
from workingup.web.ratelimit import RateLimiter, RateLimits

WHAT = {"votes": "votes", "statements": "statements submitted", "sign_in": "sign-in attempts"}


def make_limiters(limits: RateLimits) -> dict[str, RateLimiter]:
    return {
        "votes": RateLimiter(limits.votes),
        "statements": RateLimiter(limits.statements),
        "sign_in": RateLimiter(limits.sign_in),
    }


def check_limit(request: Request, action: str, key: int | str) -> None:
    """Spend one token of `key`'s bucket for `action` (a participant id, or an e-mail address for sign-in)."""
    spend(request.app.state.limiters, action, key)


def spend(limiters: dict[str, RateLimiter], action: str, key: int | str) -> None:
    """`check_limit` for callers that hold the limiters but no Request (the vote lane)."""
    limiter = limiters[action]
    if not limiter.allow(key):
        what = action.replace("_", "-")
        raise RateLimited(
            f"too many {what} attempts in a short time; please wait a moment", limiter.retry_after(key)
        )

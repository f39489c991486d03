"""Applying the rate limits (ratelimit.py) to a request: one limiter per action, keyed by participant, e-mail
address or (joining) the client's address."""

from __future__ import annotations

from fastapi import Request

from workingup.web.errors import RateLimited
from workingup.web.ratelimit import RateLimiter, RateLimits
from workingup.web.state import app_state


def make_limiters(limits: RateLimits) -> dict[str, RateLimiter]:
    return {
        "votes": RateLimiter(limits.votes),
        "statements": RateLimiter(limits.statements),
        "sign_in": RateLimiter(limits.sign_in),
        "joins": RateLimiter(limits.joins),
    }


def client_address(request: Request) -> str:
    """The client's IP address: behind a proxy the one it forwarded, when the proxy is trusted
    (WORKINGUP_TRUSTED_PROXIES; uvicorn rewrites the client from X-Forwarded-For only for those)."""
    return request.client.host if request.client else "unknown"


def check_limit(request: Request, action: str, key: int | str) -> None:
    """Spend one token of `key`'s bucket for `action` (a participant id, or an e-mail address for sign-in)."""
    spend(app_state(request).limiters, action, key)


def spend(limiters: dict[str, RateLimiter], action: str, key: int | str) -> None:
    """`check_limit` for callers that hold the limiters but no Request (the vote lane)."""
    limiter = limiters[action]
    if not limiter.allow(key):
        what = action.replace("_", "-")
        raise RateLimited(
            f"too many {what} attempts in a short time; please wait a moment", limiter.retry_after(key)
        )

"""Applying the rate limits (ratelimit.py) to a request: one limiter per action, keyed by participant, the
client's address (joining), or the client's address with and without the account (failed sign-ins)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from workingup.services.accounts import AuthenticationFailed
from workingup.web.errors import RateLimited
from workingup.web.ratelimit import RateLimiter, RateLimits
from workingup.web.state import app_state


def make_limiters(limits: RateLimits) -> dict[str, RateLimiter]:
    return {
        "votes": RateLimiter(limits.votes),
        "statements": RateLimiter(limits.statements),
        "sign_in": RateLimiter(limits.sign_in),
        "sign_in_address": RateLimiter(limits.sign_in_address),
        "joins": RateLimiter(limits.joins),
    }


def client_address(request: Request) -> str:
    """The client's IP address: behind a proxy the one it forwarded, when the proxy is trusted
    (WORKINGUP_TRUSTED_PROXIES; uvicorn rewrites the client from X-Forwarded-For only for those)."""
    return request.client.host if request.client else "unknown"


def check_limit(request: Request, action: str, key: int | str) -> None:
    """Spend one token of `key`'s bucket for `action` (a participant id, or a client address for joining)."""
    spend(app_state(request).limiters, action, key)


def spend(limiters: dict[str, RateLimiter], action: str, key: int | str) -> None:
    """`check_limit` for callers that hold the limiters but no Request (the vote lane)."""
    limiter = limiters[action]
    if not limiter.allow(key):
        what = action.removesuffix("_address").replace("_", "-")
        raise RateLimited(
            f"too many {what} attempts in a short time; please wait a moment", limiter.retry_after(key)
        )


@contextmanager
def sign_in_attempt(request: Request, email: str) -> Iterator[None]:
    """Around checking a password: refused (429) when this client address has failed too often, for this account
    or for any; only a failure (AuthenticationFailed) is counted.

    Why per address: counted per account, someone elsewhere failing with a facilitator's e-mail locked the
    facilitator out (issue 19). Now a stranger's failures only hold back the stranger's own address. The tokens
    are taken before the password is checked (so parallel guesses cannot all pass one check) and given back when
    the attempt does not fail."""
    limiters = app_state(request).limiters
    address = client_address(request)
    keys = [("sign_in_address", address), ("sign_in", f"{address} {email.strip().lower()}")]
    taken: list[tuple[str, str]] = []
    try:
        for action, key in keys:
            spend(limiters, action, key)
            taken.append((action, key))
        yield
    except AuthenticationFailed:
        raise
    except BaseException:
        for action, key in taken:
            limiters[action].refund(key)
        raise
    for action, key in taken:
        limiters[action].refund(key)

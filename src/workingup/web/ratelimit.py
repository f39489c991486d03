"""Rate limits on voting, submitting, signing in and joining, as token buckets held in the server's memory.

Why in memory: a limit exists to blunt a script hammering one server; a restart resetting the buckets costs
nothing, and a table written on every vote would double the write load of the busiest path. Behind several
server processes each one limits on its own, which still bounds the total.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from workingup.config import Settings


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: int


class RateLimiter:
    """`allow(key)` spends one token from the key's bucket; the bucket refills at `per_minute`, up to `burst`."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: object) -> bool:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.limit.burst), now))
            tokens = min(float(self.limit.burst), tokens + (now - last) * self.limit.per_minute / 60.0)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:
                self._forget_full(now)
            return True

    def refund(self, key: object) -> None:
        """Give back the token `allow(key)` took: for limits that count only failures (signing in), the token is
        taken before the attempt, so two attempts at once cannot both slip through, and returned on success."""
        with self._lock:
            found = self._buckets.get(key)
            if found is not None:
                tokens, last = found
                self._buckets[key] = (min(float(self.limit.burst), tokens + 1.0), last)

    def retry_after(self, key: object) -> int:
        """Seconds until the key's bucket holds a token again (at least 1)."""
        with self._lock:
            tokens, _ = self._buckets.get(key, (float(self.limit.burst), 0.0))
        missing = max(0.0, 1.0 - tokens)
        return max(1, int(missing * 60.0 / self.limit.per_minute + 0.999))

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        full_after = self.limit.burst * 60.0 / self.limit.per_minute
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


_DEFAULTS = Settings.defaults()
"""The vote and join limits are settings (WORKINGUP_VOTE_LIMIT, WORKINGUP_JOIN_LIMIT): their defaults are
written once, in config.SETTINGS."""


@dataclass(frozen=True)
class RateLimits:
    votes: Limit = Limit(*_DEFAULTS.vote_limit)
    """One vote a second on average, with room for a quick run through a short deck."""
    statements: Limit = Limit(per_minute=3, burst=5)
    sign_in: Limit = Limit(per_minute=5, burst=10)
    """Failed sign-ins per client address and account together: Argon2 makes each guess slow, this makes
    guessing one account's password from one machine slower. Never per account alone: then anyone could lock a
    facilitator out by failing with their address from anywhere."""
    sign_in_address: Limit = Limit(per_minute=10, burst=30)
    """Failed sign-ins per client address, whatever the account: a script trying many accounts from one machine
    is slowed; a venue's handful of facilitators behind one address mistyping now and then is not."""
    joins: Limit = Limit(*_DEFAULTS.join_limit)
    """Joins through the open link per client address: a room of sixty on one venue's Wi-Fi can join at once,
    a script minting voters from one machine gets thirty a minute (the bloc detection watches what they do)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """The limits a server runs with: votes and joins from the settings, the others fixed."""
        return cls(votes=Limit(*settings.vote_limit), joins=Limit(*settings.join_limit))

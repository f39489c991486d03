"""A debounced background refresh: many pokes in a short time become one run, and a poke never waits.

Votes arrive one by one; re-analysing after each would waste the 2 cores on work the next vote makes stale.
`poke(key)` only records that `key` (a dialogue id) is stale and, unless a run is already scheduled, starts a
timer; when it fires, the task runs in that timer's thread, one task at a time across keys. A poke during a run
schedules exactly one more run after it. A failing task is logged and does not stop later runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable

log = logging.getLogger(__name__)


class DebouncedRefresher:
    def __init__(self, task: Callable[[Hashable], None], delay: float = 5.0) -> None:
        if delay < 0:
            raise ValueError("the delay cannot be negative")
        self.task = task
        self.delay = delay
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()
        self._scheduled: dict[Hashable, threading.Timer] = {}
        self._running: set[Hashable] = set()
        self._dirty: set[Hashable] = set()
        self._closed = False
        self.runs = 0
        self.failures = 0

    def poke(self, key: Hashable) -> None:
        """Mark `key` stale; returns at once."""
        with self._lock:
            if self._closed or key in self._scheduled:
                return
            if key in self._running:
                self._dirty.add(key)
                return
            self._schedule(key)

    def _schedule(self, key: Hashable) -> None:
        timer = threading.Timer(self.delay, self._run, args=(key,))
        timer.daemon = True
        self._scheduled[key] = timer
        timer.start()

    def _run(self, key: Hashable) -> None:
        with self._lock:
            self._scheduled.pop(key, None)
            if self._closed:
                return
            self._running.add(key)
        try:
            with self._one_at_a_time:
                self.task(key)
            self.runs += 1
        except Exception:
            self.failures += 1
            log.exception("background refresh of %r failed", key)
        finally:
            with self._lock:
                self._running.discard(key)
                if key in self._dirty and not self._closed:
                    self._dirty.discard(key)
                    self._schedule(key)

    def idle(self) -> bool:
        with self._lock:
            return not self._scheduled and not self._running

    def close(self) -> None:
        """Cancel what is scheduled and wait for a running task to finish."""
        with self._lock:
            self._closed = True
            timers = list(self._scheduled.values())
            self._scheduled.clear()
        for timer in timers:
            timer.cancel()
        with self._one_at_a_time:
            pass

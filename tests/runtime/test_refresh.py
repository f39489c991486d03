"""The debounced background refresh: pokes coalesce, never block, and a poke during a run gives one more run."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

from workingup.runtime.refresh import DebouncedRefresher


def _wait_idle(refresher: DebouncedRefresher, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not refresher.idle():
        assert time.monotonic() < deadline, "the refresher never became idle"
        time.sleep(0.01)


def test_many_pokes_become_one_run_per_key() -> None:
    seen: list[Hashable] = []
    refresher = DebouncedRefresher(seen.append, delay=0.05)
    for _ in range(100):
        refresher.poke(1)
    refresher.poke(2)
    _wait_idle(refresher)
    assert sorted(seen) == [1, 2]
    assert refresher.runs == 2


def test_poke_during_a_run_schedules_exactly_one_more_and_never_blocks() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[Hashable] = []

    def slow(key: Hashable) -> None:
        calls.append(key)
        started.set()
        release.wait(5)

    refresher = DebouncedRefresher(slow, delay=0.0)
    refresher.poke("d")
    assert started.wait(5)
    t0 = time.monotonic()
    for _ in range(50):
        refresher.poke("d")  # must return at once although a run is in progress
    assert time.monotonic() - t0 < 0.5
    release.set()
    _wait_idle(refresher)
    assert calls == ["d", "d"]


def test_a_failing_task_is_counted_and_later_runs_still_happen() -> None:
    outcomes = iter([RuntimeError("boom"), None])

    def task(_key: Hashable) -> None:
        error = next(outcomes)
        if error is not None:
            raise error

    refresher = DebouncedRefresher(task, delay=0.0)
    refresher.poke(1)
    _wait_idle(refresher)
    refresher.poke(1)
    _wait_idle(refresher)
    assert (refresher.failures, refresher.runs) == (1, 1)
    refresher.close()
    refresher.poke(1)
    assert refresher.idle()

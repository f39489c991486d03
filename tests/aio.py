"""Running a coroutine to the end from a test, whatever the test's thread already runs.

Why a thread: Playwright's sync API (the browser tests) leaves an event loop running in the pytest worker's main
thread, and `asyncio.run` refuses to start inside one; which tests share a worker changes from run to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main).result()

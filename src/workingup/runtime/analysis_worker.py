"""The background analysis in a child process of its own, at a lower priority than the web server.

Why a process: an analysis is numpy/scipy/scikit-learn work with long stretches of Python between the native calls,
and in the server's own process those stretches hold the GIL, so the event loop answering votes waits on them
(a profile under load put the refresh threads at 12–17 % of the server's samples). In a child it competes for
the CPU only as the operating system allows, and `os.nice(10)` tells the scheduler to let the server go first.

Why `multiprocessing` directly rather than `concurrent.futures.ProcessPoolExecutor(max_workers=1)`: the pool
offers no public way (before Python 3.14) to terminate a worker that is busy, and shutting the server down must
not wait for an analysis of 100,000 participants to finish; with one `Process` and a `Pipe` the parent owns the
child's pid and can end it, and the child's death shows up at once as end-of-file on the pipe. The `spawn`
start method gives a fresh interpreter: forking a server with running threads, open database connections and an
event loop is unsafe.

The child (`_serve`): ignores Ctrl+C (the terminal sends it to the whole process group; the server ends the child
when it shuts down), lowers its priority, limits BLAS to one thread (environment variables, effective when the
spawned interpreter has not imported numpy yet, and threadpoolctl, effective either way), opens its own
`Database` on the same URL and then answers dialogue ids with the id of the run it stored, one at a time, each in
its own transaction. It exits when the parent asks it to, closes the pipe or dies (the pipe then reads as
end-of-file), so no child outlives its server. An in-memory SQLite database cannot be shared with another
process: `shareable` tells, and `Analyses` then runs the analysis in its own process as before.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

NICENESS = 10
START_TIMEOUT = 120.0
"""Seconds a new child may take to import the analysis and open the database."""
BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


class AnalysisFailed(RuntimeError):
    """The analysis raised in the child; the message carries the child's traceback."""


def shareable(url: str) -> bool:
    """Whether another process can open the database at `url` (an in-memory SQLite database cannot)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database or ""
    if database in ("", ":memory:"):
        return False
    return not (
        database.startswith("file:") and ("mode=memory" in database or parsed.query.get("mode") == "memory")
    )


class AnalysisWorker:
    """One long-lived child process that runs `analysis_runs.refresh_analysis` for the parent, one call at a time.

    The child starts with the first `analyse` (a new interpreter importing numpy, scipy and scikit-learn and
    opening the database: a few seconds). `analyse` blocks the calling thread, never an event loop, until the
    child answers.
    """

    def __init__(self, url: str, *, timeout: float | None = 1800.0) -> None:
        if not shareable(url):
            raise ValueError(f"an in-memory database cannot be analysed in another process: {url}")
        self.url = url
        self.timeout = timeout
        """Seconds one analysis may take before its child is ended (None: no limit)."""
        self.starts = 0
        self.deaths = 0
        self._context = multiprocessing.get_context("spawn")
        self._busy = threading.Lock()  # one analysis at a time; held while the child works
        self._state = threading.Lock()  # guards _process, _connection and _closed; never held for long
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The child's process id, None while no child runs."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def analyse(self, dialogue_id: int) -> int | None:
        """Analyse the dialogue in the child and store the run; its id, or None when nothing was stored.

        None also when the child died meanwhile (killed, out of memory) or could not start: that is logged, and
        the next call starts a new child. An exception in the analysis itself is raised here as
        `AnalysisFailed`, as it would be in this process; the child survives it.
        """
        with self._busy:
            if self._closed:
                return None
            try:
                process, connection = self._running()
            except Exception:
                if not self._closed:
                    log.exception("no analysis process; dialogue %d is not analysed", dialogue_id)
                return None
            try:
                connection.send(dialogue_id)
                if not connection.poll(self.timeout):
                    log.error(
                        "the analysis of dialogue %d took over %s s; its process (pid %s) is ended",
                        dialogue_id,
                        self.timeout,
                        process.pid,
                    )
                    self._discard(process, connection)
                    return None
                status, value = connection.recv()
            except (EOFError, OSError):
                self._discard(process, connection)
                if self._closed:
                    log.info("the analysis of dialogue %d was stopped by the shutdown", dialogue_id)
                else:
                    self.deaths += 1
                    log.error(
                        "the analysis process (pid %s) died while analysing dialogue %d (exit code %s); "
                        "a new one starts with the next analysis",
                        process.pid,
                        dialogue_id,
                        process.exitcode,
                    )
                return None
            if status == "error":
                raise AnalysisFailed(
                    f"the analysis of dialogue {dialogue_id} failed in its process:\n{value}"
                )
            return None if value is None else int(value)

    def _running(self) -> tuple[BaseProcess, Connection]:
        """The child, started (and waited for until it is ready) if none is alive."""
        process, connection = self._process, self._connection
        if process is not None and connection is not None:
            if process.is_alive():
                return process, connection
            self._discard(process, connection)
            self.deaths += 1
            log.error(
                "the analysis process (pid %s) died while idle (exit code %s); a new one starts",
                process.pid,
                process.exitcode,
            )
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(self.url, theirs), name="workingup-analysis", daemon=True
        )
        started = time.perf_counter()
        with self._state:  # either close() sees this child, or this sees that close() came first
            if self._closed:
                raise RuntimeError("the analysis worker is closed")
            process.start()
            self._process, self._connection = process, ours
        theirs.close()  # only the child holds its end now: its death reads as end-of-file here
        self.starts += 1
        try:  # the child says when it is ready: imports done, database open
            if not ours.poll(START_TIMEOUT):
                raise RuntimeError(f"not ready after {START_TIMEOUT:.0f} s")
            status, value = ours.recv()
        except (EOFError, OSError) as error:
            status, value = "error", f"it exited with code {process.exitcode} ({error!r})"
        except RuntimeError as error:
            status, value = "error", str(error)
        if status != "ready":
            self._discard(process, ours)
            raise RuntimeError(f"the analysis process (pid {process.pid}) did not start: {value}")
        log.info("analysis process ready (pid %s) in %.2f s", process.pid, time.perf_counter() - started)
        return process, ours

    def _discard(self, process: BaseProcess, connection: Connection) -> None:
        """End the child (if it still runs) and forget it; only the thread holding `_busy` closes the pipe."""
        _end(process, grace=0.0)
        connection.close()
        with self._state:
            if self._process is process:
                self._process, self._connection = None, None

    def close(self, grace: float = 2.0) -> None:
        """Stop the child: let a running analysis finish within `grace` seconds, else terminate it.

        When this returns no child runs: a later `analyse` returns None without starting one.
        """
        with self._state:
            self._closed = True
        idle = self._busy.acquire(timeout=grace)
        try:
            with self._state:
                process, connection = self._process, self._connection
            if process is None or connection is None:
                return
            if idle:
                with contextlib.suppress(OSError):
                    connection.send(None)  # asks the child to exit
                _end(process, grace=grace)
                connection.close()
                with self._state:
                    self._process, self._connection = None, None
            else:  # the analysing thread reads end-of-file, then closes the pipe itself
                _end(process, grace=0.0)
        finally:
            if idle:
                self._busy.release()


def _end(process: BaseProcess, *, grace: float) -> None:
    """Wait up to `grace` seconds for the process to exit, then terminate it, then kill it; always reap it."""
    process.join(grace)
    if process.is_alive():
        process.terminate()
        process.join(5.0)
    if process.is_alive():
        process.kill()
        process.join()


def _serve(url: str, connection: Connection) -> None:
    """The child's whole life: set itself up, then answer dialogue ids until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole process group: the server decides
    for name in BLAS_VARIABLES:
        os.environ[name] = "1"
    with contextlib.suppress(OSError):  # a lower priority is a courtesy, not a condition
        os.nice(NICENESS)
    from threadpoolctl import threadpool_limits

    from workingup.runtime.database import Database
    from workingup.services.analysis_runs import refresh_analysis

    threadpool_limits(1)
    try:
        database = Database.open(url)
    except Exception:
        with contextlib.suppress(OSError):
            connection.send(("error", traceback.format_exc()))
        connection.close()
        return
    try:
        connection.send(("ready", os.getpid()))
        while True:
            try:
                request = connection.recv()
            except (EOFError, OSError):
                return  # the parent is gone
            if request is None:
                return
            reply: tuple[str, Any]
            try:
                with database.transaction() as session:
                    run = refresh_analysis(session, int(request))
                    run_id = None if run is None else run.id
                reply = ("ok", run_id)
            except Exception:
                reply = ("error", traceback.format_exc())
            try:
                connection.send(reply)
            except OSError:
                return
    finally:
        database.close()
        connection.close()

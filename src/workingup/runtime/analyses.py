"""The web app's analysis scheduler: a debounced background refresh after votes, and the routing priority it yields.

Runtime machinery, not a use case (that is `services.analysis_runs`): it owns a timer thread and, in `workingup
serve`, a child process (`runtime.analysis_worker`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from workingup.analysis.priority import VerdictRouting
from workingup.runtime.analysis_worker import AnalysisWorker, shareable
from workingup.runtime.database import Database
from workingup.runtime.refresh import DebouncedRefresher
from workingup.services import participation
from workingup.services.analysis_runs import latest_run_id, refresh_analysis
from workingup.services.routing import personal_priority
from workingup.services.stored_analysis import StoredAnalysis
from workingup.store import models

log = logging.getLogger(__name__)


@dataclass
class _Cached:
    run_id: int
    priority: dict[int, float]
    routing: VerdictRouting | None


class Analyses:
    """The app's analysis: a debounced background refresh after votes, and the routing priority it yields.

    `votes_arrived` returns at once (the vote's request never waits for an analysis); the refresh runs a few
    seconds later in a background thread, one analysis at a time. Unless `in_process`, that thread hands the
    analysis to a child process at a lower priority (`runtime.analysis_worker`) and waits for it, so the
    analysis's Python does not hold this process's GIL while the server answers votes; an in-memory SQLite
    database cannot be shared with a child, so it is always analysed in this process. `run_now` (*Analyse
    now*) always runs here, in the caller's transaction.
    """

    def __init__(
        self, database: Database, delay: float = 5.0, *, in_process: bool = True, routing: str = "verdict"
    ) -> None:
        self.database = database
        self.routing = routing
        """"verdict" (each participant's own priority, from the stored verdict) or "polis" (config.ROUTINGS)."""
        self.worker: AnalysisWorker | None = None
        if not in_process:
            if shareable(database.url):
                self.worker = AnalysisWorker(database.url)
            else:
                log.info("an in-memory database is analysed in the server's own process")
        self.refresher = DebouncedRefresher(self._refresh, delay=delay)
        self._priority: dict[int, _Cached] = {}
        self._lock = threading.Lock()

    def votes_arrived(self, dialogue_id: int) -> None:
        self.refresher.poke(dialogue_id)

    def _refresh(self, key: Hashable) -> None:
        dialogue_id = int(str(key))
        if self.worker is not None:
            self.worker.analyse(dialogue_id)
            return
        with self.database.transaction() as session:
            refresh_analysis(session, dialogue_id)

    def run_now(self, session: Session, dialogue: models.Dialogue) -> models.AnalysisRun | None:
        """Analyse at once in `session` (the facilitator's *Analyse now*), in this process."""
        return refresh_analysis(session, dialogue.id)

    def priority(
        self, session: Session, dialogue_id: int, participant_id: int | None = None
    ) -> dict[int, float] | None:
        """Statement id → routing priority from the latest analysis, or None before the first one.

        With routing by the verdict and a participant, the priority is theirs (`services.routing
        .personal_priority`, from their current votes); without a participant, or for a run stored before
        routing by the verdict existed, Pol.is's priority."""
        cached = self._cached(session, dialogue_id)
        if cached is None:
            return None
        if self.routing == "verdict" and cached.routing is not None and participant_id is not None:
            return personal_priority(cached.routing, participation.current_votes(session, participant_id))
        return cached.priority

    def _cached(self, session: Session, dialogue_id: int) -> _Cached | None:
        run_id = latest_run_id(session, dialogue_id)
        if run_id is None:
            return None
        with self._lock:
            cached = self._priority.get(dialogue_id)
            if cached is not None and cached.run_id == run_id:
                return cached
        run = session.get_one(models.AnalysisRun, run_id)
        stored = StoredAnalysis.of(run)
        statements = stored.opinions.statements
        priority = {
            sid: float(p) for sid, p in zip(statements.id, statements.priority, strict=True) if p is not None
        }
        fresh = _Cached(run_id, priority, stored.routing)
        with self._lock:
            self._priority[dialogue_id] = fresh
        return fresh

    def close(self) -> None:
        """Stop the child process first (a running analysis gets a short grace, then is ended), then the
        refresher (whose thread then returns at once)."""
        if self.worker is not None:
            self.worker.close()
        self.refresher.close()

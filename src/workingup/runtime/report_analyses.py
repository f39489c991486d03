"""The analysis the final report draws, kept per dialogue and analysis version, prepared in the background.

Why: the report needs a whole `DialogueAnalysis` (the opinion map's positions, every lens), and computing one took
3–4 s of the demo's report (issue 18: HTML 9.8 s, PDF 12.2 s). Gathering and rendering take 0.4 s (HTML) and
2 s (PDF). So the analysis is computed once per stored analysis run (`latest_run_id`, the version the
background refresh moves after votes arrive), kept here, and prepared in a thread when the report page is
opened, which shows whether it is ready; a report asked for before that computes it in the request, once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from workingup.runtime.database import Database
from workingup.services.analysis import DialogueAnalysis, analyze_dialogue
from workingup.services.analysis_runs import latest_run_id
from workingup.store import models

log = logging.getLogger(__name__)

KEPT = 4
"""Dialogues whose analysis is kept (least recently used goes first): a big dialogue's is hundreds of MB."""


@dataclass(frozen=True)
class Preparation:
    """Where the report's analysis of one dialogue stands: ready, being computed (since when), or neither."""

    ready: bool
    started: float | None = None
    """time.monotonic() when the computation began; None when none is running."""

    @property
    def running_for(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started


class ReportAnalyses:
    def __init__(self, database: Database, kept: int = KEPT) -> None:
        self.database = database
        self.kept = kept
        self._lock = threading.Lock()
        self._done: OrderedDict[int, tuple[int | None, DialogueAnalysis]] = OrderedDict()
        self._running: dict[int, tuple[int | None, float, threading.Event]] = {}

    def get(self, session: Session, dialogue: models.Dialogue) -> DialogueAnalysis:
        """The analysis of the dialogue's current version: kept, awaited if a thread computes it, else computed."""
        version = latest_run_id(session, dialogue.id)
        with self._lock:
            kept = self._done.get(dialogue.id)
            if kept is not None and kept[0] == version:
                self._done.move_to_end(dialogue.id)
                return kept[1]
            running = self._running.get(dialogue.id)
        if running is not None and running[0] == version:
            running[2].wait()
            with self._lock:
                kept = self._done.get(dialogue.id)
                if kept is not None and kept[0] == version:
                    return kept[1]
        analysis = analyze_dialogue(session, dialogue)
        self._keep(dialogue.id, version, analysis)
        return analysis

    def prepare(self, session: Session, dialogue_id: int) -> Preparation:
        """Start computing the current version's analysis in a thread unless it is kept or under way."""
        version = latest_run_id(session, dialogue_id)
        with self._lock:
            kept = self._done.get(dialogue_id)
            if kept is not None and kept[0] == version:
                return Preparation(ready=True)
            running = self._running.get(dialogue_id)
            if running is not None and running[0] == version:
                return Preparation(ready=False, started=running[1])
            started = time.monotonic()
            self._running[dialogue_id] = (version, started, threading.Event())
        threading.Thread(
            target=self._compute, args=(dialogue_id, version), name=f"report-{dialogue_id}", daemon=True
        ).start()
        return Preparation(ready=False, started=started)

    def _compute(self, dialogue_id: int, version: int | None) -> None:
        try:
            with self.database.sessions() as session, threadpool_limits(1):
                dialogue = session.get(models.Dialogue, dialogue_id)
                if dialogue is not None:
                    self._keep(dialogue_id, version, analyze_dialogue(session, dialogue))
        except Exception:  # a failed preparation is retried by the next request, which then shows the error
            log.exception("preparing the report's analysis of dialogue %s failed", dialogue_id)
        finally:
            with self._lock:
                running = self._running.pop(dialogue_id, None)
            if running is not None:
                running[2].set()

    def _keep(self, dialogue_id: int, version: int | None, analysis: DialogueAnalysis) -> None:
        with self._lock:
            self._done[dialogue_id] = (version, analysis)
            self._done.move_to_end(dialogue_id)
            while len(self._done) > self.kept:
                self._done.popitem(last=False)

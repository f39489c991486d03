"""Coordinated voting at the door: the bloc detector run on the live vote stream, not only in the analysis.

The background analysis already collapses coordinated blocs to one voice, but it looks at the whole dialogue
and only as often as it refreshes. A facilitator needs to know *while* a script is pushing votes, so that they
can pause the open link or revoke tokens before the attack shapes what others are shown next. So the watch looks
only at who voted in the last `window` (default 30 minutes): their current votes and when each first voted
there, through the same detector (`workingup.analysis.coordination`), with its burst rule switched on.

It is computed on request and kept for a few seconds per dialogue, so a facilitator's page polling it costs one
query over the window's votes however many pages poll, and nothing is stored: the votes are the evidence, and
any server process — or one restarted after a crash — sees the same alert.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.analysis.coordination import detect_coordination
from workingup.analysis.matrix import VoteMatrix
from workingup.store import models

WINDOW = timedelta(minutes=30)
ACTIVE = timedelta(minutes=2)
"""A bloc with a vote this recent is reported as under way."""
BURST_WINDOW_S = 300.0
MIN_SHARED = 8
"""Fewer than the analysis's 20 identical shared statements: an attack should be seen early, and the window holds
only recent voters (for copies and for pairs alike)."""
MIN_BLOC_SIZE = 5
MAX_PUSHES = 5
CACHE_SECONDS = 3.0


@dataclass(frozen=True)
class Push:
    statement_id: int
    text: str
    vote: int


@dataclass(frozen=True)
class LiveBloc:
    size: int
    agreement: float
    mean_shared: float
    first_vote_at: datetime
    last_vote_at: datetime
    under_way: bool
    pushes: tuple[Push, ...]
    """Statements every member voted the same way on, agree/disagree before pass: what the bloc is pushing."""


@dataclass(frozen=True)
class LiveAlerts:
    checked_at: datetime
    window_seconds: int
    voters_in_window: int
    blocs: tuple[LiveBloc, ...]

    @property
    def under_way(self) -> bool:
        return any(b.under_way for b in self.blocs)


def watch(
    session: Session, dialogue_id: int, *, now: datetime | None = None, window: timedelta = WINDOW
) -> LiveAlerts:
    """Blocs among the participants who voted in the last `window` before `now`."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    since = now - window
    recent = (
        select(
            models.Vote.participant_id,
            func.min(models.Vote.created_at).label("first"),
            func.max(models.Vote.created_at).label("last"),
        )
        .where(models.Vote.dialogue_id == dialogue_id, models.Vote.created_at >= since)
        .group_by(models.Vote.participant_id)
    )
    times: dict[int, tuple[datetime, datetime]] = {
        pid: (first, last)
        for pid, first, last in session.execute(recent)
        if first is not None and last is not None
    }
    empty = LiveAlerts(now, int(window.total_seconds()), len(times), ())
    if len(times) < MIN_BLOC_SIZE:
        return empty
    rows = session.execute(
        select(
            models.CurrentVote.participant_id, models.CurrentVote.statement_id, models.CurrentVote.value
        ).where(
            models.CurrentVote.dialogue_id == dialogue_id,
            models.CurrentVote.participant_id.in_(list(times)),
        )
    ).all()
    if not rows:
        return empty
    pids, sids, values = (np.array(column) for column in zip(*rows, strict=True))
    matrix = VoteMatrix.from_arrays(pids, sids, values)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first_seen = np.array(
        [(times[int(p)][0] - epoch).total_seconds() for p in matrix.participant_ids], dtype=np.float64
    )
    report = detect_coordination(
        matrix,
        first_vote_time=first_seen,
        min_shared=MIN_SHARED,
        exact_shared=MIN_SHARED,
        # The window may hold nobody but the bloc, so "against everyone else's majority" has no one to go by;
        # an alert is for a facilitator to judge, not a weight in the verdict, so it needs no push to be shown.
        min_contrary=0,
        min_bloc_size=MIN_BLOC_SIZE,
        burst_window_s=BURST_WINDOW_S,
    )
    if not report.blocs:
        return empty
    texts = dict(
        session.execute(
            select(models.Statement.id, models.Statement.text).where(
                models.Statement.id.in_({int(s) for b in report.blocs for s, _ in b.unanimous})
            )
        ).all()
    )
    blocs = []
    for bloc in report.blocs:
        members = [int(p) for p in bloc.participant_ids]
        first = min(times[p][0] for p in members)
        last = max(times[p][1] for p in members)
        pushed = sorted(bloc.unanimous, key=lambda sv: sv[1] == 0)[:MAX_PUSHES]
        pushes = tuple(Push(int(s), texts.get(int(s), ""), int(v)) for s, v in pushed)
        blocs.append(
            LiveBloc(
                size=bloc.size,
                agreement=bloc.agreement,
                mean_shared=bloc.mean_shared,
                first_vote_at=first,
                last_vote_at=last,
                under_way=now - last <= ACTIVE,
                pushes=pushes,
            )
        )
    return LiveAlerts(now, int(window.total_seconds()), len(times), tuple(blocs))


class Watchman:
    """Per-process cache of `watch`, so many polling pages cost one query per dialogue every few seconds."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[float, LiveAlerts]] = {}

    def alerts(self, session: Session, dialogue_id: int) -> LiveAlerts:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(dialogue_id)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        found = watch(session, dialogue_id)
        with self._lock:
            self._cache[dialogue_id] = (now, found)
        return found

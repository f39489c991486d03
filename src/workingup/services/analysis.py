"""Analysing a dialogue from the store: its current votes, its roster's declared blocs, the three lenses.

The analysis library knows nothing of databases; this is where the store's rows become a `VoteMatrix` plus what
the roster declares (leaning, sector) and when each participant first voted (for burst detection).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from workingup.analysis import AnalysisResult, AnalysisSettings, PreviousGroups, VoteMatrix, analyze
from workingup.analysis.blocs import BlocSupport, bloc_support
from workingup.analysis.bridging import BridgingModel
from workingup.analysis.convergence import ConvergenceResult, ConvergenceSettings, convergence
from workingup.domain import Moderation
from workingup.polis import PolisConversation

# The store (SQLAlchemy, Alembic) loads with a dialogue from the database, not for a Pol.is folder.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workingup.store import models

SIDES = ("left", "right")
"""Declared blocs of the bridging verdict's third lens; centre and undisclosed leanings belong to neither."""


@dataclass(frozen=True, eq=False)
class DialogueVotes:
    """Everything the analysis reads, aligned with the matrix's rows (participants) and columns (statements)."""

    matrix: VoteMatrix
    texts: dict[int, str]
    leaning_score: NDArray[np.float64]
    """−2 (left) … +2 (right); NaN when undisclosed or unknown."""
    side: NDArray[np.int64]
    """Index into SIDES, −1 for centre or undisclosed."""
    sector: NDArray[np.int64]
    sector_names: tuple[str, ...]
    first_vote_time: NDArray[np.float64]
    """Seconds since the epoch of each participant's first vote; NaN when the source had no times."""


def load_votes(session: Session, dialogue: models.Dialogue) -> DialogueVotes:
    """The dialogue's current votes as a matrix; every statement is a column, voters are rows."""
    from sqlalchemy import func, select

    from workingup.store import models
    from workingup.store.queries import current_votes

    p, s, v = current_votes(session, dialogue.id)
    statements = session.execute(
        select(
            models.Statement.id, models.Statement.text, models.Statement.moderation, models.Statement.is_meta
        )
        .where(models.Statement.dialogue_id == dialogue.id)
        .order_by(models.Statement.id)
    ).all()
    matrix = VoteMatrix.from_arrays(
        p,
        s,
        v,
        statements=[row.id for row in statements] if statements else None,
        rejected=[row.id for row in statements if row.moderation == Moderation.REJECTED],
        meta=[row.id for row in statements if row.is_meta],
    )
    people = {
        row.id: row
        for row in session.execute(
            select(models.Participant.id, models.Participant.leaning, models.Participant.sector).where(
                models.Participant.dialogue_id == dialogue.id
            )
        )
    }
    first = dict(
        session.execute(
            select(models.Vote.participant_id, func.min(models.Vote.created_at))
            .where(models.Vote.dialogue_id == dialogue.id)
            .group_by(models.Vote.participant_id)
        ).all()
    )
    sector_names = tuple(sector.key for sector in dialogue.sectors)
    sector_index = {name: i for i, name in enumerate(sector_names)}
    rows = matrix.participant_ids.tolist()
    leaning = np.full(len(rows), np.nan)
    side = np.full(len(rows), -1, dtype=np.int64)
    sector = np.full(len(rows), -1, dtype=np.int64)
    first_time = np.full(len(rows), np.nan)
    for i, pid in enumerate(rows):
        person = people.get(pid)
        if person is not None:
            score = person.leaning.score
            if score is not None:
                leaning[i] = score
            if person.leaning.side in SIDES:
                side[i] = SIDES.index(person.leaning.side)
            sector[i] = sector_index.get(person.sector or "", -1)
        when = first.get(pid)
        if when is not None:
            first_time[i] = _aware(when).timestamp()
    return DialogueVotes(
        matrix=matrix,
        texts={row.id: row.text for row in statements},
        leaning_score=leaning,
        side=side,
        sector=sector,
        sector_names=sector_names,
        first_vote_time=first_time,
    )


@dataclass(frozen=True, eq=False)
class DialogueAnalysis:
    dialogue_id: int
    computed_at: datetime
    votes: DialogueVotes
    analysis: AnalysisResult
    convergence: ConvergenceResult
    sectors: BlocSupport | None
    """Agreement per declared sector (shown beside the verdict; not one of its lenses)."""
    source: Mapping[str, Any] | None = None
    """Where the votes were read (`polis_source` / `database_source`): a reader of the JSON can tell which file
    or dialogue the figures are of; None when the caller did not say."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "dialogue_id": self.dialogue_id,
            "computed_at": self.computed_at.isoformat(),
            "source": None if self.source is None else dict(self.source),
            "thresholds": thresholds(self.analysis.settings, self.convergence.settings),
            "seed": seed_use(self.analysis.settings, self.convergence.settings),
            "analysis": self.analysis.to_dict(),
            "convergence": self.convergence.to_dict(),
            "sectors": None if self.sectors is None else self.sectors.to_dict(),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """JSON with NaN written as null (a figure that does not exist yet), numpy scalars as plain numbers."""
        return json.dumps(_finite(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False)


def polis_source(folder: Path, votes_file: str) -> dict[str, Any]:
    """A Pol.is export folder and the file its votes came from (votes.csv, or participants-votes.csv without it)."""
    return {"kind": "polis", "path": str(folder), "votes_file": votes_file}


def database_source(database_url: str, slug: str, dialogue_id: int) -> dict[str, Any]:
    """A dialogue in the database; the URL is written without its password (the JSON gets shared)."""
    from sqlalchemy.engine import make_url

    shown = make_url(database_url).render_as_string(hide_password=True)
    return {"kind": "database", "database": shown, "dialogue": slug, "dialogue_id": dialogue_id}


def thresholds(settings: AnalysisSettings, verdict: ConvergenceSettings) -> dict[str, Any]:
    """Every bar a figure has to clear, in one place so the text output and the JSON cannot disagree.

    Read from the settings actually used (and the bridging model's own defaults, which the verdict uses), never
    restated: a changed default changes what is printed.
    """
    bridging = BridgingModel().get_params()
    return {
        "min_votes_to_be_grouped": settings.min_votes,
        "grouped_at_least": settings.greedy_n,
        "z_threshold": settings.z_threshold,
        "verdict_min_votes": verdict.min_votes,
        "verdict_min_group_votes": verdict.min_group_votes,
        "verdict_level": verdict.level,
        "verdict_support_bar": verdict.support_bar,
        "bridging_min_votes": bridging["min_votes"],
        "bridging_min_side_votes": bridging["min_side_votes"],
        "bridging_min_side_support": bridging["min_side_support"],
        "bridging_unsupported_below": bridging["rejected_support"],
        "bridging_divisive_gap": bridging["divisive_gap"],
    }


SEED_AFFECTS = (
    "the bootstrap interval of group-informed consensus",
    "the coordinated-voting search",
    "the bridging model's starting point",
)
"""What the seed of `workingup analyze --seed` reaches (it is passed as `random_state` to each). Never the opinion
groups: their k-means starts use fixed seeds (analysis/clustering.py), so every seed gives the same groups."""


def seed_use(settings: AnalysisSettings, verdict: ConvergenceSettings) -> dict[str, Any]:
    """The seeds used and what each reaches: the same seeds and votes give the same output."""
    return {
        "analysis": settings.random_state,
        "verdict": verdict.random_state,
        "affects": list(SEED_AFFECTS),
    }


def weigh(
    votes: DialogueVotes,
    result: AnalysisResult,
    *,
    convergence_settings: ConvergenceSettings | None = None,
) -> tuple[ConvergenceResult, BlocSupport | None]:
    """The three-lens verdict for an analysed dialogue, and agreement per declared sector beside it."""
    has_sides = bool(np.any(votes.side >= 0))
    verdict = convergence(
        votes.matrix,
        result.labels,
        bloc=votes.side if has_sides else None,
        bloc_names=SIDES if has_sides else (),
        orientation=votes.leaning_score if np.any(np.isfinite(votes.leaning_score)) else None,
        first_vote_time=votes.first_vote_time if np.any(np.isfinite(votes.first_vote_time)) else None,
        settings=convergence_settings,
    )
    sectors = None
    if np.any(votes.sector >= 0):
        sectors = bloc_support(
            votes.matrix,
            votes.sector,
            votes.sector_names,
            participant_weight=verdict.coordination.participant_weight,
            min_bloc_votes=1.0,
        )
    return verdict, sectors


def analyze_votes(
    votes: DialogueVotes,
    *,
    dialogue_id: int = 0,
    settings: AnalysisSettings | None = None,
    convergence_settings: ConvergenceSettings | None = None,
    previous: PreviousGroups | None = None,
) -> DialogueAnalysis:
    """Opinion groups (Pol.is), then the three-lens convergence verdict with the roster's declared sides."""
    result = analyze(votes.matrix, settings, previous=previous)
    verdict, sectors = weigh(votes, result, convergence_settings=convergence_settings)
    return DialogueAnalysis(
        dialogue_id=dialogue_id,
        computed_at=datetime.now(UTC),
        votes=votes,
        analysis=result,
        convergence=verdict,
        sectors=sectors,
    )


def votes_from_polis(conversation: PolisConversation) -> DialogueVotes:
    """A Pol.is export has no roster: no declared blocs, but vote times for burst detection when it has them."""
    matrix = VoteMatrix.from_polis(conversation)
    first = np.full(matrix.n_participants, np.nan)
    timed = conversation.vote_timestamp_ms >= 0
    if np.any(timed):
        participants = conversation.vote_participant[timed]
        times = conversation.vote_timestamp_ms[timed] / 1000.0
        order = np.lexsort((times, participants))
        starts = np.r_[True, participants[order][1:] != participants[order][:-1]]
        earliest = dict(zip(participants[order][starts].tolist(), times[order][starts].tolist(), strict=True))
        first = np.array([earliest.get(pid, np.nan) for pid in matrix.participant_ids.tolist()])
    n = matrix.n_participants
    return DialogueVotes(
        matrix=matrix,
        texts={c.comment_id: c.text for c in conversation.comments},
        leaning_score=np.full(n, np.nan),
        side=np.full(n, -1, dtype=np.int64),
        sector=np.full(n, -1, dtype=np.int64),
        sector_names=(),
        first_vote_time=first,
    )


def analyze_dialogue(
    session: Session,
    dialogue: models.Dialogue,
    *,
    settings: AnalysisSettings | None = None,
    convergence_settings: ConvergenceSettings | None = None,
    previous: PreviousGroups | None = None,
) -> DialogueAnalysis:
    return analyze_votes(
        load_votes(session, dialogue),
        dialogue_id=dialogue.id,
        settings=settings,
        convergence_settings=convergence_settings,
        previous=previous,
    )


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value

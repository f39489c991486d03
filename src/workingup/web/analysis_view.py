"""What the dashboard shows of the latest analysis, built from its stored JSON and the statements' texts.

Every percentage shown beside a count is the raw share of that count (analysis/figures.py), as in
`workingup analyze` and the report: Pol.is's smoothed probabilities rank statements but are not what "21 of 23"
is a percentage of. Counts are shown beside them so a facilitator can tell 3 of 4 from 300 of 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from workingup.analysis.convergence import VERDICTS
from workingup.analysis.figures import shown_direction
from workingup.colours import group_colour
from workingup.services import moderation, records
from workingup.services.analysis_runs import latest_run
from workingup.services.stored_analysis import (
    Consensus,
    CoordinatedBloc,
    Representative,
    StoredAnalysis,
    Verdicts,
)
from workingup.web.opinion_map import MapGroup, MapStatement, opinion_map_svg
from workingup.web.strings import catalogue

_ = catalogue()
TOP = 5


@dataclass(frozen=True)
class RepresentativeView:
    statement_id: int
    text: str
    direction: str
    """"agree" or "disagree": the vote `n_success` counts (the best agree is always an agree)."""
    n_success: int
    n_trials: int
    others: int | None = None
    """Percent of the other clustered participants who voted the same way (None when none of them voted)."""

    @property
    def percent(self) -> int:
        return round(100 * self.n_success / self.n_trials) if self.n_trials else 0

    @property
    def others_shown(self) -> str:
        return "–" if self.others is None else f"{self.others}%"


@dataclass(frozen=True)
class GroupView:
    label: int
    name: str
    size: int
    representative: list[RepresentativeView]

    @property
    def colour(self) -> str:
        return group_colour(self.label)


@dataclass(frozen=True)
class ScoredStatement:
    statement_id: int
    text: str
    score: float
    detail: str


@dataclass(frozen=True)
class VerdictRow:
    statement_id: int
    text: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class MapEntry:
    """A statement on the opinion map: the number printed beside its marker, its text, and why it is there."""

    number: int
    statement_id: int
    text: str
    why: str


@dataclass(frozen=True)
class AnalysisView:
    run_at: datetime
    n_participants: int
    n_clustered: int
    n_votes: int
    groups: list[GroupView]
    consensus_agree: list[ScoredStatement]
    consensus_disagree: list[ScoredStatement]
    group_consensus: list[ScoredStatement]
    divisive: list[ScoredStatement]
    group_agree: dict[int, dict[str, int | None]]
    """statement id → group name → percent agreeing in that group (None when nobody in it has voted)"""
    map_svg: str
    map_statements: list[MapEntry]
    """The statements numbered on the map, in their numbers' order: the page lists them beside the map."""
    verdicts: list[VerdictRow]
    """Every statement's convergence verdict, strongest first (excluded statements left out)."""
    verdict_counts: dict[str, int]
    coordinated: tuple[CoordinatedBloc, ...]


def _top(ids: list[int], score: list[float | None], eligible: list[bool], n: int = TOP) -> list[int]:
    ranked = sorted(
        (i for i in range(len(ids)) if eligible[i] and score[i] is not None),
        key=lambda i: (-(score[i] or 0.0), ids[i]),
    )
    return ranked[:n]


def analysis_view(session: Session, dialogue: records.Dialogue) -> AnalysisView | None:
    run = latest_run(session, dialogue.id)
    if run is None:
        return None
    stored = StoredAnalysis.of(run)
    data = stored.opinions
    texts = moderation.statement_texts(session, dialogue)
    st = data.statements
    ids = list(st.id)
    index = {sid: i for i, sid in enumerate(ids)}
    selectable = list(st.selectable)
    names = [g.name for g in data.groups]

    def representative(g: int, r: Representative) -> RepresentativeView:
        direction = shown_direction(r.repful_for, r.best_agree)
        c = index[r.statement_id]
        rows = st.group_agree if direction == "agree" else st.group_disagree
        mine = [row[c] for row in rows]
        seen = [row[c] for row in st.group_seen]
        rest, rest_seen = sum(mine) - mine[g], sum(seen) - seen[g]
        return RepresentativeView(
            statement_id=r.statement_id,
            text=texts.get(r.statement_id, ""),
            direction=direction,
            n_success=mine[g],
            n_trials=seen[g],
            others=round(100 * rest / rest_seen) if rest_seen else None,
        )

    groups = [
        GroupView(
            label=g.label,
            name=g.name,
            size=g.size,
            representative=[representative(row, r) for r in g.representative],
        )
        for row, g in enumerate(data.groups)
    ]

    def consensus(items: tuple[Consensus, ...]) -> list[ScoredStatement]:
        return [
            ScoredStatement(  # the raw share beside its count, not Pol.is's smoothed p_success
                c.statement_id,
                texts.get(c.statement_id, ""),
                c.n_success / c.n_trials if c.n_trials else 0.0,
                _("dash.of_voters", n=c.n_success, total=round(c.n_trials)),
            )
            for c in items
        ]

    gic = list(st.group_informed_consensus)
    group_consensus = [
        ScoredStatement(ids[i], texts.get(ids[i], ""), float(gic[i] or 0.0), f"{float(gic[i] or 0.0):.3f}")
        for i in _top(ids, gic, selectable)
    ]
    group_agree: dict[int, dict[str, int | None]] = {}
    for sid, i in index.items():
        row: dict[str, int | None] = {}
        for row_index, name in enumerate(names):
            seen = st.group_seen[row_index][i]
            row[name] = round(100 * st.group_agree[row_index][i] / seen) if seen else None
        group_agree[sid] = row
    divisiveness = list(st.divisiveness)
    divisive = [
        ScoredStatement(
            ids[i],
            texts.get(ids[i], ""),
            float(divisiveness[i] or 0.0),
            "; ".join(
                f"{name} {group_agree[ids[i]][name]}%"
                for name in names
                if group_agree[ids[i]][name] is not None
            ),
        )
        for i in _top(ids, divisiveness, selectable)
    ]

    placed: dict[int, str] = {}
    why: dict[int, list[str]] = {}
    for g in groups:
        for r in g.representative[:3]:
            placed.setdefault(r.statement_id, r.text)
            why.setdefault(r.statement_id, []).append(_("dash.map_why_group", name=g.name))
    for reason, items in (
        ("dash.map_why_majority", consensus(data.consensus_agree)[:3]),
        ("dash.map_why_divisive", divisive[:3]),
    ):
        for s in items:
            placed.setdefault(s.statement_id, s.text)
            why.setdefault(s.statement_id, []).append(_(reason))
    at = {sid: (st.x[index[sid]], st.y[index[sid]]) for sid in placed}
    placed = {sid: text for sid, text in placed.items() if None not in at[sid]}  # a statement without a place
    numbers = {sid: n for n, sid in enumerate(placed, start=1)}
    participants = data.participants
    xy = [
        [x if x is not None else float("nan"), y if y is not None else float("nan")]
        for x, y in zip(participants.x, participants.y, strict=True)
    ]
    labels = [-1 if g is None else g for g in participants.group]
    map_statements = [
        MapStatement(
            sid,
            float(at[sid][0] or 0.0),
            float(at[sid][1] or 0.0),
            f"{numbers[sid]}: {text}",
            label=str(numbers[sid]),
        )
        for sid, text in placed.items()
    ]
    entries = [MapEntry(numbers[sid], sid, text, "; ".join(why[sid])) for sid, text in placed.items()]
    sizes = ", ".join(f"{g.name} ({g.size})" for g in groups)
    svg = opinion_map_svg(
        xy,
        labels,
        [MapGroup(g.label, g.name, g.size) for g in groups],
        map_statements,
        title=_("dash.map_title"),
        description=_("dash.map_description", n=len(labels), k=len(groups), groups=sizes),
    )
    verdicts, verdict_counts = _verdicts(stored.verdicts, texts)
    coordinated = stored.verdicts.coordinated if stored.verdicts else ()
    return AnalysisView(
        run_at=run.created_at,
        n_participants=data.count("n_participants"),
        n_clustered=data.count("n_clustered"),
        n_votes=data.count("n_votes"),
        groups=groups,
        consensus_agree=consensus(data.consensus_agree),
        consensus_disagree=consensus(data.consensus_disagree),
        group_consensus=group_consensus,
        divisive=divisive,
        group_agree=group_agree,
        map_svg=svg,
        map_statements=entries,
        verdicts=verdicts,
        verdict_counts=verdict_counts,
        coordinated=coordinated,
    )


def _verdicts(convergence: Verdicts | None, texts: dict[int, str]) -> tuple[list[VerdictRow], dict[str, int]]:
    if convergence is None:
        return [], {}
    rows = [
        VerdictRow(sid, texts.get(sid, ""), verdict, reason)
        for sid, verdict, reason in zip(
            convergence.statement_ids, convergence.verdict, convergence.reasons, strict=True
        )
        if verdict != "excluded"
    ]
    rank = {v: i for i, v in enumerate(VERDICTS)}
    rows.sort(key=lambda r: (rank.get(r.verdict, len(rank)), r.statement_id))
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in VERDICTS if v != "excluded"}
    return rows, counts

"""Recommendations: drafted by a facilitator from convergence candidates, every version kept.

A recommendation rests on statements the table voted on. Their support figures (the three lenses of the
convergence verdict) are copied into the record when a version is drafted, so what the table endorsed is judged
against the figures it saw, and a later vote or a re-run of the analysis never silently changes the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.analysis.blocs import BlocSupport
from workingup.domain import Horizon, Moderation, RecommendationType
from workingup.services.analysis import DialogueAnalysis, analyze_dialogue
from workingup.services.analysis_runs import latest_run
from workingup.services.errors import Invalid, NotFound, ServiceError
from workingup.services.log import log_activity
from workingup.services.stored_analysis import StoredAnalysis, parse
from workingup.store import models
from workingup.store.agenda import RecommendationBasisRow, RecommendationRow, RecommendationVersionRow

CANDIDATE_VERDICTS = ("convergence", "partial")
"""Verdicts worth drafting from; any statement may be used, and its verdict is recorded with it."""


@dataclass(frozen=True)
class GroupFigure:
    """Agreement within one opinion group or declared bloc: agree share with its credible interval."""

    name: str
    size: int
    agree: float
    trials: float
    mean: float
    lower: float
    upper: float


@dataclass(frozen=True)
class SupportSnapshot:
    """A statement's support as the convergence verdict saw it at one moment (JSON-safe via to_dict)."""

    statement_id: int
    computed_at: str
    verdict: str
    reason: str
    votes: int
    agree: int
    disagree: int
    passes: int
    groups: tuple[GroupFigure, ...]
    gic: float | None
    gic_lower: float | None
    gic_upper: float | None
    bridging_status: str
    intercept: float | None
    factor: float | None
    support_low: float | None
    support_high: float | None
    blocs: tuple[GroupFigure, ...] = ()
    lenses: dict[str, bool | None] = field(default_factory=dict)
    level: float = 0.9

    def to_dict(self) -> dict[str, Any]:
        safe: dict[str, Any] = _json_safe(asdict(self))
        return safe

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SupportSnapshot:
        values = dict(data)
        values["groups"] = tuple(GroupFigure(**g) for g in data.get("groups", ()))
        values["blocs"] = tuple(GroupFigure(**g) for g in data.get("blocs", ()))
        return cls(**values)


def _figures(support: BlocSupport, j: int, sizes: Mapping[str, int]) -> tuple[GroupFigure, ...]:
    """Statement `j`'s figures in every group (or bloc) of `support`; a size in `sizes` wins over the support's."""
    return tuple(
        GroupFigure(
            name=name,
            size=int(sizes.get(name, support.bloc_sizes[g])),
            agree=float(support.agree[g, j]),
            trials=float(support.trials[g, j]),
            mean=float(support.mean[g, j]),
            lower=float(support.lower[g, j]),
            upper=float(support.upper[g, j]),
        )
        for g, name in enumerate(support.bloc_names)
    )


def snapshot_support(analysis: DialogueAnalysis, statement_id: int) -> SupportSnapshot:
    """The figures of one statement from an analysed dialogue."""
    ids = analysis.convergence.statement_ids.tolist()
    if statement_id not in ids:
        raise NotFound(f"statement {statement_id} has no figures in the analysis (is it in this dialogue?)")
    j = ids.index(statement_id)
    verdict = analysis.convergence
    result = analysis.analysis
    groups = verdict.groups
    sizes = {g.name: g.size for g in result.groups}
    blocs = verdict.blocs
    return SupportSnapshot(
        statement_id=statement_id,
        computed_at=analysis.computed_at.isoformat(),
        verdict=str(verdict.verdict[j]),
        reason=verdict.reasons[j],
        votes=int(result.agree[j] + result.disagree[j] + result.passes[j]),
        agree=int(result.agree[j]),
        disagree=int(result.disagree[j]),
        passes=int(result.passes[j]),
        groups=_figures(groups, j, sizes),
        gic=_number(verdict.gic[j]),
        gic_lower=_number(verdict.gic_lower[j]),
        gic_upper=_number(verdict.gic_upper[j]),
        bridging_status=str(verdict.bridging.status[j]),
        intercept=_number(verdict.bridging.intercept[j]),
        factor=_number(verdict.bridging.factor[j]),
        support_low=_number(verdict.bridging.support_low[j]),
        support_high=_number(verdict.bridging.support_high[j]),
        blocs=() if blocs is None else _figures(blocs, j, {}),
        lenses={
            "groups": bool(verdict.group_lens[j]),
            "bridging": bool(verdict.bridging_lens[j]),
            "blocs": None if blocs is None else bool(verdict.bloc_lens[j]),
        },
        level=float(groups.level),
    )


def _stored_figures(support: Mapping[str, Any], j: int, sizes: Mapping[str, int]) -> tuple[GroupFigure, ...]:
    """`_figures` from a stored `BlocSupport.to_dict()` (a NaN was stored as null)."""
    return tuple(
        GroupFigure(
            name=name,
            size=int(sizes.get(name, support["bloc_sizes"][g])),
            agree=_float(support["agree"][g][j]),
            trials=_float(support["trials"][g][j]),
            mean=_float(support["mean"][g][j]),
            lower=_float(support["lower"][g][j]),
            upper=_float(support["upper"][g][j]),
        )
        for g, name in enumerate(support["bloc_names"])
    )


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _optional(value: Any) -> float | None:
    return None if value is None else _number(value)


def stored_snapshots(raw: Mapping[str, Any], statement_ids: Sequence[int]) -> dict[int, SupportSnapshot]:
    """`snapshot_support` of each statement from a stored analysis run's JSON (`DialogueAnalysis.to_dict`).

    The same figures an analysis would give, read from what the background refresh already computed: drafting
    ran a whole analysis per request before (6 s on the demo, even to answer a validation error). Statements the
    run does not know (accepted since) are left out; the caller analyses afresh for those.
    """
    verdict = raw["convergence"]
    result = raw["analysis"]
    ids = [int(i) for i in verdict["statement_ids"]]
    column = {sid: j for j, sid in enumerate(ids)}
    counts_column = {int(sid): j for j, sid in enumerate(result["statements"]["id"])}
    lenses = verdict["lenses"]
    groups = lenses["groups"]
    bridging = lenses["bridging"]
    blocs = lenses["blocs"]
    sizes = {g["name"]: int(g["size"]) for g in result["groups"]}
    found = {}
    for sid in statement_ids:
        j = column.get(sid)
        k = counts_column.get(sid)
        if j is None or k is None:
            continue
        agree, disagree, passes = (int(result["statements"][key][k]) for key in ("agree", "disagree", "pass"))
        found[sid] = SupportSnapshot(
            statement_id=sid,
            computed_at=raw["computed_at"],
            verdict=str(verdict["verdict"][j]),
            reason=verdict["reasons"][j],
            votes=agree + disagree + passes,
            agree=agree,
            disagree=disagree,
            passes=passes,
            groups=_stored_figures(groups["support"], j, sizes),
            gic=_optional(groups["gic"][j]),
            gic_lower=_optional(groups["gic_lower"][j]),
            gic_upper=_optional(groups["gic_upper"][j]),
            bridging_status=str(bridging["status"][j]),
            intercept=_optional(bridging["intercept"][j]),
            factor=_optional(bridging["factor"][j]),
            support_low=_optional(bridging["support_low"][j]),
            support_high=_optional(bridging["support_high"][j]),
            blocs=() if blocs is None else _stored_figures(blocs["support"], j, {}),
            lenses={
                "groups": bool(groups["passed"][j]),
                "bridging": bool(bridging["passed"][j]),
                "blocs": None if blocs is None else bool(blocs["passed"][j]),
            },
            level=float(groups["support"]["level"]),
        )
    return found


@dataclass(frozen=True)
class Candidate:
    statement_id: int
    text: str
    verdict: str
    focus_area: str | None
    cross_group_support: float | None


def candidates(
    session: Session,
    dialogue: models.Dialogue,
    analysis: DialogueAnalysis,
    *,
    verdicts: Sequence[str] = CANDIDATE_VERDICTS,
) -> list[Candidate]:
    """Statements whose verdict makes them worth drafting from, strongest cross-group support first."""
    verdict = analysis.convergence
    return _ranked(
        session,
        dialogue,
        verdict.statement_ids.tolist(),
        [str(v) for v in verdict.verdict],
        [_number(x) for x in verdict.groups.cross_bloc_support],
        verdicts,
    )


def stored_candidates(
    session: Session, dialogue: models.Dialogue, *, verdicts: Sequence[str] = CANDIDATE_VERDICTS
) -> list[Candidate] | None:
    """`candidates` from the latest stored analysis — what the dashboard shows, read in milliseconds instead of
    an analysis per call — or None when none is stored yet."""
    run = latest_run(session, dialogue.id)
    if run is None:
        return None
    verdict = StoredAnalysis.of(run).verdicts
    if verdict is None:  # a run stored before the convergence verdict existed
        return None
    return _ranked(
        session, dialogue, verdict.statement_ids, verdict.verdict, verdict.cross_bloc_support, verdicts
    )


def _focus_key(focus: dict[int, str], statement: models.Statement) -> str | None:
    return None if statement.focus_area_id is None else focus.get(statement.focus_area_id)


def _ranked(
    session: Session,
    dialogue: models.Dialogue,
    statement_ids: Sequence[int],
    verdict_of: Sequence[str],
    support: Sequence[float | None],
    verdicts: Sequence[str],
) -> list[Candidate]:
    focus = {fa.id: fa.key for fa in dialogue.focus_areas}
    rows = {
        s.id: s
        for s in session.scalars(select(models.Statement).where(models.Statement.dialogue_id == dialogue.id))
    }
    found = [
        Candidate(
            statement_id=sid,
            text=rows[sid].text,
            verdict=verdict_of[j],
            focus_area=_focus_key(focus, rows[sid]),
            cross_group_support=support[j],
        )
        for j, sid in enumerate(statement_ids)
        if verdict_of[j] in verdicts and sid in rows
    ]
    found.sort(key=lambda c: (c.verdict != "convergence", -(c.cross_group_support or 0.0), c.statement_id))
    return found


def draft(
    session: Session,
    dialogue: models.Dialogue,
    *,
    statement_ids: Sequence[int],
    kind: RecommendationType,
    horizon: Horizon,
    actors: Sequence[str],
    title: str | None = None,
    text: str | None = None,
    focus_area: str | None = None,
    evidence: Sequence[dict[str, str]] = (),
    author: str | None = None,
    analysis: DialogueAnalysis | None = None,
) -> RecommendationRow:
    """A new recommendation from one or more statements (merged), as its first version."""
    statements = _statements(session, dialogue, statement_ids)
    number = (
        session.scalar(
            select(func.max(RecommendationRow.number)).where(RecommendationRow.dialogue_id == dialogue.id)
        )
        or 0
    ) + 1
    recommendation = RecommendationRow(dialogue_id=dialogue.id, number=number)
    session.add(recommendation)
    session.flush()
    version = _version(
        dialogue,
        recommendation,
        number=1,
        statements=statements,
        title=title,
        text=text,
        focus_area=focus_area,
        kind=kind,
        horizon=horizon,
        actors=actors,
        evidence=evidence,
        note="first draft",
        author=author,
    )
    version.basis.extend(_basis(session, dialogue, statements, analysis))
    session.add(version)
    session.flush()
    session.refresh(recommendation)
    log_activity(
        session,
        dialogue,
        "drafted",
        f"R{number} drafted from statement(s) {', '.join(str(s.id) for s in statements)}",
        actor=author,
        recommendation_id=recommendation.id,
    )
    return recommendation


def revise(
    session: Session,
    dialogue: models.Dialogue,
    number: int,
    *,
    statement_ids: Sequence[int] | None = None,
    kind: RecommendationType | None = None,
    horizon: Horizon | None = None,
    actors: Sequence[str] | None = None,
    title: str | None = None,
    text: str | None = None,
    focus_area: str | None = None,
    evidence: Sequence[dict[str, str]] | None = None,
    note: str = "",
    author: str | None = None,
    analysis: DialogueAnalysis | None = None,
) -> RecommendationVersionRow:
    """A new version; what is not given is carried over, including the figures copied at the first draft.

    Changing the statements takes fresh figures for the new set (a new snapshot, dated).
    """
    recommendation = get(session, dialogue, number)
    if recommendation.withdrawn:
        raise ServiceError(f"R{number} was withdrawn; it cannot be revised")
    current = recommendation.current
    focus_key = focus_area or next(fa.key for fa in dialogue.focus_areas if fa.id == current.focus_area_id)
    if statement_ids is None:
        statements = [session.get_one(models.Statement, b.statement_id) for b in current.basis]
    else:
        statements = _statements(session, dialogue, statement_ids)
    version = _version(
        dialogue,
        recommendation,
        number=current.number + 1,
        statements=statements,
        title=title if title is not None else current.title,
        text=text if text is not None else current.text,
        focus_area=focus_key,
        kind=kind or current.kind,
        horizon=horizon or current.horizon,
        actors=actors if actors is not None else current.actors,
        evidence=evidence if evidence is not None else current.evidence,
        note=note,
        author=author,
    )
    if statement_ids is None:
        version.basis.extend(
            RecommendationBasisRow(
                statement_id=b.statement_id,
                position=b.position,
                statement_text=b.statement_text,
                figures=dict(b.figures),
            )
            for b in current.basis
        )
    else:
        version.basis.extend(_basis(session, dialogue, statements, analysis))
    if _same(version, current):
        raise ServiceError(f"nothing changed: R{number} version {current.number} already says this")
    session.add(version)
    session.flush()
    session.refresh(recommendation)
    log_activity(
        session,
        dialogue,
        "revised",
        f"R{number} revised (version {version.number})" + (f": {note}" if note else ""),
        actor=author,
        recommendation_id=recommendation.id,
    )
    return version


def withdraw(session: Session, dialogue: models.Dialogue, number: int, *, reason: str) -> RecommendationRow:
    if not reason.strip():
        raise ServiceError("say why the recommendation is withdrawn")
    recommendation = get(session, dialogue, number)
    recommendation.withdrawn = True
    log_activity(
        session,
        dialogue,
        "withdrawn",
        f"R{number} withdrawn: {reason.strip()}",
        recommendation_id=recommendation.id,
    )
    return recommendation


def get(session: Session, dialogue: models.Dialogue, number: int) -> RecommendationRow:
    row = session.scalars(
        select(RecommendationRow).where(
            RecommendationRow.dialogue_id == dialogue.id, RecommendationRow.number == number
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"dialogue {dialogue.slug!r} has no recommendation R{number}")
    return row


def all_of(
    session: Session, dialogue: models.Dialogue, *, include_withdrawn: bool = False
) -> list[RecommendationRow]:
    query = select(RecommendationRow).where(RecommendationRow.dialogue_id == dialogue.id)
    if not include_withdrawn:
        query = query.where(RecommendationRow.withdrawn.is_(False))
    return list(session.scalars(query.order_by(RecommendationRow.number)))


def parse_number(reference: str | int) -> int:
    """ "R3", "r3" or "3" → 3: what people type for a recommendation."""
    text = str(reference).strip()
    digits = text[1:] if text[:1] in ("R", "r") else text
    if not digits.isdigit() or int(digits) < 1:
        raise ServiceError(f"a recommendation is named like R3 or 3, not {reference!r}")
    return int(digits)


def _statements(
    session: Session, dialogue: models.Dialogue, statement_ids: Sequence[int]
) -> list[models.Statement]:
    if not statement_ids:
        raise Invalid(
            "a recommendation rests on at least one statement: choose one", "statements", "--statement"
        )
    if len(set(statement_ids)) != len(statement_ids):
        raise Invalid("a statement is listed twice", "statements", "--statement")
    found = []
    for sid in statement_ids:
        row = session.get(models.Statement, sid)
        if row is None or row.dialogue_id != dialogue.id:
            raise NotFound(f"dialogue {dialogue.slug!r} has no statement {sid}")
        if row.moderation == Moderation.REJECTED:
            raise ServiceError(f"statement {sid} was moderated out; a recommendation cannot rest on it")
        found.append(row)
    return found


def _version(
    dialogue: models.Dialogue,
    recommendation: RecommendationRow,
    *,
    number: int,
    statements: Sequence[models.Statement],
    title: str | None,
    text: str | None,
    focus_area: str | None,
    kind: RecommendationType,
    horizon: Horizon,
    actors: Sequence[str],
    evidence: Sequence[dict[str, str]],
    note: str,
    author: str | None,
) -> RecommendationVersionRow:
    wording = (text if text is not None else " ".join(s.text.strip() for s in statements)).strip()
    if not wording:
        raise Invalid("a recommendation needs text", "text", "--text")
    heading = (title if title is not None else _title_from(wording)).strip()
    if not heading:
        raise Invalid("a recommendation needs a title", "title", "--title")
    if len(heading) > 300:
        raise Invalid("a recommendation's title is at most 300 characters", "title", "--title")
    cleaned_actors = [a.strip() for a in actors if a.strip()]
    if not cleaned_actors:
        raise Invalid(
            "name at least one actor the recommendation asks to act (e.g. employers, Congress)",
            "actors",
            "--actor",
        )
    if len({a.casefold() for a in cleaned_actors}) != len(cleaned_actors):
        raise Invalid("an actor is listed twice", "actors", "--actor")
    focus_id = _focus_area_id(dialogue, statements, focus_area)
    return RecommendationVersionRow(
        recommendation_id=recommendation.id,
        number=number,
        title=heading,
        text=wording,
        focus_area_id=focus_id,
        kind=RecommendationType(kind),
        horizon=Horizon(horizon),
        actors=cleaned_actors,
        evidence=[_evidence_item(item) for item in evidence],
        note=note.strip(),
        author=author,
    )


def _focus_area_id(
    dialogue: models.Dialogue, statements: Sequence[models.Statement], focus_area: str | None
) -> int:
    by_key = {fa.key: fa.id for fa in dialogue.focus_areas}
    if focus_area is not None:
        if focus_area not in by_key:
            known = ", ".join(by_key) or "none"
            raise NotFound(f"dialogue {dialogue.slug!r} has no focus area {focus_area!r} (known: {known})")
        return by_key[focus_area]
    areas = {s.focus_area_id for s in statements if s.focus_area_id is not None}
    if len(areas) == 1:
        return areas.pop()
    if not areas:
        raise Invalid(
            "the statements have no focus area; choose the recommendation's", "focus_area", "--focus-area"
        )
    raise Invalid(
        "the statements belong to different focus areas; choose the recommendation's",
        "focus_area",
        "--focus-area",
    )


def _evidence_item(item: dict[str, str]) -> dict[str, str]:
    text = str(item.get("text", "")).strip()
    url = str(item.get("url", "") or "").strip()
    if url:
        check_url(url)
    if not text and not url:
        raise Invalid("an evidence item needs a description or a link", "evidence", "--evidence")
    return {"text": text, "url": url}


def check_url(url: str) -> str:
    """Only web links: a `javascript:` or `data:` link in a report or page would be a way to run code."""
    lowered = url.strip().lower()
    if not (lowered.startswith(("https://", "http://"))) or any(c.isspace() for c in url.strip()):
        raise Invalid(
            f"a link must be an http(s) address without spaces, not {url!r}", "evidence", "--evidence"
        )
    return url.strip()


def _basis(
    session: Session,
    dialogue: models.Dialogue,
    statements: Sequence[models.Statement],
    analysis: DialogueAnalysis | None,
) -> list[RecommendationBasisRow]:
    """Each statement's figures: from `analysis` when given, else from the latest stored analysis, and from a
    fresh analysis only when no stored run knows every statement (none yet, or a statement accepted since).
    Refused for a statement nobody has voted on, since a recommendation says the table supports it, and no vote
    is no support (it was drafted with empty figures)."""
    if analysis is not None:
        figures = {s.id: snapshot_support(analysis, s.id) for s in statements}
    else:
        run = latest_run(session, dialogue.id)
        raw = None if run is None else parse(run)
        has_verdict = raw is not None and bool(raw.get("convergence"))
        figures = stored_snapshots(raw, [s.id for s in statements]) if raw and has_verdict else {}
        if len(figures) < len(statements):
            fresh = analyze_dialogue(session, dialogue)
            figures = {s.id: snapshot_support(fresh, s.id) for s in statements}
    for s in statements:
        if figures[s.id].votes == 0:
            raise ServiceError(
                f"nobody has voted on statement {s.id} yet; a recommendation rests on statements the table "
                "voted on"
            )
    return [
        RecommendationBasisRow(
            statement_id=s.id, position=i, statement_text=s.text, figures=figures[s.id].to_dict()
        )
        for i, s in enumerate(statements)
    ]


def _same(new: RecommendationVersionRow, old: RecommendationVersionRow) -> bool:
    fields = ("title", "text", "focus_area_id", "kind", "horizon", "actors", "evidence")
    same_fields = all(getattr(new, f) == getattr(old, f) for f in fields)
    same_basis = [(b.statement_id, b.figures) for b in new.basis] == [
        (b.statement_id, b.figures) for b in old.basis
    ]
    return same_fields and same_basis


def _title_from(text: str, limit: int = 90) -> str:
    first = text.split(". ")[0].rstrip(".")
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _number(value: Any) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value

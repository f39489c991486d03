"""Gather the final report from the store and one analysis run: the only part of the report that reads data.

Analysis and rendering are separate on purpose: `build_report` takes an optional `DialogueAnalysis` so a caller
(the benchmark, the web page) can time or reuse it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.analysis.bridging import BridgingModel
from workingup.analysis.settings import SETTINGS_HELP
from workingup.domain import (
    HORIZON_LABELS,
    RECOMMENDATION_TYPE_LABELS,
    Moderation,
    Outcome,
    Phase,
    Role,
    Stance,
    StatementKind,
)
from workingup.report.model import (
    BasisItem,
    Breakdown,
    CommitmentItem,
    CountRow,
    FocusSection,
    Listening,
    ListeningItem,
    MapGroup,
    Method,
    PhaseSpan,
    RecommendationItem,
    ReportData,
    Roster,
    ThemeItem,
    Voice,
)
from workingup.report.opinion_map import opinion_map_svg
from workingup.services import endorsements, recommendations, tracking
from workingup.services.analysis import DialogueAnalysis, analyze_dialogue
from workingup.services.disclosure import MIN_GROUP, Pool, pool_groups, publishable_name
from workingup.services.listening import latest_themes, origins, sessions_of
from workingup.services.recommendations import SupportSnapshot
from workingup.store import models
from workingup.store.agenda import RecommendationRow
from workingup.store.queries import DialogueCounts, dialogue_counts

SECTOR_OTHER = "Other sectors"


def build_report(
    session: Session,
    dialogue: models.Dialogue,
    *,
    analysis: DialogueAnalysis | None = None,
    now: datetime | None = None,
) -> ReportData:
    analysis = analysis or analyze_dialogue(session, dialogue)
    now = now or datetime.now(UTC)
    counts = dialogue_counts(session, dialogue.id)
    named = endorsements.consents(session, dialogue)
    people = list(
        session.scalars(select(models.Participant).where(models.Participant.dialogue_id == dialogue.id))
    )
    listening = _listening(session, dialogue)

    simulated = []
    if counts.any_simulated:
        simulated.append("participants and votes are simulated")
    if listening is not None and any(s.illustrative for s in listening.sessions):
        simulated.append("the listening session is illustrative, written for this project")

    results = endorsements.results(session, dialogue)
    board = {r.number: r for r in tracking.tracker(session, dialogue).recommendations}
    items = [
        _recommendation(dialogue, rec, results.result(rec.number), board.get(rec.number))
        for rec in recommendations.all_of(session, dialogue)
        if results.round_id is not None
    ]
    sections = tuple(
        FocusSection(
            key=fa.key,
            title=fa.title,
            description=fa.description,
            adopted=tuple(i for i in items if i.focus_area == fa.title and i.outcome == Outcome.ADOPTED),
        )
        for fa in dialogue.focus_areas
    )
    result = analysis.analysis
    svg, drawn = opinion_map_svg(
        result.participant_xy,
        result.labels,
        [g.name for g in result.groups],
        title=f"Opinion map: {dialogue.title}",
    )
    caption = (
        f"Each dot is one participant, placed by how they voted (principal components of the vote matrix); "
        f"colours are the {result.n_groups} opinion groups, grey dots were not grouped (too few votes)."
    )
    if drawn < int(np.isfinite(result.participant_xy).all(axis=1).sum()):
        caption += f" {drawn:,} evenly spaced participants of {len(result.participant_xy):,} are drawn."
    if results.round_id is None:
        round_text = "No endorsement round has been held yet: no recommendation is adopted."
    else:
        state = (
            "open" if results.open else f"closed {results.closed_at:%Y-%m-%d}" if results.closed_at else ""
        )
        opened = f"{results.opened_at:%Y-%m-%d}" if results.opened_at else ""
        round_text = f"Endorsement round {results.round_id} (opened {opened}, {state}); adoption rule: {results.rule_text}."
    return ReportData(
        slug=dialogue.slug,
        title=dialogue.title,
        description=dialogue.description.strip(),
        generated_at=now,
        simulated=tuple(simulated),
        phases=_phases(dialogue),
        ground_rules=tuple(dialogue.ground_rules),
        roster=_roster(dialogue, people, named),
        listening=listening,
        principles=_principles(session, dialogue, analysis),
        opinion_map_svg=svg,
        map_groups=tuple(
            MapGroup(g.name, f"{g.size:,}" if g.size >= MIN_GROUP else f"fewer than {MIN_GROUP}")
            for g in result.groups
        ),
        map_caption=caption,
        round_text=round_text,
        focus_sections=sections,
        not_adopted=tuple(i for i in items if i.outcome != Outcome.ADOPTED),
        method=_method(session, dialogue, analysis, counts, results, listening),
        data_basis=data_basis(dialogue, counts, analysis.computed_at, now),
    )


def data_basis(
    dialogue: models.Dialogue, counts: DialogueCounts, analysed_at: datetime, now: datetime
) -> str:
    """The sentence under the report's title: the data it was drawn from, and whether that data could still change.

    Why: a report made while voting is open describes a moment, not the dialogue's outcome; the reader must be able
    to tell the two apart, and to match a report with the votes it counted."""
    drawn = (
        f"Drawn from {counts.current_votes:,} votes by {counts.voters:,} of {counts.participants:,} participants, "
        f"analysed {analysed_at:%Y-%m-%d %H:%M} UTC."
    )
    closed = dialogue.voting_closed_at
    if closed is None:
        return f"{drawn} Voting was still open when this report was made ({now:%Y-%m-%d %H:%M} UTC): the figures may change."
    late = (
        " Votes cast before the cut-off but after the analysis are not in it." if analysed_at < closed else ""
    )
    return f"{drawn} Voting closed {closed:%Y-%m-%d %H:%M} UTC: these are the final figures.{late}"


def _phases(dialogue: models.Dialogue) -> tuple[PhaseSpan, ...]:
    changes = sorted(dialogue.phase_changes, key=lambda c: c.changed_at)
    spans = []
    for i, change in enumerate(changes):
        ended = changes[i + 1].changed_at.date() if i + 1 < len(changes) else None
        spans.append(PhaseSpan(Phase(change.phase).label, change.changed_at.date(), ended))
    return tuple(spans)


def _roster(dialogue: models.Dialogue, people: Sequence[models.Participant], named: set[int]) -> Roster:
    table = [p for p in people if p.role == Role.STAKEHOLDER]
    labels = {s.key: s.label for s in dialogue.sectors}
    sectors: dict[str, int] = dict.fromkeys(labels, 0)
    for person in table:
        sectors[person.sector or "none"] = sectors.get(person.sector or "none", 0) + 1
    leanings = dict.fromkeys(endorsements.LEANING_GROUPS, 0)
    for person in table:
        leanings[endorsements.leaning_group(person.leaning)] += 1

    def rows(pools: Sequence[Pool]) -> tuple[CountRow, ...]:
        return tuple(CountRow(p.label, p.size_text) for p in pools)

    def size(n: int) -> str:
        return "none" if n == 0 else f"fewer than {MIN_GROUP}" if n < MIN_GROUP else f"{n:,}"

    advisors = [p for p in people if p.role == Role.ADVISOR]

    def names(group: Sequence[models.Participant]) -> tuple[str, ...]:
        return tuple(
            sorted(n for p in group if (n := publishable_name(p.display_name, p.id in named)) is not None)
        )

    return Roster(
        stakeholders=size(len(table)),
        by_sector=rows(pool_groups(sectors, lambda k: labels.get(k, "No sector"), other_label=SECTOR_OTHER)),
        by_leaning=rows(pool_groups(leanings, endorsements.LEANING_LABELS, other_label="Other leanings")),
        advisors=size(len(advisors)),
        advisor_names=names(advisors),
        stakeholder_names=names(table),
        community_voices=size(sum(1 for p in people if p.role == Role.COMMUNITY_VOICE)),
        public=size(sum(1 for p in people if p.role == Role.PUBLIC)),
    )


def _listening(session: Session, dialogue: models.Dialogue) -> Listening | None:
    rows = sessions_of(session, dialogue)
    if not rows:
        return None
    shown = [r for r in rows if r.consent_recorded]
    items = tuple(
        ListeningItem(
            held_on=r.held_on,
            description=(
                f"{r.place}, facilitated by {r.facilitator}"
                if r.consent_to_name
                else "A listening session (not named: no consent to name it)"
                if not r.illustrative
                else "An illustrative listening session (written for this project)"
            ),
            contributions=len(r.contributions),
            illustrative=r.illustrative,
        )
        for r in shown
    )
    themes: tuple[ThemeItem, ...] = ()
    run = latest_themes(session, dialogue)
    if run is not None:
        # A statement belongs to the theme that, in the latest run, holds the contribution it was drawn from.
        theme_of = {member: t.id for t in run.result.themes for member in t.members}
        statements: dict[int, list[str]] = {}
        recommendations: dict[int, list[str]] = {}
        drawn = origins(session, dialogue)
        titles = _recommendations_resting_on(session, dialogue, [statement.id for statement, _ in drawn])
        for statement, origin in drawn:
            theme_id = theme_of.get(origin.contribution_id)
            if theme_id is None:
                continue
            statements.setdefault(theme_id, []).append(statement.text)
            for title in titles.get(statement.id, ()):
                if title not in recommendations.setdefault(theme_id, []):
                    recommendations[theme_id].append(title)
        themes = tuple(
            ThemeItem(
                label=t.label,
                size=t.size,
                quotes=tuple(q.text for q in t.quotes[:3]),
                statements=tuple(statements.get(t.id, ())),
                recommendations=tuple(recommendations.get(t.id, ())),
            )
            for t in run.result.themes
        )
    return Listening(items, themes, withheld=len(rows) - len(shown))


def _recommendations_resting_on(
    session: Session, dialogue: models.Dialogue, statement_ids: list[int]
) -> dict[int, list[str]]:
    """Titles of the live recommendations whose current version rests on each statement."""
    if not statement_ids:
        return {}
    out: dict[int, list[str]] = {}
    for recommendation in session.scalars(
        select(RecommendationRow).where(
            RecommendationRow.dialogue_id == dialogue.id, RecommendationRow.withdrawn.is_(False)
        )
    ):
        current = recommendation.versions[-1] if recommendation.versions else None
        if current is None:
            continue
        for basis in current.basis:
            if basis.statement_id in statement_ids:
                out.setdefault(basis.statement_id, []).append(current.title)
    return out


def _principles(
    session: Session, dialogue: models.Dialogue, analysis: DialogueAnalysis
) -> tuple[BasisItem, ...]:
    rows = session.scalars(
        select(models.Statement)
        .where(
            models.Statement.dialogue_id == dialogue.id,
            models.Statement.kind == StatementKind.PRINCIPLE,
            models.Statement.moderation != Moderation.REJECTED,
        )
        .order_by(models.Statement.id)
    )
    found = []
    for row in rows:
        snapshot = recommendations.snapshot_support(analysis, row.id)
        if snapshot.verdict == "convergence":
            found.append(BasisItem(row.id, row.text, snapshot))
    return tuple(found)


def _recommendation(
    dialogue: models.Dialogue,
    rec: RecommendationRow,
    result: endorsements.RecommendationResult,
    tracked: tracking.TrackedRecommendation | None,
) -> RecommendationItem:
    version = rec.current
    focus = next((fa.title for fa in dialogue.focus_areas if fa.id == version.focus_area_id), "")
    counts = {s.value: result.counts[s] for s in Stance}
    counts["no_answer"] = result.no_answer
    breakdowns = tuple(
        Breakdown(
            title,
            tuple(
                (
                    pool.label,
                    pool.size_text,
                    None if pool.suppressed else dict(breakdown.counts.get(pool.label, {})),
                )
                for pool in breakdown.pools
            ),
        )
        for title, breakdown in (("By sector", result.by_sector), ("By leaning", result.by_leaning))
    )
    commitments: tuple[CommitmentItem, ...] = ()
    if tracked is not None:
        commitments = tuple(
            CommitmentItem(
                id=c.id,
                actor=c.actor,
                description=c.description,
                due_on=c.due_on,
                status=c.status.label,
                progress=c.progress,
                evidence=tuple((e.dated, e.url, e.note) for e in c.evidence),
            )
            for c in tracked.commitments
        )
    return RecommendationItem(
        number=rec.number,
        version=version.number,
        title=version.title,
        text=version.text,
        focus_area=focus,
        kind=RECOMMENDATION_TYPE_LABELS[version.kind],
        horizon=HORIZON_LABELS[version.horizon],
        actors=tuple(version.actors),
        evidence=tuple((e.get("text", ""), e.get("url", "")) for e in version.evidence),
        drafted_at=version.created_at,
        outcome=result.outcome.value,
        outcome_label=result.outcome.label,
        explanation=result.explanation,
        counts=counts,
        table_size=result.table_size,
        stale=result.stale,
        blocks=tuple(Voice(v.text, v.name) for v in result.blocks),
        reservations=tuple(Voice(v.text, v.name) for v in result.reservations),
        breakdowns=breakdowns,
        basis=tuple(
            BasisItem(b.statement_id, b.statement_text, SupportSnapshot.from_dict(b.figures))
            for b in version.basis
        ),
        commitments=commitments,
    )


def _method(
    session: Session,
    dialogue: models.Dialogue,
    analysis: DialogueAnalysis,
    counts: DialogueCounts,
    results: endorsements.RoundResults,
    listening: Listening | None,
) -> Method:
    result = analysis.analysis
    verdict = analysis.convergence
    settings = result.settings
    conv = verdict.settings
    bridging = BridgingModel().get_params()
    paragraphs = (
        "Votes: agree counts +1, disagree −1, pass 0; a statement a participant never saw is missing, not a "
        "pass. Only each participant's latest vote on a statement counts; the full history is kept.",
        "Opinion map and groups (Pol.is-compatible): the vote matrix is centred, missing cells take the "
        "column mean, and the two principal components place each participant using only the statements "
        "they saw, scaled by √(statements / statements seen). Participants with enough votes are grouped by "
        "k-means, the number of groups chosen by silhouette; no group has fewer than five members. No "
        "randomness: the same votes give the same groups.",
        "Agreement within a group or bloc is the share of agree among its votes (a pass counts as a vote "
        f"that did not agree), with a {conv.level:.0%} Beta(agree+1, others+1) credible interval. Cross-group "
        "support is the lowest group's lower bound. Group-informed consensus (Pol.is) is the product over "
        "groups of (agree+1)/(votes+2), shown with a bootstrap interval over participants.",
        "Bridging (the X Community Notes model): each vote ≈ μ + participant intercept + statement intercept "
        "+ participant factor × statement factor, fitted by alternating ridge solves with the intercepts "
        "penalised more than the factors. A statement bridges when people on both sides of the main divide "
        "are predicted to support it.",
        "Declared blocs: participants' self-declared leaning (left or right; centre and undisclosed belong "
        "to neither) gives a third lens, the same figures as for opinion groups.",
        "Convergence verdict: a statement converges when every available lens passes (cross-group and "
        f"cross-bloc support ≥ {conv.support_bar:.2f}, bridging status 'bridging'); it needs more votes with "
        f"fewer than {conv.min_votes} votes, or fewer than {conv.min_group_votes} from a group or bloc.",
        "Coordinated voting: blocs of identical or near-identical voters who arrived together are detected "
        "and count as one voice in every lens.",
        "Recommendations rest on statements whose figures were copied when each version was drafted; the "
        "figures in this report are those copies, dated, not a later re-computation.",
        f"Publication: aggregates never describe fewer than {MIN_GROUP} people (smaller groups are pooled, "
        "or shown as 'fewer than 5'); a person is named only with recorded consent; a block is always "
        "reported, with its reason.",
    )
    setting_rows = [(name, str(getattr(settings, name)), help_) for name, _, help_ in SETTINGS_HELP]
    setting_rows += [
        (f"convergence.{f.name}", str(getattr(conv, f.name)), "convergence verdict") for f in fields(conv)
    ]
    setting_rows += [
        (f"bridging.{name}", str(value), "bridging model (Community Notes)")
        for name, value in sorted(bridging.items())
    ]
    rejected = int(np.sum(result.rejected))
    meta = int(np.sum(result.meta & ~result.rejected))
    unclustered = int(np.sum(~result.clustered))
    coordination = verdict.coordination
    count_rows = (
        ("participants", f"{counts.participants:,}"),
        ("participants who voted", f"{counts.voters:,}"),
        ("participants in opinion groups", f"{int(np.sum(result.clustered)):,}"),
        ("opinion groups", str(result.n_groups)),
        ("statements", f"{counts.statements:,}"),
        ("votes that count (latest per participant and statement)", f"{counts.current_votes:,}"),
        ("vote events recorded (history)", f"{counts.vote_events:,}"),
        ("analysis run at", analysis.computed_at.strftime("%Y-%m-%d %H:%M UTC")),
        (
            "voting closed at",
            dialogue.voting_closed_at.strftime("%Y-%m-%d %H:%M UTC")
            if dialogue.voting_closed_at
            else "still open",
        ),
    )
    stale = sum(r.stale for r in results.recommendations)
    exclusions = [
        f"{rejected} statement(s) moderated out: kept in the matrix with every vote zeroed, never a candidate.",
        f"{meta} meta statement(s) (about the process): not analysed.",
        f"{unclustered:,} participant(s) with fewer than {settings.min_votes} votes: on the map, not in a group.",
        f"{len(coordination.blocs)} coordinated bloc(s) of {coordination.n_flagged:,} participant(s): each bloc "
        "counted as one voice.",
        f"{stale} stance(s) given on an earlier wording of a recommendation: not counted.",
    ]
    if listening is not None and listening.withheld:
        exclusions.append(
            f"{listening.withheld} listening session(s) without recorded consent: not described or quoted."
        )
    unmoderated = counts.statements_by_moderation.get(Moderation.UNMODERATED, 0)
    if unmoderated:
        exclusions.append(f"{unmoderated} statement(s) not yet moderated: analysed, flagged in the tables.")
    no_sector = session.scalar(
        select(func.count()).where(
            models.Participant.dialogue_id == dialogue.id,
            models.Participant.role == Role.STAKEHOLDER,
            models.Participant.sector.is_(None),
        )
    )
    if no_sector:
        exclusions.append(f"{no_sector} stakeholder(s) without a sector: counted under 'No sector'.")
    return Method(paragraphs, tuple(setting_rows), count_rows, tuple(exclusions))

"""Aggregate results for the public: what people think, never who thinks it.

Every figure is computed over a group of people; a figure over fewer than MIN_GROUP (5) people is suppressed,
whatever the group: all voters on a statement, or the voters of one declared side. Rejected and unmoderated
statements are not shown, and nothing here names a participant or exposes one person's votes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from workingup.domain import Leaning, Moderation
from workingup.services.disclosure import MIN_GROUP
from workingup.store import models

PUBLIC_SIDES = ("left", "center", "right")


@dataclass(frozen=True)
class Tally:
    """Agree/disagree/pass counts over `voters` people, or suppressed (all None) when fewer than MIN_GROUP."""

    voters: int | None
    agree: int | None
    disagree: int | None
    passed: int | None

    @property
    def suppressed(self) -> bool:
        return self.voters is None

    @property
    def agree_share(self) -> float | None:
        if self.voters is None or self.agree is None or self.voters == 0:
            return None
        return self.agree / self.voters

    @classmethod
    def of(cls, agree: int, disagree: int, passed: int) -> Tally:
        voters = agree + disagree + passed
        if voters < MIN_GROUP:
            return cls(None, None, None, None)
        return cls(voters, agree, disagree, passed)


@dataclass(frozen=True)
class StatementResult:
    statement_id: int
    text: str
    focus_area: str | None
    overall: Tally
    by_side: dict[str, Tally]
    by_group: dict[str, Tally] = field(default_factory=dict)
    """Opinion group name → tally, from the latest analysis; groups under MIN_GROUP people are left out."""


@dataclass(frozen=True)
class PublicResults:
    statements: list[StatementResult]
    voters: int | None
    """How many people voted at all (None when fewer than MIN_GROUP)."""
    groups: list[tuple[str, int]] = field(default_factory=list)
    """(name, size) of the opinion groups shown: only those of at least MIN_GROUP people."""


def public_results(session: Session, dialogue: models.Dialogue) -> PublicResults:
    side_of = {leaning: leaning.side for leaning in Leaning}
    counts: dict[tuple[int, str | None], list[int]] = {}
    rows = session.execute(
        select(
            models.CurrentVote.statement_id,
            models.Participant.leaning,
            func.sum(case((models.CurrentVote.value == 1, 1), else_=0)),
            func.sum(case((models.CurrentVote.value == -1, 1), else_=0)),
            func.sum(case((models.CurrentVote.value == 0, 1), else_=0)),
        )
        .join(models.Participant, models.Participant.id == models.CurrentVote.participant_id)
        .where(models.CurrentVote.dialogue_id == dialogue.id)
        .group_by(models.CurrentVote.statement_id, models.Participant.leaning)
    )
    for sid, leaning, a, d, p in rows:
        bucket = counts.setdefault((sid, side_of[leaning]), [0, 0, 0])
        bucket[0] += int(a)
        bucket[1] += int(d)
        bucket[2] += int(p)
    statements = session.scalars(
        select(models.Statement)
        .where(
            models.Statement.dialogue_id == dialogue.id, models.Statement.moderation == Moderation.ACCEPTED
        )
        .order_by(models.Statement.id)
    ).all()
    titles = {fa.id: fa.title for fa in dialogue.focus_areas}
    groups, by_group = _group_tallies(session, dialogue.id)
    results = []
    for st in statements:
        per_side = {side: counts.get((st.id, side), [0, 0, 0]) for side in (*PUBLIC_SIDES, None)}
        overall = [sum(v[i] for v in per_side.values()) for i in range(3)]
        results.append(
            StatementResult(
                statement_id=st.id,
                text=st.text,
                focus_area=titles.get(st.focus_area_id) if st.focus_area_id else None,
                overall=Tally.of(*overall),
                by_side={side: Tally.of(*per_side[side]) for side in PUBLIC_SIDES},
                # A statement accepted since the last analysis has no group figures yet: shown as hidden.
                by_group=by_group.get(st.id) or {name: Tally.of(0, 0, 0) for name, _ in groups},
            )
        )
    voters = int(
        session.scalar(
            select(func.count(func.distinct(models.CurrentVote.participant_id))).where(
                models.CurrentVote.dialogue_id == dialogue.id
            )
        )
        or 0
    )
    return PublicResults(statements=results, voters=voters if voters >= MIN_GROUP else None, groups=groups)


def _group_tallies(
    session: Session, dialogue_id: int
) -> tuple[list[tuple[str, int]], dict[int, dict[str, Tally]]]:
    """Per statement, each opinion group's tally from the latest analysis; small groups are never included."""
    from workingup.services.analysis_runs import latest_run
    from workingup.services.stored_analysis import StoredAnalysis

    run = latest_run(session, dialogue_id)
    if run is None:
        return [], {}
    opinions = StoredAnalysis.of(run).opinions
    st = opinions.statements
    shown = [((name, size), i) for i, (name, size) in enumerate(opinions.group_sizes) if size >= MIN_GROUP]
    tallies: dict[int, dict[str, Tally]] = {}
    for column, sid in enumerate(st.id):
        tallies[sid] = {
            name: Tally.of(
                st.group_agree[row][column],
                st.group_disagree[row][column],
                st.group_seen[row][column] - st.group_agree[row][column] - st.group_disagree[row][column],
            )
            for (name, _), row in shown
        }
    return [group for group, _ in shown], tallies

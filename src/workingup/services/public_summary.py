"""The public page's reading of the results: what the dialogue agrees on, where it divides, and between whom.

The numbers are the public results' own tallies (`services/results.py`): every figure is over at least MIN_GROUP
people, so a bar is never drawn for a group or a side of fewer than five. Which statements are "agreed" or
"divided" is the stored analysis's convergence verdict (docs/architecture.md §3.2), never a threshold chosen here,
so the label a visitor reads is the call the facilitators' dashboard shows. Each share carries a 90 % Wilson
interval, the range a visitor should read instead of the point: 9 of 10 and 900 of 1,000 are both "90 %", and
only the range tells them apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from workingup.services.results import PUBLIC_SIDES, PublicResults, StatementResult, Tally
from workingup.store import models

Z_90 = 1.6448536269514722
"""Two-sided 90 % normal quantile: the interval the analysis's own credible intervals use."""
AGREED_SHOWN = 3
DIVIDED_SHOWN = 2
"""How many of each the front page draws: its findings, map and the full table's link fit in three screens at 390 px."""
AGREED_VERDICTS = ("convergence",)
"""Only the calibrated call is labelled "agreed"; "partial" statements are offered as "closest" when none is."""
NEAR_VERDICTS = ("partial",)
DIVIDED_VERDICTS = ("divided",)


def wilson(successes: int, trials: int, z: float = Z_90) -> tuple[float, float]:
    """The Wilson score interval of a share: never outside 0…1, and honest at 0 % and 100 % (unlike ±1.96·SE)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # The share itself is always inside (rounding alone would put 10 of 10 above a high of 0.9999999999999999).
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


@dataclass(frozen=True)
class Share:
    """One bar: how many of a group or declared side agree, with its 90 % range. Only built for ≥ MIN_GROUP."""

    kind: str
    """"group" (an opinion group found by the analysis), "side" (a declared leaning) or "all"."""
    key: str
    """The group's name ("A") or the side ("left"); "all" for everyone."""
    agree: int
    disagree: int
    voters: int
    low: float
    high: float

    @property
    def share(self) -> float:
        return self.agree / self.voters

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    @property
    def low_percent(self) -> int:
        return math.floor(100 * self.low)

    @property
    def high_percent(self) -> int:
        return math.ceil(100 * self.high)

    @classmethod
    def of(cls, kind: str, key: str, tally: Tally) -> Share | None:
        """None when the tally is suppressed (fewer than MIN_GROUP people) or empty."""
        if tally.suppressed or not tally.voters or tally.agree is None or tally.disagree is None:
            return None
        low, high = wilson(tally.agree, tally.voters)
        return cls(kind, key, tally.agree, tally.disagree, tally.voters, low, high)


@dataclass(frozen=True)
class Finding:
    """A statement on the public page with its bars: everyone, each opinion group, each declared side."""

    statement_id: int
    text: str
    focus_area: str | None
    verdict: str
    overall: Share
    groups: tuple[Share, ...]
    sides: tuple[Share, ...]
    hidden: int
    """How many groups and sides are left out because fewer than MIN_GROUP of them voted on it."""

    @property
    def bars(self) -> tuple[Share, ...]:
        return (self.overall, *self.groups, *self.sides)

    @property
    def most(self) -> Share:
        """The opinion group (or side, without groups) agreeing most: one end of a division."""
        pool = self.groups or self.sides
        return max(pool, key=lambda s: (s.share, s.key))

    @property
    def least(self) -> Share:
        pool = self.groups or self.sides
        return min(pool, key=lambda s: (s.share, s.key))


@dataclass(frozen=True)
class PublicSummary:
    agreed: tuple[Finding, ...]
    """Called "convergence" by the latest analysis, most agreed first (at most AGREED_SHOWN)."""
    agreed_total: int
    near: tuple[Finding, ...]
    """When nothing is called agreed yet: the "partial" statements closest to it (labelled as such)."""
    divided: tuple[Finding, ...]
    """Called "divided": most apart first (the widest gap between the groups at either end)."""
    divided_total: int
    analysed: bool
    """False when no analysis with verdicts exists yet (nothing can honestly be called agreed)."""


def finding(result: StatementResult, verdict: str) -> Finding | None:
    """The statement's bars, or None when fewer than MIN_GROUP people voted on it at all."""
    overall = Share.of("all", "all", result.overall)
    if overall is None:
        return None
    groups = [Share.of("group", name, tally) for name, tally in result.by_group.items()]
    sides = [Share.of("side", side, result.by_side[side]) for side in PUBLIC_SIDES]
    return Finding(
        statement_id=result.statement_id,
        text=result.text,
        focus_area=result.focus_area,
        verdict=verdict,
        overall=overall,
        groups=tuple(s for s in groups if s is not None),
        sides=tuple(s for s in sides if s is not None),
        hidden=sum(1 for s in (*groups, *sides) if s is None),
    )


def verdicts_of(session: Session, dialogue: models.Dialogue) -> dict[int, str] | None:
    """Statement id → the latest analysis's convergence verdict; None when no analysis has verdicts."""
    from workingup.services.analysis_runs import latest_run
    from workingup.services.stored_analysis import StoredAnalysis

    run = latest_run(session, dialogue.id)
    if run is None:
        return None
    verdicts = StoredAnalysis.of(run).verdicts
    if verdicts is None:
        return None
    return dict(zip(verdicts.statement_ids, verdicts.verdict, strict=True))


def public_summary(session: Session, dialogue: models.Dialogue, results: PublicResults) -> PublicSummary:
    """The headline reading of `results` (already limited to accepted statements and groups of ≥ MIN_GROUP)."""
    verdicts = verdicts_of(session, dialogue)
    if verdicts is None:
        return PublicSummary((), 0, (), (), 0, analysed=False)

    def found(wanted: tuple[str, ...]) -> list[Finding]:
        items = (
            finding(r, verdicts[r.statement_id])
            for r in results.statements
            if verdicts.get(r.statement_id) in wanted
        )
        return [f for f in items if f is not None]

    agreed = sorted(found(AGREED_VERDICTS), key=lambda f: (-f.overall.low, f.statement_id))
    near = [] if agreed else sorted(found(NEAR_VERDICTS), key=lambda f: (-f.overall.low, f.statement_id))
    divided = sorted(
        (f for f in found(DIVIDED_VERDICTS) if len(f.groups or f.sides) >= 2),
        key=lambda f: (-(f.most.share - f.least.share), f.statement_id),
    )
    return PublicSummary(
        agreed=tuple(agreed[:AGREED_SHOWN]),
        agreed_total=len(agreed),
        near=tuple(near[:AGREED_SHOWN]),
        divided=tuple(divided[:DIVIDED_SHOWN]),
        divided_total=len(divided),
        analysed=True,
    )

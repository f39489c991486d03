"""The JSON API's shapes for the agenda (recommendations, the endorsement round, the tracker) and listening sessions.

Kept apart from web/schemas.py so the later pages' API can grow without touching the core shapes. The same rule
holds: one schema per reader. The facilitator sees the round's results (pooled so no group under five is
described, and names only with consent); a stakeholder sees the recommendations and their own stance; the public
sees the tracker as its page shows it and nothing more.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from workingup.domain import (
    AdoptionRule,
    CommitmentStatus,
    Horizon,
    Outcome,
    RecommendationType,
    Stance,
    StatementKind,
)
from workingup.web.schemas import DbId, Schema, SeedStatementText

# --- recommendations (facilitators) -----------------------------------------------------------------------------


class CandidateOut(Schema):
    """A statement worth drafting from, with its convergence verdict."""

    statement_id: int
    text: str
    verdict: Literal["convergence", "partial"]
    focus_area: str | None
    cross_group_support: float | None


class EvidenceItem(Schema):
    text: str = Field(default="", max_length=2000)
    url: str = Field(default="", max_length=2000, description="An http(s) link, or empty.")


class BasisOut(Schema):
    """A statement a version rests on, with the figures copied when the version was drafted."""

    statement_id: int
    text: str
    verdict: str | None
    votes: int | None
    computed_at: str | None


class VersionOut(Schema):
    number: int
    title: str
    text: str
    focus_area: str
    kind: RecommendationType
    horizon: Horizon
    actors: list[str]
    evidence: list[EvidenceItem]
    note: str
    author: str | None
    created_at: datetime
    basis: list[BasisOut]


class RecommendationForFacilitator(Schema):
    number: int
    withdrawn: bool
    current: VersionOut
    versions: int = Field(description="How many versions exist; `current` is the latest.")


class RecommendationHistory(Schema):
    number: int
    withdrawn: bool
    versions: list[VersionOut] = Field(description="Every version, oldest first.")


class DraftIn(Schema):
    statement_ids: list[DbId] = Field(min_length=1, max_length=50)
    kind: RecommendationType
    horizon: Horizon
    actors: list[str] = Field(min_length=1, max_length=50, description="Who is asked to act.")
    title: str | None = Field(default=None, max_length=300, description="Default: from the text.")
    text: str | None = Field(default=None, max_length=10_000, description="Default: the statements' text.")
    focus_area: str | None = Field(
        default=None, max_length=100, description="Needed when the statements span focus areas."
    )
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=50)


class ReviseIn(Schema):
    """What changes in the new version; anything left out is carried over from the current one."""

    title: str | None = Field(default=None, max_length=300)
    text: str | None = Field(default=None, max_length=10_000)
    note: str = Field(default="", max_length=2000, description="Why it changed (shown in the history).")
    statement_ids: list[DbId] | None = Field(
        default=None, min_length=1, max_length=50, description="New statements take fresh figures."
    )
    kind: RecommendationType | None = None
    horizon: Horizon | None = None
    actors: list[str] | None = Field(default=None, max_length=50)
    focus_area: str | None = Field(default=None, max_length=100)
    evidence: list[EvidenceItem] | None = Field(default=None, max_length=50)


# --- the endorsement round --------------------------------------------------------------------------------------


class RoundIn(Schema):
    rule: AdoptionRule = AdoptionRule.UNANIMITY
    threshold: float | None = Field(
        default=None, description="For the threshold rule only: the share of the table, e.g. 0.75."
    )


class PublishedStanceOut(Schema):
    """A block or a reservation: its text is always shown, the name only with the stakeholder's consent."""

    text: str
    name: str | None


class PoolOut(Schema):
    """A group of stakeholders (a sector, a leaning, or several pooled to reach five)."""

    label: str
    size: int | None = Field(description="Null when the pool is under five people (then no counts either).")
    counts: dict[str, int] | None = Field(description="Stances in the pool; null when suppressed.")


class RecommendationResultOut(Schema):
    number: int
    title: str
    version: int
    outcome: Outcome
    explanation: str
    table_size: int
    counts: dict[Stance, int]
    no_answer: int
    stale: int = Field(description="Stances given on an earlier wording, not counted.")
    blocks: list[PublishedStanceOut]
    reservations: list[PublishedStanceOut]
    by_sector: list[PoolOut]
    by_leaning: list[PoolOut]


class RoundOut(Schema):
    round_id: int | None = Field(description="Null when no round was opened yet.")
    rule: AdoptionRule | None
    threshold: float | None
    rule_text: str
    open: bool
    opened_at: datetime | None
    closed_at: datetime | None
    recommendations: list[RecommendationResultOut]


# --- stakeholders: endorsing ------------------------------------------------------------------------------------


class StanceIn(Schema):
    recommendation: DbId = Field(description="The recommendation's number (3 for R3).")
    stance: Stance
    text: str = Field(
        default="", max_length=4000, description="Required for a block (the reason) and for reservations."
    )


class OwnStanceOut(Schema):
    recommendation: int
    version: int = Field(description="The wording the stance was given on.")
    current: bool = Field(description="False when the recommendation was revised since: answer again.")
    stance: Stance
    text: str
    recorded_at: datetime


class RecommendationForParticipant(Schema):
    number: int
    title: str
    text: str
    actors: list[str]
    version: int
    mine: OwnStanceOut | None


class FateRecommendationOut(Schema):
    number: int
    title: str
    outcome: Outcome | None
    commitments: list[str] = Field(description="Who committed, with the status: 'employers: in progress'.")


class StatementFateOut(Schema):
    """What became of a statement this participant wrote or agreed with."""

    statement_id: int
    text: str
    wrote: bool
    agreed: bool
    recommendations: list[FateRecommendationOut]


class EndorsePageOut(Schema):
    rule_text: str
    round_open: bool
    may_endorse: bool = Field(description="Only stakeholders at the table endorse, while a round is open.")
    recommendations: list[RecommendationForParticipant]
    fates: list[StatementFateOut]


class NameConsentIn(Schema):
    named: bool = Field(description="Whether the report may name you (as a stakeholder or advisor).")


class NameConsentOut(Schema):
    named: bool
    recorded_at: datetime


# --- the tracker ------------------------------------------------------------------------------------------------


class CommitmentIn(Schema):
    recommendation: DbId = Field(description="The recommendation's number (3 for R3).")
    actor: str = Field(min_length=1, max_length=300, description="Who commits (an organisation or a person).")
    description: str = Field(min_length=1, max_length=4000)
    due_on: date | None = None
    participant_id: DbId | None = Field(default=None, description="The table member who committed, if any.")


class StatusIn(Schema):
    status: CommitmentStatus
    note: str = Field(default="", max_length=2000, description="Required when dropping a commitment.")


class MilestoneIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    due_on: date | None = None


class ProgressIn(Schema):
    progress: int = Field(description="Percent done, 0 to 100.")


class EvidenceIn(Schema):
    url: str | None = Field(default=None, max_length=2000, description="An http(s) link.")
    note: str = Field(default="", max_length=4000)
    dated: date | None = Field(default=None, description="Default: today.")


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date | None
    progress: int


class EvidenceOut(Schema):
    dated: date
    note: str
    url: str | None


class CommitmentOut(Schema):
    id: int
    recommendation: int
    actor: str
    description: str
    due_on: date | None
    status: CommitmentStatus
    progress: int | None = Field(description="Mean of the milestones (percent); 100 when done; null without.")
    overdue: bool
    updated_at: datetime
    milestones: list[MilestoneOut]
    evidence: list[EvidenceOut]


class ActivityOut(Schema):
    at: datetime
    message: str


class TrackedRecommendationOut(Schema):
    number: int
    title: str
    text: str
    focus_area: str
    outcome: Outcome | None
    commitments: list[CommitmentOut]


class TrackerOut(Schema):
    """The facilitator's tracker: milestones with their ids, and the whole activity log (newest first)."""

    status_counts: dict[CommitmentStatus, int]
    recommendations: list[TrackedRecommendationOut]
    activity: list[ActivityOut]


class CommitmentPublic(Schema):
    id: int
    actor: str
    description: str
    due_on: date | None
    status: CommitmentStatus
    progress: int | None
    overdue: bool
    evidence: list[EvidenceOut]


class TrackedRecommendationPublic(Schema):
    number: int
    title: str
    text: str
    focus_area: str
    outcome: Outcome | None
    commitments: list[CommitmentPublic]


class TrackerPublic(Schema):
    """What the public tracker page shows: commitments, status, progress, evidence and the public log."""

    status_counts: dict[CommitmentStatus, int]
    recommendations: list[TrackedRecommendationPublic]
    activity: list[ActivityOut]


# --- listening sessions (facilitators) --------------------------------------------------------------------------


class ListeningSessionIn(Schema):
    held_on: date
    place: str = Field(min_length=1, max_length=300, description="A place or a format (online, by phone…).")
    facilitator: str = Field(min_length=1, max_length=200)
    consent_recorded: bool = Field(description="Without it, nothing from the session is quoted or themed.")
    consent_to_name: bool = Field(default=False, description="The report may name the place and facilitator.")
    notes: str = Field(default="", max_length=4000)


class ListeningSessionOut(Schema):
    id: int
    held_on: date
    place: str
    facilitator: str
    consent_recorded: bool
    consent_to_name: bool
    notes: str
    illustrative: bool
    contributions: int


class ContributionIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    speaker: str | None = Field(default=None, max_length=100)


class ContributionOut(Schema):
    id: int
    external_id: str | None
    speaker: str | None
    text: str
    line: int | None = Field(description="The line of the imported file it came from.")


class QuoteOut(Schema):
    """Verbatim: `text` is exactly the contribution's words from `start` to `end`."""

    contribution_id: int
    text: str
    start: int
    end: int
    speaker: str | None


class SimilarOut(Schema):
    statement_id: int | None
    text: str
    similarity: float


class CandidateStatementOut(Schema):
    index: int = Field(description="Pass as `candidate` to adopt it.")
    text: str
    contribution_id: int
    start: int
    end: int
    suggested_kind: StatementKind | None
    similar_existing: list[SimilarOut]


class ThemeOut(Schema):
    id: int
    label: str
    key_terms: list[str]
    size: int
    cohesion: float
    focus_area: str | None
    quotes: list[QuoteOut]
    candidates: list[CandidateStatementOut]


class ThemeRunOut(Schema):
    run_id: int
    method: str
    n_contributions: int
    unthemed: int = Field(description="Contributions that fit no theme.")
    themes: list[ThemeOut]


class AdoptIn(Schema):
    run_id: DbId = Field(description="The theme run the candidate came from; refused if themes were re-run.")
    theme_id: int = Field(ge=0, le=10_000)
    candidate: int = Field(ge=0, le=1000, description="The candidate's `index`.")
    text: SeedStatementText | None = Field(default=None, description="An edited wording.")
    focus_area: str | None = Field(default=None, max_length=100)
    kind: StatementKind | None = None


class OriginOut(Schema):
    statement_id: int
    text: str
    theme_run_id: int
    theme_id: int
    contribution_id: int
    quote: str

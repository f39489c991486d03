"""The JSON API's shapes: one schema per role per entity, so a response can only carry what its reader may see.

A participant's own view of themselves, a facilitator's view of a participant and the public's aggregate view
are different classes; none of them has a field for a password hash or a token digest, and a token appears only
in the one response that creates it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from workingup.domain import MAX_ID, InvitationStatus, Leaning, Moderation, Phase, Role, StatementKind
from workingup.services.statement_rules import MAX_STATEMENT_LENGTH, MIN_STATEMENT_LENGTH

DbId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
"""An id in a JSON body: a number, never `true` (which lax validation reads as 1) nor 1.0."""


def _collapsed(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


_COUNTED = "characters, counted once runs of white space are one space"

ParticipantStatementText = Annotated[
    str,
    Field(min_length=MIN_STATEMENT_LENGTH, max_length=MAX_STATEMENT_LENGTH),
    BeforeValidator(_collapsed),
]
"""A statement's text as the service measures it (services/statement_rules.py), so the schema's limits are the
service's: the schema said 2,000 characters while the service refused over 400 (issue 19)."""

SeedStatementText = Annotated[
    str, Field(min_length=1, max_length=MAX_STATEMENT_LENGTH), BeforeValidator(_collapsed)
]
"""A facilitator's statement: the same limit, and no minimum beyond one character (seeds may be terse)."""


class Schema(BaseModel):
    """Read from attributes: a response is built from the service's record by its field names
    (`XOut.model_validate(record)`), so a field the two share is copied in one place, the schema, and
    a response can carry only what its schema declares however much the record holds."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


S = TypeVar("S", bound=Schema)


def out(schema: type[S], source: object, **overrides: Any) -> S:
    """`schema` read from `source`'s attributes, except the fields given here (renamed, derived or filtered
    for this reader): the rest still come by name, so adding a field to both needs no change here."""
    values = {
        name: getattr(source, name)
        for name in schema.model_fields
        if name not in overrides and hasattr(source, name)
    }
    return schema.model_validate(values | overrides)


class ErrorOut(Schema):
    detail: str


# --- public -----------------------------------------------------------------------------------------------------


class FocusAreaPublic(Schema):
    key: str
    title: str
    description: str
    inquiry_areas: list[str]


class CountsPublic(Schema):
    participants: int
    statements: int
    votes: int


class DialoguePublic(Schema):
    slug: str
    title: str
    description: str
    phase: Phase
    phase_label: str
    ground_rules: list[str]
    focus_areas: list[FocusAreaPublic]
    open_join: bool
    voting_open: bool
    voting_closed_at: datetime | None = Field(description="When voting closed; null while it is open.")
    results_published: bool
    simulated_data: bool
    counts: CountsPublic


class TallyPublic(Schema):
    """Counts over a group of people; all null when the group has fewer than `min_group` people."""

    voters: int | None
    agree: int | None
    disagree: int | None
    passed: int | None


class StatementResultPublic(Schema):
    id: int
    text: str
    focus_area: str | None
    overall: TallyPublic
    by_side: dict[str, TallyPublic]


class ResultsPublic(Schema):
    min_group: int
    voters: int | None
    statements: list[StatementResultPublic]


# --- participants -----------------------------------------------------------------------------------------------


class ProfileIn(Schema):
    sector: str | None = Field(default=None, max_length=100)
    leaning: Leaning = Leaning.UNDISCLOSED
    consent: bool = Field(description="Agreement to the dialogue's ground rules; required to take part.")


class ParticipantSelf(Schema):
    """What a participant sees about themselves."""

    id: int
    dialogue: str
    role: Role
    sector: str | None
    leaning: Leaning
    consented_at: datetime | None


class JoinedOut(Schema):
    participant: ParticipantSelf
    token: str = Field(
        description="Your participant token: send it as `Authorization: Bearer`. Shown only once."
    )


class StatementForParticipant(Schema):
    id: int
    text: str
    focus_area: str | None
    kind: StatementKind
    is_meta: bool


class ProgressOut(Schema):
    voted: int
    total: int
    remaining: int


class NextStatementOut(Schema):
    statement: StatementForParticipant | None
    progress: ProgressOut


class VoteIn(Schema):
    statement_id: DbId
    value: Annotated[StrictInt, Field(ge=-1, le=1)] = Field(
        description="agree 1, disagree -1, pass 0 (a number: `true` is not a vote)",
        json_schema_extra={"enum": [-1, 0, 1]},
    )


class VoteOut(Schema):
    vote_id: int = Field(description="The stored vote's id: the receipt that the vote is durably recorded.")
    replayed: bool = Field(
        default=False,
        description="True when this Idempotency-Key was used before: the earlier vote, nothing new recorded.",
    )
    statement_id: int
    value: int
    progress: ProgressOut


class MyVoteOut(Schema):
    statement_id: int
    text: str
    focus_area: str | None
    value: int
    voted_at: datetime | None
    open_for_voting: bool


class StatementIn(Schema):
    text: ParticipantStatementText = Field(
        description=f"{MIN_STATEMENT_LENGTH} to {MAX_STATEMENT_LENGTH} {_COUNTED}."
    )
    focus_area: str | None = Field(default=None, max_length=100)
    confirm_duplicate: bool = Field(
        default=False, description="Submit even though it duplicates an existing statement."
    )


class OwnStatementOut(Schema):
    id: int
    text: str
    focus_area: str | None
    moderation: Moderation


class SubmissionOut(Schema):
    statement: OwnStatementOut | None = Field(
        description="The new statement; null when a duplicate was found."
    )
    duplicate: StatementForParticipant | None


# --- facilitators -----------------------------------------------------------------------------------------------


class LoginIn(Schema):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1000)


class FacilitatorSelf(Schema):
    id: int
    email: str
    display_name: str
    is_demo: bool
    dialogues: list[str] = Field(description="The slugs of the dialogues this facilitator manages.")


class SessionOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer`. Shown only once.")
    expires_at: datetime
    facilitator: FacilitatorSelf


class PhaseChangeOut(Schema):
    phase: Phase
    changed_at: datetime


class InquiryAreaOut(Schema):
    key: str
    title: str


class FocusAreaForFacilitator(Schema):
    key: str
    title: str
    description: str
    inquiry_areas: list[InquiryAreaOut]


class DialogueForFacilitator(Schema):
    slug: str
    title: str
    phase: Phase
    next_phase: Phase | None
    open_join: bool
    published: bool
    require_sector: bool
    require_leaning: bool
    voting_open: bool
    voting_closed_at: datetime | None = Field(description="When voting closed; null while it is open.")
    voting_closes_in: Phase | None = Field(
        description="The phase whose start closes voting; null: only the facilitators' switch closes it."
    )
    focus_areas: list[FocusAreaForFacilitator]
    phase_changes: list[PhaseChangeOut]


class SettingsIn(Schema):
    open_join: bool | None = None
    published: bool | None = None
    require_sector: bool | None = None
    require_leaning: bool | None = None
    voting_open: bool | None = Field(
        default=None,
        description="false closes voting now (no more votes, participants or statements); true opens it again.",
    )
    voting_closes_in: Phase | Literal["never"] | None = Field(
        default=None, description="The phase whose start closes voting, or never (only the switch closes it)."
    )


class PhaseAdvanceIn(Schema):
    expected: Phase | None = Field(
        default=None, description="Refuse unless the dialogue is in this phase now."
    )


class FocusAreaIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=2000)


class InquiryAreaIn(Schema):
    title: str = Field(min_length=1, max_length=300)


class BalanceRowOut(Schema):
    sector_key: str | None
    sector_label: str
    seats: int
    left: int
    center: int
    right: int
    undisclosed: int
    total: int


class BalanceFlagOut(Schema):
    kind: str
    subject: str
    detail: str


class BalanceOut(Schema):
    rows: list[BalanceRowOut]
    totals: dict[str, int]
    flags: list[BalanceFlagOut]


class ParticipantForFacilitator(Schema):
    """What a facilitator sees about a participant: never the token, never the votes one by one."""

    id: int
    display_name: str | None
    role: Role
    sector: str | None
    leaning: Leaning
    simulated: bool
    consented_at: datetime | None
    created_at: datetime


class InvitationForFacilitator(Schema):
    id: int
    label: str
    role: Role
    sector: str | None
    status: InvitationStatus
    created_at: datetime
    accepted_at: datetime | None


class TeamMemberIn(Schema):
    email: str = Field(min_length=3, max_length=254, description="The address the colleague signs in with.")


class TeamMemberOut(Schema):
    id: int
    email: str
    display_name: str
    you: bool = Field(description="True for the facilitator asking.")


class ColleagueInvitationOut(Schema):
    id: int
    email: str
    created_at: datetime
    expires_at: datetime


class ColleagueInvitedOut(Schema):
    invitation: ColleagueInvitationOut
    link: str = Field(description="The one-time link to send; shown only once.")
    token: str = Field(
        description="The token in the link, for accepting through the API "
        "(POST /api/v1/colleague-invitations/{token}/accept)."
    )


class ColleagueAcceptIn(Schema):
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=12, max_length=1000, description="At least 12 characters.")


class InvitationIn(Schema):
    label: str = Field(min_length=1, max_length=200)
    role: Role = Role.STAKEHOLDER
    sector: str | None = Field(default=None, max_length=100)


class InvitationCreatedOut(Schema):
    invitation: InvitationForFacilitator
    link: str = Field(description="The personal link to send; shown only once.")
    token: str = Field(
        description="The token in the link, for accepting through the API (POST /api/v1/invitations/{token}/accept)."
    )


class StatementForFacilitator(Schema):
    id: int
    text: str
    focus_area: str | None
    kind: StatementKind
    moderation: Moderation
    is_seed: bool
    is_meta: bool
    from_participant: bool
    votes: int
    created_at: datetime


class QueuePageOut(Schema):
    items: list[StatementForFacilitator]
    page: int
    page_size: int
    total: int
    pages: int


class BulkModerationIn(Schema):
    ids: list[DbId] = Field(min_length=1, max_length=1000)
    action: Literal["accept", "reject", "unmoderate", "meta", "not-meta"]


class BulkModerationOut(Schema):
    changed: int


class SeedStatementIn(Schema):
    text: SeedStatementText = Field(description=f"1 to {MAX_STATEMENT_LENGTH} {_COUNTED}.")
    focus_area: str | None = Field(default=None, max_length=100)
    kind: StatementKind = StatementKind.PROPOSAL
    is_meta: bool = False


# --- analysis (facilitators) ------------------------------------------------------------------------------------


class RepresentativeOut(Schema):
    statement_id: int
    text: str
    direction: Literal["agree", "disagree"]
    n_success: int
    n_trials: int
    percent: int


class GroupOut(Schema):
    label: int
    name: str
    size: int
    representative: list[RepresentativeOut]


class ScoredStatementOut(Schema):
    statement_id: int
    text: str
    score: float
    detail: str


class VerdictOut(Schema):
    statement_id: int
    text: str
    verdict: Literal["convergence", "partial", "no_consensus", "divided", "rejected", "needs_more_votes"]
    reason: str


class CoordinatedBlocOut(Schema):
    size: int
    agreement: float
    shared: float


class AnalysisOut(Schema):
    run_at: datetime
    n_participants: int
    n_clustered: int
    n_votes: int
    groups: list[GroupOut]
    consensus_agree: list[ScoredStatementOut]
    consensus_disagree: list[ScoredStatementOut]
    group_consensus: list[ScoredStatementOut]
    divisive: list[ScoredStatementOut]
    verdicts: list[VerdictOut]
    coordinated_blocs: list[CoordinatedBlocOut]


class PushOut(Schema):
    statement_id: int
    text: str
    vote: Literal[-1, 0, 1]


class LiveBlocOut(Schema):
    size: int
    agreement: float
    mean_shared: float
    first_vote_at: datetime
    last_vote_at: datetime
    under_way: bool
    pushes: list[PushOut]


class LiveAlertsOut(Schema):
    checked_at: datetime
    window_seconds: int
    voters_in_window: int
    under_way: bool
    blocs: list[LiveBlocOut]

"""The vocabulary of a convergence dialogue, shared by every layer.

Plain enums and frozen dataclasses only: nothing here knows about databases, the web or the math, so every
other module can depend on it without dragging anything else along (docs/architecture.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from workingup.errors import UserError

MAX_ID = 2**31 - 1
"""The largest id a row can have (a PostgreSQL integer): larger ids in a request are refused before any query."""


class InputFormatError(UserError):
    """Bad input in an imported file, located to the file and line so a facilitator can fix it without a debugger.

    Every importer (Pol.is exports, listening-session files) raises a subclass, so callers report them alike.
    """

    def __init__(self, file: str, line: int | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {problem}")


class Phase(StrEnum):
    """The phases of a convergence dialogue, in the order a dialogue moves through them (docs/architecture.md §1)."""

    ASSESSMENT = "assessment"
    CONVENE = "convene"
    COMMON_UNDERSTANDING = "common_understanding"
    ACTION_AGENDA = "action_agenda"
    RECOMMENDATIONS = "recommendations"
    ACTION = "action"

    @property
    def label(self) -> str:
        return _PHASE_LABELS[self]

    def next(self) -> Phase | None:
        """The phase that follows, or None at the end: phases only move forward."""
        order = list(Phase)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


_PHASE_LABELS = {
    Phase.ASSESSMENT: "Assessment",
    Phase.CONVENE: "Convene and build trust",
    Phase.COMMON_UNDERSTANDING: "Common understanding",
    Phase.ACTION_AGENDA: "Shared action agenda",
    Phase.RECOMMENDATIONS: "Recommendations",
    Phase.ACTION: "Action",
}


class Role(StrEnum):
    """Why someone is in the dialogue; only stakeholders sit at the table and endorse recommendations."""

    STAKEHOLDER = "stakeholder"
    ADVISOR = "advisor"
    COMMUNITY_VOICE = "community_voice"
    PUBLIC = "public"


class Leaning(StrEnum):
    """Self-declared political leaning on a 5-point scale; "undisclosed" is a legitimate answer, not missing data."""

    LEFT = "left"
    CENTER_LEFT = "center_left"
    CENTER = "center"
    CENTER_RIGHT = "center_right"
    RIGHT = "right"
    UNDISCLOSED = "undisclosed"

    @property
    def score(self) -> int | None:
        """-2 (left) … +2 (right), None when undisclosed: lets blocs be formed by side without string matching."""
        return _LEANING_SCORES[self]

    @property
    def side(self) -> str | None:
        """The coarse bloc used for cross-bloc support: "left", "right", "center", or None when undisclosed."""
        score = self.score
        if score is None:
            return None
        if score < 0:
            return "left"
        if score > 0:
            return "right"
        return "center"


_LEANING_SCORES: dict[Leaning, int | None] = {
    Leaning.LEFT: -2,
    Leaning.CENTER_LEFT: -1,
    Leaning.CENTER: 0,
    Leaning.CENTER_RIGHT: 1,
    Leaning.RIGHT: 2,
    Leaning.UNDISCLOSED: None,
}


class StatementKind(StrEnum):
    """Facts and principles build common understanding; proposals are what the action agenda is made of."""

    FACT = "fact"
    PRINCIPLE = "principle"
    PROPOSAL = "proposal"


class Moderation(StrEnum):
    """A statement's moderation state; rejected statements keep their place so vote history stays intact."""

    REJECTED = "rejected"
    UNMODERATED = "unmoderated"
    ACCEPTED = "accepted"

    @property
    def polis_value(self) -> int:
        """Pol.is's `moderated` column: -1, 0, 1."""
        return {"rejected": -1, "unmoderated": 0, "accepted": 1}[self.value]

    @classmethod
    def from_polis(cls, value: int) -> Moderation:
        try:
            return {-1: cls.REJECTED, 0: cls.UNMODERATED, 1: cls.ACCEPTED}[value]
        except KeyError:
            raise UserError(f"moderation must be -1, 0 or 1, not {value}") from None


class InvitationStatus(StrEnum):
    """Where an invitation stands; a revoked or accepted link cannot be used again."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class VoteValue(IntEnum):
    """The sign convention at every boundary of this project: agree +1, disagree −1, pass 0 (docs/architecture.md §3)."""

    AGREE = 1
    PASS = 0
    DISAGREE = -1

    @classmethod
    def parse(cls, value: int | str) -> VoteValue:
        """Accept 1/0/-1 as int or text; anything else is an error, never a silent coercion."""
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise UserError(f"vote must be -1, 0 or 1, not {value!r}") from None
        if number not in (-1, 0, 1) or (isinstance(value, str) and value.strip() not in {"-1", "0", "1"}):
            raise UserError(f"vote must be -1, 0 or 1, not {value!r}")
        return cls(number)


class RecommendationType(StrEnum):
    POLICY = "policy"
    PROGRAMMATIC = "programmatic"
    PRIVATE_SECTOR = "private_sector"


class Horizon(StrEnum):
    NEAR_TERM = "near_term"
    NEW_APPROACHES = "new_approaches"


@dataclass(frozen=True, slots=True)
class Sector:
    key: str
    label: str
    seats: int = 0
    """How many stakeholder seats the balanced table plans for this sector (0: not a stakeholder sector)."""


@dataclass(frozen=True, slots=True)
class InquiryArea:
    key: str
    title: str


@dataclass(frozen=True, slots=True)
class FocusArea:
    key: str
    title: str
    description: str = ""
    inquiry_areas: tuple[InquiryArea, ...] = ()


@dataclass(frozen=True, slots=True)
class SeedStatement:
    """A statement written into a dialogue's definition, before anyone votes.

    `appeal` records whom the wording was written to attract ("left", "right" or "both"); the demo generator
    uses it as planted ground truth, and it is never shown to participants.
    """

    text: str
    focus_area: str
    kind: StatementKind
    inquiry_area: str | None = None
    appeal: str = "both"
    horizon: Horizon | None = None


@dataclass(frozen=True, slots=True)
class Milestone:
    """One phase on the public timeline: when it is planned (an ISO date, "2017", "2017-03" or "2017-03-15";
    empty when not planned) and what happens in it, in plain words."""

    phase: Phase
    date: str = ""
    text: str = ""


def milestone_date(text: str) -> str:
    """A timeline date as written ("2017", "2017-03" or "2017-03-15"), checked to be a real date; "" stays "".

    A month or a year is allowed because a dialogue plans its later phases to the season, not the day."""
    import datetime as _dt

    value = text.strip()
    if not value:
        return ""
    formats = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d"}
    try:
        if len(value) not in formats:
            raise ValueError
        _dt.datetime.strptime(value, formats[len(value)])
    except ValueError:
        raise UserError(f"a timeline date is YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}") from None
    return value


@dataclass(frozen=True, slots=True)
class Contact:
    """Whom the public can ask about the dialogue, and how (published as the facilitators write it)."""

    name: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Story:
    """The public story of a dialogue: its challenge, its phases on a timeline, what happens next, who supports
    it and whom to contact. Part of the dialogue's definition; facilitators edit it (services/story.py)."""

    challenge: str = ""
    timeline: tuple[Milestone, ...] = ()
    next_steps: str = ""
    supporters: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class DialogueDefinition:
    """Everything that defines a dialogue before it is convened: what a dialogue file holds."""

    slug: str
    title: str
    description: str
    ground_rules: tuple[str, ...]
    focus_areas: tuple[FocusArea, ...]
    sectors: tuple[Sector, ...]
    statements: tuple[SeedStatement, ...] = field(default=())
    story: Story = field(default=Story())


# --- From consensus to action (issue 6): endorsement, adoption, commitments ------------------------------------


class Stance(StrEnum):
    """What a stakeholder says about a recommendation in the endorsement round (Loomio-style consent).

    A reservation and a block carry text: the reservation is published with the recommendation, and a block's
    reason is never hidden.
    """

    ENDORSE = "endorse"
    RESERVATIONS = "reservations"
    STAND_ASIDE = "stand_aside"
    BLOCK = "block"

    @property
    def label(self) -> str:
        return _STANCE_LABELS[self]

    @property
    def supports(self) -> bool:
        """Endorses, with or without reservations."""
        return self in (Stance.ENDORSE, Stance.RESERVATIONS)


_STANCE_LABELS = {
    Stance.ENDORSE: "Endorse",
    Stance.RESERVATIONS: "Endorse with reservations",
    Stance.STAND_ASIDE: "Stand aside",
    Stance.BLOCK: "Block",
}


class AdoptionRule(StrEnum):
    """Unanimity is Convergence's rule: no block, and every stakeholder endorses or stands aside."""

    UNANIMITY = "unanimity"
    THRESHOLD = "threshold"


class Outcome(StrEnum):
    """Where a recommendation stands under the round's rule."""

    ADOPTED = "adopted"
    BLOCKED = "blocked"
    NOT_ADOPTED = "not_adopted"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return {
            "adopted": "Adopted",
            "blocked": "Not adopted (blocked)",
            "not_adopted": "Not adopted",
            "pending": "Pending",
        }[self.value]


class CommitmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


RECOMMENDATION_TYPE_LABELS = {
    RecommendationType.POLICY: "Policy",
    RecommendationType.PROGRAMMATIC: "Programmatic",
    RecommendationType.PRIVATE_SECTOR: "Private sector",
}
HORIZON_LABELS = {
    Horizon.NEAR_TERM: "Near term",
    Horizon.NEW_APPROACHES: "New approaches for the changing nature of work",
}

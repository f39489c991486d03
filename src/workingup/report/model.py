"""What the final report says, as plain values: built once by services/report.py, rendered as HTML, PDF or Markdown.

Everything here is already fit to publish: groups under five are pooled or shown as "fewer than 5", names appear
only with consent. The renderers never read the store, so they cannot publish anything this model leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workingup.services.disclosure import MIN_GROUP
from workingup.services.recommendations import GroupFigure, SupportSnapshot


@dataclass(frozen=True)
class PhaseSpan:
    label: str
    started: date
    ended: date | None


@dataclass(frozen=True)
class CountRow:
    label: str
    count: str
    """A number, or "fewer than 5"."""


@dataclass(frozen=True)
class Roster:
    stakeholders: str
    by_sector: tuple[CountRow, ...]
    by_leaning: tuple[CountRow, ...]
    advisors: str
    advisor_names: tuple[str, ...]
    stakeholder_names: tuple[str, ...]
    community_voices: str
    public: str


@dataclass(frozen=True)
class ListeningItem:
    held_on: date
    description: str
    """Place and facilitator with the participants' consent to be named; a neutral description otherwise."""
    contributions: int
    illustrative: bool


@dataclass(frozen=True)
class ThemeItem:
    label: str
    size: int
    quotes: tuple[str, ...]
    """Up to three verbatim quotes, anonymous."""
    statements: tuple[str, ...] = ()
    """Dialogue statements drawn from this theme's words (through the listening page or `themes adopt`)."""
    recommendations: tuple[str, ...] = ()
    """Titles of recommendations resting on one of those statements."""


@dataclass(frozen=True)
class Listening:
    sessions: tuple[ListeningItem, ...]
    themes: tuple[ThemeItem, ...]
    withheld: int
    """Sessions without recorded consent: counted, never described or quoted."""


@dataclass(frozen=True)
class BasisItem:
    statement_id: int
    text: str
    support: SupportSnapshot

    def groups(self) -> tuple[tuple[GroupFigure, bool], ...]:
        """Each opinion group with whether its figures may be shown (five people or more)."""
        return tuple((g, g.size >= MIN_GROUP) for g in self.support.groups)

    def blocs(self) -> tuple[tuple[GroupFigure, bool], ...]:
        return tuple((b, b.size >= MIN_GROUP) for b in self.support.blocs)


@dataclass(frozen=True)
class Voice:
    """A reservation or a block's reason, with the name only when its author consented."""

    text: str
    name: str | None


@dataclass(frozen=True)
class Breakdown:
    """Stance counts per pool of at least five stakeholders."""

    title: str
    rows: tuple[tuple[str, str, dict[str, int] | None], ...]
    """(pool label, pool size text, counts by stance value; None when the pool is under five people)."""


@dataclass(frozen=True)
class CommitmentItem:
    id: int
    actor: str
    description: str
    due_on: date | None
    status: str
    progress: int | None
    evidence: tuple[tuple[date, str | None, str], ...]
    """(dated, url, note)."""


@dataclass(frozen=True)
class RecommendationItem:
    number: int
    version: int
    title: str
    text: str
    focus_area: str
    kind: str
    horizon: str
    actors: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]
    """(text, url)."""
    drafted_at: datetime
    outcome: str
    outcome_label: str
    explanation: str
    counts: dict[str, int]
    """Stance value → count; plus "no_answer"."""
    table_size: int
    stale: int
    blocks: tuple[Voice, ...]
    reservations: tuple[Voice, ...]
    breakdowns: tuple[Breakdown, ...]
    basis: tuple[BasisItem, ...]
    commitments: tuple[CommitmentItem, ...] = ()


@dataclass(frozen=True)
class FocusSection:
    key: str
    title: str
    description: str
    adopted: tuple[RecommendationItem, ...]


@dataclass(frozen=True)
class MapGroup:
    name: str
    size: str


@dataclass(frozen=True)
class Method:
    paragraphs: tuple[str, ...]
    settings: tuple[tuple[str, str, str], ...]
    """(name, value, what it does)."""
    counts: tuple[tuple[str, str], ...]
    exclusions: tuple[str, ...]


@dataclass(frozen=True)
class ReportData:
    slug: str
    title: str
    description: str
    generated_at: datetime
    simulated: tuple[str, ...]
    """Why the report carries the simulated-data banner (empty: nothing simulated or illustrative)."""
    phases: tuple[PhaseSpan, ...]
    ground_rules: tuple[str, ...]
    roster: Roster
    listening: Listening | None
    principles: tuple[BasisItem, ...]
    opinion_map_svg: str
    map_groups: tuple[MapGroup, ...]
    map_caption: str
    round_text: str
    focus_sections: tuple[FocusSection, ...]
    not_adopted: tuple[RecommendationItem, ...]
    method: Method
    notes: tuple[str, ...] = field(default=())
    data_basis: str = ""
    """What the figures were drawn from: votes, participants, the voting cut-off and the analysis's time, so a
    reader can tell whether the report could still move (voting open) or is final (voting closed)."""

    @property
    def banner(self) -> str | None:
        if not self.simulated:
            return None
        return "SIMULATED DATA — " + "; ".join(self.simulated) + ". Not the views of real people."

    @property
    def adopted_count(self) -> int:
        return sum(len(s.adopted) for s in self.focus_sections)

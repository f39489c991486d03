"""What a listening session holds, as plain data: the meeting itself and what each person said.

These are the shapes the facilitator pages fill in and the importer produces; the store persists them. They
carry no database ids of their own: a contribution's `id` is whatever identifies it to the caller (a row
number from an import, an id column from a spreadsheet, or the store's primary key), and theme results refer
back to contributions by that id only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workingup.domain import InputFormatError
from workingup.errors import UserError

ContributionId = int | str
"""How results point back to a contribution: the store's integer key, or an import's own id text."""

MAX_CONTRIBUTION_CHARS = 4000
"""A listening-session contribution is something a person said, not a document; longer input is a mistake."""


class ContributionFormatError(InputFormatError):
    """Bad input in a listening-session import (shaped like every importer's error: file, line, problem)."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One thing one person said in a listening session, verbatim.

    `speaker` is an anonymous id ("P07"): it lets quotes be spread across people without naming anyone.
    `attributes` are that speaker's optional demographics as given (e.g. ("age band", "25-34")).
    `line` is where the contribution came from in an imported file, for error messages and audit.
    """

    id: ContributionId
    text: str
    speaker: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    line: int | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise UserError(f"contribution {self.id!r} has no text")
        if len(self.text) > MAX_CONTRIBUTION_CHARS:
            raise UserError(
                f"contribution {self.id!r} has {len(self.text)} characters; at most {MAX_CONTRIBUTION_CHARS}"
            )


@dataclass(frozen=True, slots=True)
class ListeningSession:
    """A meeting with the people a dialogue is about (docs/architecture.md §1, phase 3).

    Consent is recorded explicitly because contributions are quoted back to a stakeholder table; a session
    without recorded consent can still be kept, but `quotable` says whether its words may be shown.
    `demographics` describe the participants as a group when the facilitator chooses to record them
    (e.g. ("participants", "14"), ("language", "Spanish with interpretation")); all of it is optional.
    """

    held_on: date
    place: str
    """Where, or in what format ("Community center, Dayton", "phone interviews")."""
    facilitator: str
    consent_recorded: bool
    demographics: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    contributions: tuple[Contribution, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("place", "facilitator"):
            if not getattr(self, name).strip():
                raise UserError(f"a listening session needs a {name}")
        ids = [c.id for c in self.contributions]
        if len(set(ids)) != len(ids):
            dupes = sorted({str(i) for i in ids if ids.count(i) > 1})
            raise UserError(f"duplicate contribution id {', '.join(dupes)}")

    @property
    def quotable(self) -> bool:
        return self.consent_recorded

    @property
    def speakers(self) -> tuple[str, ...]:
        """Distinct speaker ids in order of first appearance."""
        return tuple(dict.fromkeys(c.speaker for c in self.contributions if c.speaker is not None))

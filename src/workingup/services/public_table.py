"""Who is at the table, for the public: names only with recorded consent, everything else in aggregate.

A person is named (with their sector and role) only when they agreed to be named (`endorsements.consents`, the
same consent the final report uses); everyone else is counted, never described. A declared leaning is never shown
per person, named or not: "Employers: Ana (left), Ben (right), and one other" would tell anyone who knows the
table how the unnamed one leans. The table's leaning balance is shown over the whole table only, pooled by
`disclosure.pool_groups` so that no published count describes fewer than MIN_GROUP people; sector sizes are the
seats the dialogue planned and filled, which say nothing about anyone's views. Community voices (the people with
lived experience who take part outside the table) are only ever a count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workingup.domain import Role
from workingup.services.disclosure import MIN_GROUP, Pool, pool_groups, publishable_name
from workingup.services.endorsements import LEANING_GROUPS, LEANING_LABELS, consents, leaning_group
from workingup.store import models


@dataclass(frozen=True)
class SectorSeats:
    key: str | None
    label: str
    planned: int
    filled: int
    named: tuple[str, ...]
    """Names of the people in this sector who consented to be named, in the order they joined."""

    @property
    def unnamed(self) -> int:
        return self.filled - len(self.named)


@dataclass(frozen=True)
class PublicTable:
    sectors: tuple[SectorSeats, ...]
    stakeholders: int
    leanings: tuple[Pool, ...]
    """The whole table's declared leanings, pooled so that every published count is of at least MIN_GROUP."""
    advisors_named: tuple[str, ...]
    advisors: int
    community_voices: int | None
    """How many community voices take part; None when fewer than MIN_GROUP."""
    names: frozenset[str]
    """Every name published here (for the tests that check nothing else is)."""


def public_table(session: Session, dialogue: models.Dialogue) -> PublicTable:
    people = session.scalars(
        select(models.Participant)
        .where(
            models.Participant.dialogue_id == dialogue.id,
            models.Participant.role.in_((Role.STAKEHOLDER, Role.ADVISOR, Role.COMMUNITY_VOICE)),
        )
        .order_by(models.Participant.id)
    ).all()
    named = consents(session, dialogue)

    def name(person: models.Participant) -> str | None:
        return publishable_name(person.display_name, person.id in named)

    table = [p for p in people if p.role == Role.STAKEHOLDER]
    known = {s.key for s in dialogue.sectors}
    sectors = [
        SectorSeats(
            s.key,
            s.label,
            s.seats,
            sum(1 for p in table if p.sector == s.key),
            tuple(n for p in table if p.sector == s.key for n in [name(p)] if n),
        )
        for s in dialogue.sectors
    ]
    other = [p for p in table if p.sector not in known]
    if other:
        sectors.append(
            SectorSeats(None, "Other", 0, len(other), tuple(n for p in other for n in [name(p)] if n))
        )
    leaning_sizes = dict.fromkeys(LEANING_GROUPS, 0)
    for person in table:
        leaning_sizes[leaning_group(person.leaning)] += 1
    leanings = pool_groups(leaning_sizes, LEANING_LABELS, other_label="Other leanings")
    advisors = [p for p in people if p.role == Role.ADVISOR]
    advisors_named = tuple(n for p in advisors for n in [name(p)] if n)
    voices = sum(1 for p in people if p.role == Role.COMMUNITY_VOICE)
    published = {n for s in sectors for n in s.named} | set(advisors_named)
    return PublicTable(
        sectors=tuple(sectors),
        stakeholders=len(table),
        leanings=tuple(leanings),
        advisors_named=advisors_named,
        advisors=len(advisors),
        community_voices=voices if voices >= MIN_GROUP else None,
        names=frozenset(published),
    )

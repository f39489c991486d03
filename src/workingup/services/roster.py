"""The table's composition: who sits where by sector and declared leaning, what is missing, and invitations.

The balance audit reads stakeholders only (the seats at the table), by sector × declared side. A flag is raised
when a stakeholder sector has nobody, has fewer people than its planned seats, leans one way only, or when one
side of the whole table outnumbers the other by more than OUTNUMBERED (1.5 : 1). "Undisclosed" is a legitimate
answer, so it is counted and shown but never flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.domain import MAX_ID, InvitationStatus, Leaning, Role
from workingup.services.errors import NotFound, ServiceError
from workingup.services.tokens import hash_token, new_token
from workingup.store import models

OUTNUMBERED = 1.5
SIDES = ("left", "center", "right", "undisclosed")


@dataclass(frozen=True)
class BalanceRow:
    sector_key: str | None
    sector_label: str
    seats: int
    by_side: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_side.values())


@dataclass(frozen=True)
class BalanceFlag:
    kind: str
    """missing-sector, under-filled, one-sided, side-missing or outnumbered"""
    subject: str
    detail: str


@dataclass(frozen=True)
class BalanceAudit:
    rows: list[BalanceRow]
    totals: dict[str, int]
    flags: list[BalanceFlag] = field(default_factory=list)


def _side(leaning: Leaning) -> str:
    return leaning.side or "undisclosed"


def balance_audit(session: Session, dialogue: models.Dialogue) -> BalanceAudit:
    counts: dict[tuple[str | None, str], int] = {}
    for sector, leaning, n in session.execute(
        select(models.Participant.sector, models.Participant.leaning, func.count())
        .where(models.Participant.dialogue_id == dialogue.id, models.Participant.role == Role.STAKEHOLDER)
        .group_by(models.Participant.sector, models.Participant.leaning)
    ):
        key = (sector, _side(leaning))
        counts[key] = counts.get(key, 0) + int(n)
    rows = [
        BalanceRow(s.key, s.label, s.seats, {side: counts.get((s.key, side), 0) for side in SIDES})
        for s in dialogue.sectors
    ]
    known = {s.key for s in dialogue.sectors}
    other = {
        side: sum(n for (sec, sd), n in counts.items() if sec not in known and sd == side) for side in SIDES
    }
    if any(other.values()):
        rows.append(BalanceRow(None, "No sector given", 0, other))
    totals = {side: sum(r.by_side[side] for r in rows) for side in SIDES}
    return BalanceAudit(rows=rows, totals=totals, flags=_flags(rows, totals))


def _flags(rows: list[BalanceRow], totals: dict[str, int]) -> list[BalanceFlag]:
    flags: list[BalanceFlag] = []
    for row in rows:
        if row.sector_key is None:
            continue
        if row.seats > 0 and row.total == 0:
            flags.append(
                BalanceFlag("missing-sector", row.sector_label, "nobody from this sector is at the table")
            )
            continue
        if row.total < row.seats:
            flags.append(
                BalanceFlag(
                    "under-filled", row.sector_label, f"{row.total} of {row.seats} planned seats filled"
                )
            )
        left, right = row.by_side["left"], row.by_side["right"]
        if (left == 0) != (right == 0) and max(left, right) >= 2:
            present = "left" if left else "right"
            flags.append(BalanceFlag("one-sided", row.sector_label, f"only {present}-leaning voices"))
    left, right = totals["left"], totals["right"]
    if left == 0 and right == 0:
        if sum(totals.values()) > 0:
            flags.append(BalanceFlag("side-missing", "The table", "no left- or right-leaning stakeholders"))
    elif left == 0 or right == 0:
        missing = "left" if left == 0 else "right"
        flags.append(BalanceFlag("side-missing", "The table", f"no {missing}-leaning stakeholders"))
    elif max(left, right) > OUTNUMBERED * min(left, right):
        more, fewer = ("left", "right") if left > right else ("right", "left")
        flags.append(
            BalanceFlag(
                "outnumbered",
                "The table",
                f"{more}-leaning stakeholders ({max(left, right)}) outnumber {fewer}-leaning ones "
                f"({min(left, right)}) by more than {OUTNUMBERED}:1",
            )
        )
    return flags


@dataclass(frozen=True)
class NewInvitation:
    invitation: models.Invitation
    token: str
    """Shown once to the facilitator, inside the link; only its digest is stored."""


def create_invitation(
    session: Session, dialogue: models.Dialogue, label: str, role: Role, sector: str | None
) -> NewInvitation:
    label = " ".join(label.split())
    if not label:
        raise ServiceError("say whom the invitation is for (a name or an address)")
    if len(label) > 200:
        raise ServiceError("the invitation's label can have at most 200 characters")
    if sector is not None and sector not in {s.key for s in dialogue.sectors}:
        raise ServiceError(f"unknown sector {sector!r}")
    token = new_token()
    invitation = models.Invitation(
        dialogue_id=dialogue.id, token_hash=hash_token(token), label=label, role=role, sector=sector
    )
    session.add(invitation)
    session.flush()
    return NewInvitation(invitation, token)


def participants(
    session: Session,
    dialogue: models.Dialogue,
    role: Role | None = None,
    *,
    offset: int = 0,
    limit: int = 100,
) -> list[models.Participant]:
    """A page of the dialogue's participants in the order they joined, of one role when `role` is given."""
    query = select(models.Participant).where(models.Participant.dialogue_id == dialogue.id)
    if role is not None:
        query = query.where(models.Participant.role == role)
    return list(session.scalars(query.order_by(models.Participant.id).offset(offset).limit(limit)))


def people_at_the_table(session: Session, dialogue: models.Dialogue) -> list[models.Participant]:
    """Everyone but the public, by role, then sector, then joining order: the roster's list of people."""
    return list(
        session.scalars(
            select(models.Participant)
            .where(models.Participant.dialogue_id == dialogue.id, models.Participant.role != Role.PUBLIC)
            .order_by(models.Participant.role, models.Participant.sector, models.Participant.id)
        )
    )


def participant_of(session: Session, dialogue: models.Dialogue, participant_id: int) -> models.Participant:
    """A participant of this dialogue; another dialogue's people are as unknown here as nonexistent ones.

    An id beyond the column's range is unknown too (looked up, it would overflow the driver's integer: a 500 on
    PostgreSQL instead of a 404)."""
    participant = session.get(models.Participant, participant_id) if 1 <= participant_id <= MAX_ID else None
    if participant is None or participant.dialogue_id != dialogue.id:
        raise NotFound(f"dialogue {dialogue.slug!r} has no participant {participant_id}")
    return participant


def invitations(session: Session, dialogue: models.Dialogue) -> list[models.Invitation]:
    return list(
        session.scalars(
            select(models.Invitation)
            .where(models.Invitation.dialogue_id == dialogue.id)
            .order_by(models.Invitation.id.desc())
        )
    )


def _pending(session: Session, dialogue: models.Dialogue, invitation_id: int) -> models.Invitation:
    invitation = session.get(models.Invitation, invitation_id) if 1 <= invitation_id <= MAX_ID else None
    if invitation is None or invitation.dialogue_id != dialogue.id:
        raise NotFound(f"no invitation {invitation_id} in this dialogue")
    if invitation.status is not InvitationStatus.PENDING:
        raise ServiceError(f"this invitation is already {invitation.status.value}")
    return invitation


def revoke_invitation(session: Session, dialogue: models.Dialogue, invitation_id: int) -> models.Invitation:
    invitation = _pending(session, dialogue, invitation_id)
    invitation.status = InvitationStatus.REVOKED
    return invitation


def reissue_invitation(session: Session, dialogue: models.Dialogue, invitation_id: int) -> NewInvitation:
    """A new link for an invitation not yet used, when the first was lost or went to the wrong inbox.

    The link is the only copy of the token (its digest is all that is stored), so it cannot be shown again; the
    invitation keeps its person, role and sector and gets a new token, and the old link stops working at once."""
    invitation = _pending(session, dialogue, invitation_id)
    token = new_token()
    invitation.token_hash = hash_token(token)
    return NewInvitation(invitation, token)

"""A dialogue's team of facilitators: who runs it, adding a colleague, stepping down.

Why from the web and not only the CLI: a convergence dialogue is run by a small team (a lead facilitator, a
co-facilitator, a note-taker), which changes over the months a dialogue lasts; asking the server's operator for
each change leaves the team's make-up to whoever holds a shell. A colleague with an account is added by their
address; one without gets a one-time link (a colleague invitation, valid INVITATION_DAYS) on which they choose
their own name and password: a colleague's password is never chosen, or seen, by someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.domain import InvitationStatus
from workingup.services.accounts import (
    create_facilitator,
    facilitates,
    facilitator_by_email,
    grant_dialogue,
    is_email,
)
from workingup.services.errors import Conflict, NotFound, ServiceError
from workingup.services.tokens import hash_token, new_token
from workingup.store import models
from workingup.store.models import utcnow

INVITATION_DAYS = 7
"""How long a colleague invitation's link works: long enough for a busy week, short enough that a forgotten link
in an old inbox does not open a dialogue's management months later."""


def members(session: Session, dialogue: models.Dialogue) -> list[models.Facilitator]:
    return list(
        session.scalars(
            select(models.Facilitator)
            .join(
                models.DialogueFacilitator, models.DialogueFacilitator.facilitator_id == models.Facilitator.id
            )
            .where(models.DialogueFacilitator.dialogue_id == dialogue.id)
            .order_by(func.lower(models.Facilitator.display_name), models.Facilitator.email)
        )
    )


def add_member(session: Session, dialogue: models.Dialogue, email: str) -> models.Facilitator:
    """Make the facilitator account with this address one of the dialogue's facilitators."""
    address = email.strip().lower()
    if not address:
        raise ServiceError("give the e-mail address your colleague signs in with")
    account = facilitator_by_email(session, address)
    if account is None:
        raise NotFound(
            f"no facilitator account uses {address}; invite them instead (they choose their own password), "
            f"or the server's operator creates one with `workingup facilitator add {address} --dialogue {dialogue.slug}`"
        )
    if facilitates(session, account.id, dialogue.id):
        raise ServiceError(f"{address} already facilitates this dialogue")
    grant_dialogue(session, account, dialogue)
    return account


def add_or_invite(
    session: Session, dialogue: models.Dialogue, email: str, by: models.Facilitator
) -> models.Facilitator | ColleagueInvited:
    """What "add a colleague by e-mail" means on the setup page: an account with that address joins the team at
    once (`add_member`); anyone else gets a one-time link to send them (`invite`)."""
    if facilitator_by_email(session, email) is not None:
        return add_member(session, dialogue, email)
    return invite(session, dialogue, email, by)


def remove_member(session: Session, dialogue: models.Dialogue, facilitator_id: int) -> models.Facilitator:
    """Take a facilitator off the dialogue (themselves included); the account stays, and so does their work.

    A dialogue is never left without a facilitator: nobody could then run it, moderate or publish."""
    row = (
        session.get(models.DialogueFacilitator, (dialogue.id, facilitator_id))
        if 1 <= facilitator_id <= 2**31 - 1
        else None
    )
    if row is None:
        raise NotFound(f"facilitator {facilitator_id} does not facilitate this dialogue")
    # Two facilitators taking each other off at once must not leave none: on PostgreSQL the second waits for the
    # first here (SQLite has one writer at a time anyway).
    session.execute(select(models.Dialogue.id).where(models.Dialogue.id == dialogue.id).with_for_update())
    if len(members(session, dialogue)) == 1:
        raise ServiceError("a dialogue needs at least one facilitator: add a colleague before stepping down")
    account = session.get_one(models.Facilitator, facilitator_id)
    session.delete(row)
    session.flush()
    return account


@dataclass(frozen=True)
class ColleagueInvited:
    invitation: models.ColleagueInvitation
    token: str
    """Shown once to the facilitator who invited, inside the link; only its digest is stored."""


def invite(
    session: Session,
    dialogue: models.Dialogue,
    email: str,
    by: models.Facilitator,
    now: datetime | None = None,
) -> ColleagueInvited:
    """A one-time link for someone without an account to join the dialogue's team; an earlier pending link for
    the same address and dialogue stops working (the newest one is the one they were sent)."""
    address = email.strip().lower()
    if not is_email(address):
        raise ServiceError(f"{address!r} is not an e-mail address")
    if facilitator_by_email(session, address) is not None:
        raise Conflict(f"{address} already has an account: add it to the team by its address instead")
    now = now or utcnow()
    for earlier in pending(session, dialogue, now):
        if earlier.email == address:
            earlier.status = InvitationStatus.REVOKED
    token = new_token()
    invitation = models.ColleagueInvitation(
        dialogue_id=dialogue.id,
        email=address,
        token_hash=hash_token(token),
        invited_by_id=by.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return ColleagueInvited(invitation, token)


def pending(
    session: Session, dialogue: models.Dialogue, now: datetime | None = None
) -> list[models.ColleagueInvitation]:
    return list(
        session.scalars(
            select(models.ColleagueInvitation)
            .where(
                models.ColleagueInvitation.dialogue_id == dialogue.id,
                models.ColleagueInvitation.status == InvitationStatus.PENDING,
                models.ColleagueInvitation.expires_at > (now or utcnow()),
            )
            .order_by(models.ColleagueInvitation.id)
        )
    )


def withdraw(session: Session, dialogue: models.Dialogue, invitation_id: int) -> models.ColleagueInvitation:
    invitation = (
        session.get(models.ColleagueInvitation, invitation_id) if 1 <= invitation_id <= 2**31 - 1 else None
    )
    if invitation is None or invitation.dialogue_id != dialogue.id:
        raise NotFound(f"no colleague invitation {invitation_id} in this dialogue")
    if invitation.status is not InvitationStatus.PENDING:
        raise ServiceError(f"this invitation is already {invitation.status.value}")
    invitation.status = InvitationStatus.REVOKED
    return invitation


def invitation_for_token(
    session: Session, token: str, now: datetime | None = None
) -> models.ColleagueInvitation:
    invitation = session.scalars(
        select(models.ColleagueInvitation).where(models.ColleagueInvitation.token_hash == hash_token(token))
    ).one_or_none()
    if (
        invitation is None
        or invitation.status is not InvitationStatus.PENDING
        or invitation.expires_at <= (now or utcnow())
    ):
        raise NotFound("this invitation link is not valid (it may have been used, withdrawn or have expired)")
    return invitation


def accept(
    session: Session, token: str, display_name: str, password: str, now: datetime | None = None
) -> tuple[models.Facilitator, models.Dialogue]:
    """Create the invitee's account with the name and password they chose, and make them a facilitator of the
    dialogue; the link is spent. The caller opens their first session."""
    invitation = invitation_for_token(session, token, now)
    if facilitator_by_email(session, invitation.email) is not None:
        raise Conflict(
            f"an account already uses {invitation.email}: sign in with it and ask your colleague to add it to the team"
        )
    account = create_facilitator(session, invitation.email, password, display_name)
    dialogue = session.get_one(models.Dialogue, invitation.dialogue_id)
    grant_dialogue(session, account, dialogue)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = now or utcnow()
    return account, dialogue

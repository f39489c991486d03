"""A dialogue's team of facilitators: who runs it, adding a colleague, stepping down.

Why from the web and not only the CLI: a convergence dialogue is run by a small team (a lead facilitator, a
co-facilitator, a note-taker), which changes over the months a dialogue lasts; asking the server's operator for
each change leaves the team's make-up to whoever holds a shell. Accounts themselves are still created by the
operator (`workingup facilitator add`): a colleague's password is never chosen by someone else.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.services.accounts import facilitates, facilitator_by_email, grant_dialogue
from workingup.services.errors import NotFound, ServiceError
from workingup.store import models


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
            f"no facilitator account uses {address}; the server's operator creates one with "
            f"`workingup facilitator add {address} --dialogue {dialogue.slug}`"
        )
    if facilitates(session, account.id, dialogue.id):
        raise ServiceError(f"{address} already facilitates this dialogue")
    grant_dialogue(session, account, dialogue)
    return account


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

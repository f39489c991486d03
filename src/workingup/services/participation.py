"""What a participant does: join (by invitation or open link), consent, vote, submit statements, review votes.

Every function takes the participant the caller authenticated; none trusts an id from the request to say who
is acting. Only accepted statements can be voted on; a participant votes only after consenting to the ground
rules; the latest vote counts and the history keeps every one (store.votes).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workingup.domain import MAX_ID, InvitationStatus, Leaning, Moderation, Role, StatementKind, VoteValue
from workingup.services.duplicates import find_duplicate
from workingup.services.errors import Forbidden, NotFound, ServiceError, VotingClosed
from workingup.services.routing import choose_next
from workingup.services.statement_rules import focus_area_id, statement_text
from workingup.services.tokens import hash_token, new_token
from workingup.store import models
from workingup.store.models import utcnow
from workingup.store.vote_batch import NewVote
from workingup.store.votes import record_vote


@dataclass(frozen=True)
class Profile:
    sector: str | None = None
    leaning: Leaning = Leaning.UNDISCLOSED
    consent: bool = False


@dataclass(frozen=True)
class Joined:
    participant: models.Participant
    token: str
    """The participant's bearer token: returned once, stored only as a digest."""


def _check_profile(dialogue: models.Dialogue, profile: Profile) -> None:
    if not profile.consent:
        raise ServiceError("please agree to the ground rules to take part")
    sectors = {s.key for s in dialogue.sectors}
    if profile.sector is not None and profile.sector not in sectors:
        raise ServiceError(f"unknown sector {profile.sector!r}")
    if dialogue.require_sector and profile.sector is None:
        raise ServiceError("this dialogue asks every participant for their sector")
    if dialogue.require_leaning and profile.leaning is Leaning.UNDISCLOSED:
        raise ServiceError("this dialogue asks every participant for their leaning")


def voting_closed(closed_at: datetime | None, doing: str = "votes") -> VotingClosed | None:
    """The refusal every door gives once a dialogue's voting closed (`closed_at` is `Dialogue.voting_closed_at`),
    or None while it is open. Why joining and new statements close with the votes: a newcomer or a new statement
    after the cut-off would change the figures the final report was drawn from."""
    if closed_at is None:
        return None
    return VotingClosed(
        f"voting in this dialogue closed on {closed_at:%Y-%m-%d at %H:%M} UTC: no more {doing} are taken, "
        "and the results stay as they were then"
    )


def check_open(dialogue: models.Dialogue, doing: str = "votes") -> None:
    """Raise `VotingClosed` when the dialogue's voting has closed."""
    refusal = voting_closed(dialogue.voting_closed_at, doing)
    if refusal is not None:
        raise refusal


def _new_participant(
    session: Session, dialogue: models.Dialogue, role: Role, profile: Profile, name: str | None
) -> Joined:
    check_open(dialogue, "participants")
    _check_profile(dialogue, profile)
    token = new_token()
    participant = models.Participant(
        dialogue_id=dialogue.id,
        role=role,
        sector=profile.sector,
        leaning=profile.leaning,
        display_name=name,
        token_hash=hash_token(token),
        consented_at=utcnow(),
    )
    session.add(participant)
    session.flush()
    return Joined(participant, token)


def join_open(session: Session, dialogue: models.Dialogue, profile: Profile) -> Joined:
    """Join through the open link, as a member of the public."""
    if not dialogue.open_join:
        raise Forbidden("this dialogue is by invitation only")
    return _new_participant(session, dialogue, Role.PUBLIC, profile, None)


def invitation_for_token(session: Session, token: str) -> models.Invitation:
    invitation = session.scalars(
        select(models.Invitation).where(models.Invitation.token_hash == hash_token(token))
    ).one_or_none()
    if invitation is None or invitation.status is not InvitationStatus.PENDING:
        raise NotFound("this invitation link is not valid (it may have been used or withdrawn)")
    return invitation


def accept_invitation(session: Session, token: str, profile: Profile) -> Joined:
    """Join with the role (and sector, if the facilitator set one) the invitation carries; the link is spent."""
    invitation = invitation_for_token(session, token)
    dialogue = session.get_one(models.Dialogue, invitation.dialogue_id)
    if invitation.sector is not None:
        profile = Profile(sector=invitation.sector, leaning=profile.leaning, consent=profile.consent)
    joined = _new_participant(session, dialogue, invitation.role, profile, invitation.label)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = utcnow()
    invitation.participant_id = joined.participant.id
    return joined


def participant_for_token(session: Session, token: str) -> models.Participant | None:
    return session.scalars(
        select(models.Participant).where(models.Participant.token_hash == hash_token(token))
    ).one_or_none()


def invited_sector_of(session: Session, participant: models.Participant) -> str | None:
    """The sector the facilitator set on the invitation this participant joined by, which they cannot change."""
    return session.scalar(
        select(models.Invitation.sector).where(models.Invitation.participant_id == participant.id)
    )


def update_profile(
    session: Session, dialogue: models.Dialogue, participant: models.Participant, profile: Profile
) -> None:
    """Change sector and leaning; an invited sector stays as the facilitator set it."""
    invited_sector = invited_sector_of(session, participant)
    if invited_sector is not None:
        profile = Profile(sector=invited_sector, leaning=profile.leaning, consent=profile.consent)
    _check_profile(dialogue, profile)
    participant.sector = profile.sector
    participant.leaning = profile.leaning
    if participant.consented_at is None:
        participant.consented_at = utcnow()


@dataclass(frozen=True)
class VotingProgress:
    voted: int
    total: int

    @property
    def remaining(self) -> int:
        return max(self.total - self.voted, 0)


def accepted_ids(session: Session, dialogue_id: int) -> list[int]:
    """The statements open for voting in a dialogue, oldest first."""
    return list(
        session.scalars(
            select(models.Statement.id)
            .where(
                models.Statement.dialogue_id == dialogue_id,
                models.Statement.moderation == Moderation.ACCEPTED,
            )
            .order_by(models.Statement.id)
        )
    )


def _voted_ids(session: Session, participant_id: int) -> set[int]:
    return set(
        session.scalars(
            select(models.CurrentVote.statement_id).where(models.CurrentVote.participant_id == participant_id)
        )
    )


def current_votes(session: Session, participant_id: int) -> dict[int, int]:
    """Statement id → the participant's vote that counts (+1, 0, −1): what routing by the verdict reads."""
    rows = session.execute(
        select(models.CurrentVote.statement_id, models.CurrentVote.value).where(
            models.CurrentVote.participant_id == participant_id
        )
    )
    return {int(sid): int(value) for sid, value in rows}


def progress(session: Session, dialogue: models.Dialogue, participant: models.Participant) -> VotingProgress:
    accepted = accepted_ids(session, dialogue.id)
    voted = _voted_ids(session, participant.id)
    return VotingProgress(voted=sum(1 for sid in accepted if sid in voted), total=len(accepted))


def next_statement(
    session: Session,
    dialogue: models.Dialogue,
    participant: models.Participant,
    rng: random.Random,
    priority: Mapping[int, float] | None = None,
) -> models.Statement | None:
    """The next accepted statement this participant has not voted on, chosen by the routing priority."""
    voted = _voted_ids(session, participant.id)
    candidates = [sid for sid in accepted_ids(session, dialogue.id) if sid not in voted]
    if not candidates:
        return None
    seen_by = dict(
        session.execute(
            select(models.CurrentVote.statement_id, func.count())
            .where(models.CurrentVote.dialogue_id == dialogue.id)
            .group_by(models.CurrentVote.statement_id)
        ).all()
    )
    chosen = choose_next(candidates, seen_by, rng, priority)
    return None if chosen is None else session.get(models.Statement, chosen)


def vote_refusal(
    dialogue_id: int,
    participant_dialogue_id: int,
    consented: bool,
    statement_id: int,
    statement: tuple[int, Moderation] | None,
    *,
    closed_at: datetime | None,
) -> ServiceError | None:
    """Why this vote may not be recorded, or None: the rules of voting, shared by `check_vote` and the vote
    writer, which checks a whole batch of requests against rows it read in a few queries. `closed_at` is when the
    dialogue's voting closed (None: open)."""
    if participant_dialogue_id != dialogue_id:
        return Forbidden("you are not a participant of this dialogue")
    closed = voting_closed(closed_at)
    if closed is not None:
        return closed
    if not consented:
        return Forbidden("please agree to the ground rules before voting")
    if statement is None or statement[0] != dialogue_id:
        return NotFound(f"no statement {statement_id} in this dialogue")
    if statement[1] is not Moderation.ACCEPTED:
        return ServiceError("this statement is not open for voting")
    return None


def check_vote(
    session: Session,
    dialogue: models.Dialogue,
    participant: models.Participant,
    statement_id: int,
    value: int | str,
    request_key: str | None = None,
) -> NewVote:
    """The vote, once every rule allows it: a consenting participant of this dialogue, an accepted statement."""
    vote_value = VoteValue.parse(value)
    statement = session.get(models.Statement, statement_id) if 1 <= statement_id <= MAX_ID else None
    refusal = vote_refusal(
        dialogue.id,
        participant.dialogue_id,
        participant.consented_at is not None,
        statement_id,
        None if statement is None else (statement.dialogue_id, statement.moderation),
        closed_at=dialogue.voting_closed_at,
    )
    if refusal is not None:
        raise refusal
    assert statement is not None
    return NewVote(
        dialogue_id=dialogue.id,
        participant_id=participant.id,
        statement_id=statement.id,
        value=int(vote_value),
        request_key=request_key,
    )


def cast_vote(
    session: Session,
    dialogue: models.Dialogue,
    participant: models.Participant,
    statement_id: int,
    value: int | str,
) -> models.Vote:
    """Check and record one vote in the caller's transaction (the pages; the API goes through the vote writer)."""
    vote = check_vote(session, dialogue, participant, statement_id, value)
    return record_vote(
        session,
        dialogue_id=vote.dialogue_id,
        participant_id=vote.participant_id,
        statement_id=vote.statement_id,
        value=vote.value,
    )


def superseded(session: Session, participant: models.Participant, statement_id: int, vote_id: int) -> bool:
    """Whether a newer vote than `vote_id` now counts for this participant and statement (the newest id wins)."""
    current = session.scalar(
        select(models.CurrentVote.vote_id).where(
            models.CurrentVote.participant_id == participant.id,
            models.CurrentVote.statement_id == statement_id,
        )
    )
    return current is not None and current > vote_id


@dataclass(frozen=True)
class MyVote:
    statement_id: int
    text: str
    focus_area: str | None
    value: VoteValue
    voted_at: datetime | None
    open_for_voting: bool


def my_votes(session: Session, participant: models.Participant) -> list[MyVote]:
    """Every statement this participant voted on, with the vote that counts now, newest first."""
    rows = session.execute(
        select(
            models.Statement, models.CurrentVote.value, models.CurrentVote.updated_at, models.FocusArea.title
        )
        .join(models.CurrentVote, models.CurrentVote.statement_id == models.Statement.id)
        .outerjoin(models.FocusArea, models.FocusArea.id == models.Statement.focus_area_id)
        .where(models.CurrentVote.participant_id == participant.id)
        .order_by(models.CurrentVote.vote_id.desc())
    ).all()
    return [
        MyVote(
            statement_id=st.id,
            text=st.text,
            focus_area=title,
            value=VoteValue(value),
            voted_at=at,
            open_for_voting=st.moderation is Moderation.ACCEPTED,
        )
        for st, value, at, title in rows
    ]


@dataclass(frozen=True)
class Submission:
    statement: models.Statement | None
    """The new statement, or None when a duplicate was found and not confirmed."""
    duplicate: models.Statement | None


def submit_statement(
    session: Session,
    dialogue: models.Dialogue,
    participant: models.Participant,
    text: str,
    focus_area: str | None,
    *,
    confirm_duplicate: bool = False,
) -> Submission:
    """Add a statement for moderation; a duplicate of an existing one is reported first, not silently added."""
    if participant.dialogue_id != dialogue.id:
        raise Forbidden("you are not a participant of this dialogue")
    if participant.consented_at is None:
        raise Forbidden("please agree to the ground rules before writing statements")
    check_open(dialogue, "statements")
    text = statement_text(text)
    focus_id = focus_area_id(dialogue, focus_area)
    existing = session.scalars(
        select(models.Statement).where(
            models.Statement.dialogue_id == dialogue.id, models.Statement.moderation != Moderation.REJECTED
        )
    ).all()
    by_id = {st.id: st for st in existing}
    duplicate_id = find_duplicate(text, ((st.id, st.text) for st in existing))
    duplicate = by_id.get(duplicate_id) if duplicate_id is not None else None
    if duplicate is not None and not confirm_duplicate:
        return Submission(statement=None, duplicate=duplicate)
    statement = models.Statement(
        dialogue_id=dialogue.id,
        text=text,
        author_id=participant.id,
        focus_area_id=focus_id,
        kind=StatementKind.PROPOSAL,
        moderation=Moderation.UNMODERATED,
    )
    session.add(statement)
    session.flush()
    return Submission(statement=statement, duplicate=duplicate)

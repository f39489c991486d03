"""Facilitator accounts and their sign-in sessions.

Passwords are hashed with Argon2id (memory-hard, so a stolen hash is expensive to attack on GPUs); sessions are
random tokens of which only the digest is stored, with an expiry. A demo account's password is published in the
README, so the web app lets it sign in only when it listens on a loopback address.

A session ends at the first of: signing out, its absolute lifetime after signing in, or an idle period without
use. The idle limit needs no extra column: `expires_at` slides forward on use, capped at `created_at` plus the
absolute lifetime, so a laptop left signed in at a venue stops working on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workingup.config import Settings
from workingup.services.errors import Conflict, ServiceError, Unauthenticated
from workingup.services.tokens import hash_token, new_token
from workingup.store import models
from workingup.store.models import utcnow

_DEFAULTS = Settings.defaults()
SESSION_LIFETIME = timedelta(hours=_DEFAULTS.session_hours)
"""Absolute lifetime of a facilitator session (WORKINGUP_SESSION_HOURS; default a working day, in config.py)."""
SESSION_IDLE = timedelta(minutes=_DEFAULTS.session_idle_minutes)
"""A session unused this long ends (WORKINGUP_SESSION_IDLE_MINUTES; default long enough for a workshop's break)."""
SLIDE_STEP = timedelta(minutes=1)
"""Sliding the idle expiry writes to the database; at most once a minute per session keeps that cheap."""
MIN_PASSWORD_LENGTH = 12
DEMO_EMAIL = "demo-facilitator@example.org"
DEMO_PASSWORD = "demo-only-not-secret"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher(
    time_cost=3, memory_cost=64 * 1024, parallelism=4, hash_len=32, salt_len=16, type=Type.ID
)
"""RFC 9106's second recommended profile (64 MiB, 3 passes), spelled out so a library default cannot weaken it;
well above OWASP's minimum for Argon2id (19 MiB, 2 passes)."""


class AuthenticationFailed(Unauthenticated):
    """Wrong address or password; the message never says which."""


@dataclass(frozen=True)
class SessionPolicy:
    """How long facilitator sessions live: `lifetime` after signing in at most, `idle` after their last use."""

    lifetime: timedelta = SESSION_LIFETIME
    idle: timedelta = SESSION_IDLE

    @classmethod
    def of(cls, settings: Settings) -> SessionPolicy:
        """The lifetimes WORKINGUP_SESSION_HOURS and WORKINGUP_SESSION_IDLE_MINUTES ask for."""
        return cls(
            lifetime=timedelta(hours=settings.session_hours),
            idle=timedelta(minutes=settings.session_idle_minutes),
        )

    def __post_init__(self) -> None:
        if self.lifetime <= timedelta(0) or self.idle <= timedelta(0):
            raise ValueError("a session's lifetime and idle limit must be positive")

    def first_expiry(self, now: datetime) -> datetime:
        return now + min(self.lifetime, self.idle)


DEFAULT_POLICY = SessionPolicy()


@dataclass(frozen=True)
class NewSession:
    token: str
    facilitator: models.Facilitator
    expires_at: datetime


def is_email(text: str) -> bool:
    return _EMAIL.match(text) is not None


def create_facilitator(
    session: Session, email: str, password: str, display_name: str, *, is_demo: bool = False
) -> models.Facilitator:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ServiceError(f"{email!r} is not an e-mail address")
    if not is_demo and len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(models.Facilitator.id).where(models.Facilitator.email == email)) is not None:
        raise Conflict(f"a facilitator with the address {email} already exists")
    facilitator = models.Facilitator(
        email=email,
        display_name=display_name.strip() or email,
        password_hash=_hasher.hash(password),
        is_demo=is_demo,
    )
    session.add(facilitator)
    session.flush()
    return facilitator


def facilitator_by_email(session: Session, email: str) -> models.Facilitator | None:
    return session.scalars(
        select(models.Facilitator).where(models.Facilitator.email == email.strip().lower())
    ).one_or_none()


def facilitator_by_id(session: Session, facilitator_id: int) -> models.Facilitator | None:
    """The account a checked session token names, loaded in the caller's session (the check has its own)."""
    return session.get(models.Facilitator, facilitator_id)


def grant_dialogue(session: Session, facilitator: models.Facilitator, dialogue: models.Dialogue) -> None:
    """Make `facilitator` one of the dialogue's facilitators (idempotent)."""
    if not facilitates(session, facilitator.id, dialogue.id):
        session.add(models.DialogueFacilitator(dialogue_id=dialogue.id, facilitator_id=facilitator.id))
        session.flush()


def facilitates(session: Session, facilitator_id: int, dialogue_id: int) -> bool:
    row = session.get(models.DialogueFacilitator, (dialogue_id, facilitator_id))
    return row is not None


def facilitated_dialogues(session: Session, facilitator_id: int) -> list[models.Dialogue]:
    return list(
        session.scalars(
            select(models.Dialogue)
            .join(models.DialogueFacilitator, models.DialogueFacilitator.dialogue_id == models.Dialogue.id)
            .where(models.DialogueFacilitator.facilitator_id == facilitator_id)
            .order_by(models.Dialogue.id)
        )
    )


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    allow_demo: bool,
    policy: SessionPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> NewSession:
    """Check the password and open a session; the same error for an unknown address and a wrong password."""
    facilitator = facilitator_by_email(session, email)
    if facilitator is None:
        _hasher.hash(password)  # spend the same time as a real check, so timing does not reveal accounts
        raise AuthenticationFailed("wrong e-mail address or password")
    try:
        _hasher.verify(facilitator.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed("wrong e-mail address or password") from None
    if facilitator.is_demo and not allow_demo:
        raise AuthenticationFailed("the demo account can only sign in when the server listens on 127.0.0.1")
    if _hasher.check_needs_rehash(facilitator.password_hash):
        facilitator.password_hash = _hasher.hash(password)
    return open_session(session, facilitator, policy=policy, now=now)


def open_session(
    session: Session,
    facilitator: models.Facilitator,
    *,
    policy: SessionPolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> NewSession:
    """A new session for a facilitator whose identity is already proven (a password checked, or a colleague
    invitation just accepted with the password they chose)."""
    token = new_token()
    now = now or utcnow()
    expires = policy.first_expiry(now)
    session.add(
        models.FacilitatorSession(
            token_hash=hash_token(token), facilitator_id=facilitator.id, created_at=now, expires_at=expires
        )
    )
    session.flush()
    return NewSession(token=token, facilitator=facilitator, expires_at=expires)


def facilitator_for_token(
    session: Session, token: str, *, policy: SessionPolicy = DEFAULT_POLICY, now: datetime | None = None
) -> int | None:
    """The id of the facilitator a live session token belongs to; each use pushes the idle expiry forward.

    An expired session's row is deleted on sight, so the database does not keep dead tokens' digests. The
    caller commits (the sliding expiry is a write).
    """
    row = session.get(models.FacilitatorSession, hash_token(token))
    if row is None:
        return None
    now = now or utcnow()
    if row.expires_at <= now or row.created_at + policy.lifetime <= now:
        session.delete(row)
        session.flush()
        return None
    slid = min(row.created_at + policy.lifetime, now + policy.idle)
    if slid - row.expires_at >= SLIDE_STEP:
        row.expires_at = slid
        session.flush()
    return row.facilitator_id


def sign_out(session: Session, token: str) -> None:
    session.execute(
        delete(models.FacilitatorSession).where(models.FacilitatorSession.token_hash == hash_token(token))
    )


def end_participant_token(session: Session, participant: models.Participant) -> bool:
    """Make a participant's bearer token stop working; False when it had none (already ended, or simulated).

    Only the digest goes: the person's votes and statements stay counted under their participant row, and the
    same person can come back only through a new invitation or the open link, as a new participant.
    """
    if participant.token_hash is None:
        return False
    participant.token_hash = None
    session.flush()
    return True


def ensure_demo_facilitator(session: Session, dialogue: models.Dialogue) -> models.Facilitator:
    """The demo account (published password, loopback only), facilitating `dialogue`."""
    facilitator = facilitator_by_email(session, DEMO_EMAIL)
    if facilitator is None:
        facilitator = create_facilitator(
            session, DEMO_EMAIL, DEMO_PASSWORD, "Demo facilitator (demo only)", is_demo=True
        )
    elif not facilitator.is_demo:
        raise Conflict(f"{DEMO_EMAIL} exists and is not a demo account; not touching it")
    grant_dialogue(session, facilitator, dialogue)
    return facilitator


def has_demo_facilitator(session: Session) -> bool:
    return (
        session.scalar(select(models.Facilitator.id).where(models.Facilitator.is_demo.is_(True))) is not None
    )

"""The database schema as SQLAlchemy 2 mapped classes.

The tables are created only by Alembic migrations (store/migrations); these classes describe them for queries
and for autogenerate, and a test checks the two never drift apart.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from workingup.domain import Horizon, InvitationStatus, Leaning, Moderation, Phase, Role, StatementKind

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on every backend (SQLite has no time zones; PostgreSQL does)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    """Enums stored as their readable values in a VARCHAR with a CHECK, the same on SQLite and PostgreSQL."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Dialogue(Base):
    __tablename__ = "dialogue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    ground_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "phase"), default=Phase.ASSESSMENT)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether the public page shows the aggregate results."""
    open_join: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Whether anyone with the dialogue's open link may join (as a member of the public), not only invitees."""
    require_sector: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    require_leaning: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    voting_closed_at: Mapped[datetime | None] = mapped_column(default=None, nullable=True)
    """When voting (and joining, and submitting statements) closed; None while it is open. A facilitator's switch,
    or the move into `voting_closes_in`: the final report states this cut-off, so its figures cannot move."""
    voting_closes_in: Mapped[Phase | None] = mapped_column(
        _enum(Phase, "voting_close_phase"), default=Phase.ACTION, server_default="action", nullable=True
    )
    """The phase whose start closes voting (None: only the switch closes it); the last phase by default."""
    source: Mapped[str] = mapped_column(String(300), default="")
    story: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The public story (domain.Story as JSON: services/story.py reads and writes it); None until one is set."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="dialogue", order_by="FocusArea.position", cascade="all, delete-orphan"
    )
    sectors: Mapped[list[Sector]] = relationship(order_by="Sector.position", cascade="all, delete-orphan")
    phase_changes: Mapped[list[PhaseChange]] = relationship(
        order_by="PhaseChange.changed_at", cascade="all, delete-orphan"
    )


class PhaseChange(Base):
    """When the dialogue entered each phase: the final report dates the process from these."""

    __tablename__ = "phase_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "phase"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FocusArea(Base):
    __tablename__ = "focus_area"
    __table_args__ = (UniqueConstraint("dialogue_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    dialogue: Mapped[Dialogue] = relationship(back_populates="focus_areas")
    inquiry_areas: Mapped[list[InquiryArea]] = relationship(
        order_by="InquiryArea.position", cascade="all, delete-orphan"
    )


class InquiryArea(Base):
    __tablename__ = "inquiry_area"
    __table_args__ = (UniqueConstraint("focus_area_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_area.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Sector(Base):
    __tablename__ = "sector"
    __table_args__ = (UniqueConstraint("dialogue_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Participant(Base):
    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("dialogue_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.PUBLIC)
    sector: Mapped[str | None] = mapped_column(String(100))
    leaning: Mapped[Leaning] = mapped_column(_enum(Leaning, "leaning"), default=Leaning.UNDISCLOSED)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    """The source system's own identifier for this person (Pol.is's xid), kept for round trips."""
    external_group: Mapped[int | None] = mapped_column(Integer)
    """The opinion group the source system gave this person (Pol.is's group-id), kept for round trips."""
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    """SHA-256 of the participant's bearer token; the token itself is never stored."""
    consented_at: Mapped[datetime | None] = mapped_column()
    """When the participant agreed to the ground rules; nobody votes before that."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Statement(Base):
    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("dialogue_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_area.id", ondelete="SET NULL"))
    inquiry_area_id: Mapped[int | None] = mapped_column(ForeignKey("inquiry_area.id", ondelete="SET NULL"))
    kind: Mapped[StatementKind] = mapped_column(
        _enum(StatementKind, "statement_kind"), default=StatementKind.PROPOSAL
    )
    horizon: Mapped[Horizon | None] = mapped_column(_enum(Horizon, "horizon"))
    moderation: Mapped[Moderation] = mapped_column(
        _enum(Moderation, "moderation"), default=Moderation.UNMODERATED
    )
    is_meta: Mapped[bool] = mapped_column(Boolean, default=False)
    is_seed: Mapped[bool] = mapped_column(Boolean, default=False)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(Base):
    """Every vote ever cast, never updated or deleted: the history a dialogue's legitimacy rests on."""

    __tablename__ = "vote"
    __table_args__ = (
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
        Index("ix_vote_participant_statement", "participant_id", "statement_id"),
        Index("ux_vote_participant_request", "participant_id", "request_key", unique=True),
        # The live alerts read one dialogue's recent votes (migration 0007).
        Index("ix_vote_dialogue_created", "dialogue_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime | None] = mapped_column()
    """None when the source carried no time (a Pol.is participants-votes matrix)."""
    request_key: Mapped[str | None] = mapped_column(String(64), default=None)
    """The client's Idempotency-Key: a retried request finds its vote here instead of counting twice."""


class CurrentVote(Base):
    """The vote that counts per (participant, statement), kept in the same transaction as the history.

    Derivable from `vote`, but every analysis reads the current matrix; keeping it here turns a window query
    over millions of events into a plain table scan.
    """

    __tablename__ = "current_vote"
    __table_args__ = (
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
        # Counts per statement (and voters) of one dialogue read this index alone, never the table nor another
        # dialogue's rows; counts of given statements (and a statement's cascade delete) use the second
        # (migration 0007). Without participant_id here, counting a dialogue's voters fetched every row.
        Index("ix_current_vote_dialogue_statement", "dialogue_id", "statement_id", "value", "participant_id"),
        Index("ix_current_vote_statement", "statement_id", "value"),
    )

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True
    )
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(SmallInteger)
    vote_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    """The event that counts: the highest vote id for the pair, so concurrent writers cannot reorder history."""
    updated_at: Mapped[datetime | None] = mapped_column()


class Facilitator(Base):
    """A person who runs dialogues; signs in with a password stored only as an Argon2id hash."""

    __tablename__ = "facilitator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    """A demo account with a published password: it may sign in only on a loopback address."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DialogueFacilitator(Base):
    """Who facilitates which dialogue: a dialogue may have several facilitators, a facilitator several dialogues."""

    __tablename__ = "dialogue_facilitator"

    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(
        ForeignKey("facilitator.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FacilitatorSession(Base):
    """A signed-in browser or API client; only the SHA-256 of the session token is stored."""

    __tablename__ = "facilitator_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitator.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class Invitation(Base):
    """A personal link to join a dialogue with a given role (and sector), and what became of it."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    """Whom the facilitator meant it for (a name or an address); shown to facilitators only."""
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.STAKEHOLDER)
    sector: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus, "invitation_status"), default=InvitationStatus.PENDING
    )
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column()


class ColleagueInvitation(Base):
    """A one-time link for someone to become a facilitator of a dialogue, creating their own account (and password)."""

    __tablename__ = "colleague_invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    """The address the account will have: the invitee chooses a name and a password, not the address."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator.id", ondelete="SET NULL"))
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus, "invitation_status"), default=InvitationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column()


class AnalysisRun(Base):
    """One analysis of a dialogue's votes, as the analysis engine's JSON: what the dashboard and routing read."""

    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    n_participants: Mapped[int] = mapped_column(Integer)
    n_votes: Mapped[int] = mapped_column(Integer)
    n_groups: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(50))
    result: Mapped[str] = mapped_column(Text)

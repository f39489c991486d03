"""From consensus to action in the store: recommendations and their versions, endorsements, commitments.

Separate from models.py because it is a separate concept (docs/architecture.md §1, phases 5 and 6) with its own lifecycle; the
tables share the one `Base` so migrations and queries see a single schema. Everything here is append-only where
legitimacy depends on it: a recommendation's wording is a new version, never an overwrite; an endorsement that
changes is a new row; figures a recommendation rests on are copied at drafting time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workingup.domain import AdoptionRule, CommitmentStatus, Horizon, RecommendationType, Stance
from workingup.store.models import Base, _enum, utcnow


class RecommendationRow(Base):
    """A recommendation's identity; what it says lives in its versions (the newest is the current one)."""

    __tablename__ = "recommendation"
    __table_args__ = (UniqueConstraint("dialogue_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """1, 2, … within the dialogue: what people call it ("R3")."""
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[RecommendationVersionRow]] = relationship(
        order_by="RecommendationVersionRow.number",
        cascade="all, delete-orphan",
        back_populates="recommendation",
    )

    @property
    def current(self) -> RecommendationVersionRow:
        return self.versions[-1]


class RecommendationVersionRow(Base):
    """One wording of a recommendation, with everything that describes it at that moment."""

    __tablename__ = "recommendation_version"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_area.id", ondelete="CASCADE"))
    kind: Mapped[RecommendationType] = mapped_column(_enum(RecommendationType, "recommendation_type"))
    horizon: Mapped[Horizon] = mapped_column(_enum(Horizon, "horizon"))
    actors: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    """[{"text": …, "url": …}]: sources and facts the recommendation rests on besides the statements."""
    note: Mapped[str] = mapped_column(Text, default="")
    """Why this version was made (merge, rewording after the table's comments, …)."""
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommendation: Mapped[RecommendationRow] = relationship(back_populates="versions")
    basis: Mapped[list[RecommendationBasisRow]] = relationship(
        order_by="RecommendationBasisRow.position", cascade="all, delete-orphan"
    )


class RecommendationBasisRow(Base):
    """A statement a version rests on, with its text and support figures copied when the version was made."""

    __tablename__ = "recommendation_basis"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation_version.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    statement_text: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    """services/recommendations.py `SupportSnapshot.to_dict()`: verdict, lenses, group and bloc figures."""


class EndorsementRoundRow(Base):
    """A round in which the table says where it stands on the recommendations, under one adoption rule."""

    __tablename__ = "endorsement_round"
    __table_args__ = (
        CheckConstraint(
            "rule <> 'threshold' OR (threshold > 0 AND threshold <= 1)", name="threshold_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    rule: Mapped[AdoptionRule] = mapped_column(_enum(AdoptionRule, "adoption_rule"))
    threshold: Mapped[float | None] = mapped_column(Float)
    """Share of the table's stakeholders (those standing aside not counted) who must endorse."""
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class EndorsementRow(Base):
    """One stance recorded by one stakeholder; a changed mind is a new row, the newest counts."""

    __tablename__ = "endorsement"
    __table_args__ = (
        CheckConstraint("stance NOT IN ('block', 'reservations') OR length(text) > 0", name="reason_given"),
        Index("ix_endorsement_round_recommendation", "round_id", "recommendation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("endorsement_round.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("recommendation_version.id", ondelete="CASCADE"))
    """The wording the stance was given on: a stance on an earlier wording does not count for a later one."""
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    stance: Mapped[Stance] = mapped_column(_enum(Stance, "stance"))
    text: Mapped[str] = mapped_column(Text, default="")
    """The reservation, or the reason for a block (required for both); optional otherwise."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NameConsentRow(Base):
    """Whether a participant agreed to be named in the final report; without a row, they are not named."""

    __tablename__ = "name_consent"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitmentRow(Base):
    """Someone commits to do something about a recommendation, by a date."""

    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(300))
    """Who commits, as they want to appear publicly (an organisation, a coalition)."""
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    """The table member who made the commitment, when one did."""
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(
        _enum(CommitmentStatus, "commitment_status"), default=CommitmentStatus.PLANNED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    milestones: Mapped[list[MilestoneRow]] = relationship(
        order_by="MilestoneRow.position", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[EvidenceRow]] = relationship(
        order_by="(EvidenceRow.dated, EvidenceRow.id)", cascade="all, delete-orphan"
    )


class MilestoneRow(Base):
    __tablename__ = "milestone"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date | None] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """Percent complete, 0–100."""
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceRow(Base):
    """What shows a commitment is being kept: a link, a note, dated."""

    __tablename__ = "evidence"
    __table_args__ = (CheckConstraint("url IS NOT NULL OR length(note) > 0", name="link_or_note"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    note: Mapped[str] = mapped_column(Text, default="")
    dated: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityRow(Base):
    """The agenda's log: drafts, revisions, rounds, commitments, status changes, evidence, in order."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    """Shown on the public tracker; endorsement details stay off it (the report publishes them in aggregate)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

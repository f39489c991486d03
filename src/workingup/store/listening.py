"""Listening sessions in the store: meetings with the people a dialogue is about, what they said, the themes.

Separate from models.py because it is a separate concept (docs/architecture.md §1, phase 3) with its own lifecycle; the
tables share the one `Base` so migrations and queries see a single schema.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workingup.store.models import Base, utcnow


class ListeningSessionRow(Base):
    __tablename__ = "listening_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300))
    """Where, or in what format ("Community center, Dayton", "phone interviews")."""
    facilitator: Mapped[str] = mapped_column(String(200))
    consent_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    """Participants agreed that their words may be quoted (anonymously) to the table and in the report."""
    consent_to_name: Mapped[bool] = mapped_column(Boolean, default=False)
    """The report may name the place and facilitator; otherwise it describes the session without names."""
    demographics: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    """Written for demonstration (the shipped sample), not said by real people: shown as such everywhere."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contributions: Mapped[list[ContributionRow]] = relationship(
        order_by="ContributionRow.id", cascade="all, delete-orphan", back_populates="session"
    )


class ContributionRow(Base):
    __tablename__ = "contribution"
    __table_args__ = (UniqueConstraint("session_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("listening_session.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(200))
    """The id the import file gave it, kept for audit."""
    speaker: Mapped[str | None] = mapped_column(String(100))
    """An anonymous speaker id ("P07"), never a name."""
    text: Mapped[str] = mapped_column(Text)
    attributes: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[ListeningSessionRow] = relationship(back_populates="contributions")


class ThemeRunRow(Base):
    """One run of the theme finder over a dialogue's contributions: kept whole, so a page shows what was found."""

    __tablename__ = "theme_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(40))
    n_contributions: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    """`ThemeResult.to_dict()`: themes, labels, quotes (with contribution ids and spans), "other"."""
    focus: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """`FocusAreaMatch.to_dict()` per theme."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatementOriginRow(Base):
    """Where a statement added from a listening session came from: the theme and the exact words."""

    __tablename__ = "statement_origin"

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True
    )
    theme_run_id: Mapped[int] = mapped_column(ForeignKey("theme_run.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(Integer)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"))
    quote_start: Mapped[int] = mapped_column(Integer)
    quote_end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    """The verbatim words the statement was drawn from (the statement text itself may have been edited)."""

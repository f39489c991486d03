"""Listening sessions, their contributions, theme runs, and where statements drawn from them came from.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:29:25.719453
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listening_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("facilitator", sa.String(length=200), nullable=False),
        sa.Column("consent_recorded", sa.Boolean(), nullable=False),
        sa.Column("consent_to_name", sa.Boolean(), nullable=False),
        sa.Column("demographics", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_listening_session_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_session")),
    )
    with op.batch_alter_table("listening_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listening_session_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "theme_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("n_contributions", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("focus", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_theme_run_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_run")),
    )
    with op.batch_alter_table("theme_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_run_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("speaker", sa.String(length=100), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["listening_session.id"],
            name=op.f("fk_contribution_session_id_listening_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution")),
        sa.UniqueConstraint("session_id", "external_id", name=op.f("uq_contribution_session_id_external_id")),
    )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_session_id"), ["session_id"], unique=False)

    op.create_table(
        "statement_origin",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("theme_run_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("quote_start", sa.Integer(), nullable=False),
        sa.Column("quote_end", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_statement_origin_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_statement_origin_statement_id_statement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_run_id"],
            ["theme_run.id"],
            name=op.f("fk_statement_origin_theme_run_id_theme_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_statement_origin")),
    )
    with op.batch_alter_table("statement_origin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_origin_theme_run_id"), ["theme_run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("statement_origin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_origin_theme_run_id"))

    op.drop_table("statement_origin")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contribution_session_id"))

    op.drop_table("contribution")
    with op.batch_alter_table("theme_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_run_dialogue_id"))

    op.drop_table("theme_run")
    with op.batch_alter_table("listening_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listening_session_dialogue_id"))

    op.drop_table("listening_session")

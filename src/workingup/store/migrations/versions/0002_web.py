"""Web application: facilitator accounts and sessions, invitations, participant tokens and consent, join settings,
analysis runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 04:29:31.235646
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitator")),
        sa.UniqueConstraint("email", name=op.f("uq_facilitator_email")),
    )
    op.create_table(
        "dialogue_facilitator",
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_dialogue_facilitator_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitator.id"],
            name=op.f("fk_dialogue_facilitator_facilitator_id_facilitator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dialogue_id", "facilitator_id", name=op.f("pk_dialogue_facilitator")),
    )
    with op.batch_alter_table("dialogue_facilitator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dialogue_facilitator_facilitator_id"), ["facilitator_id"], unique=False
        )

    op.create_table(
        "facilitator_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitator.id"],
            name=op.f("fk_facilitator_session_facilitator_id_facilitator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_facilitator_session")),
    )
    with op.batch_alter_table("facilitator_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facilitator_session_facilitator_id"), ["facilitator_id"], unique=False
        )

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "stakeholder",
                "advisor",
                "community_voice",
                "public",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sector", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "revoked",
                name="invitation_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_invitation_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_invitation_participant_id_participant"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "analysis_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_participants", sa.Integer(), nullable=False),
        sa.Column("n_votes", sa.Integer(), nullable=False),
        sa.Column("n_groups", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=50), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_analysis_run_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_run")),
    )
    with op.batch_alter_table("analysis_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_run_dialogue_id"), ["dialogue_id"], unique=False)

    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_join", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(
            sa.Column("require_sector", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("require_leaning", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_participant_token_hash"), ["token_hash"])


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_participant_token_hash"), type_="unique")
        batch_op.drop_column("consented_at")
        batch_op.drop_column("token_hash")

    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.drop_column("require_leaning")
        batch_op.drop_column("require_sector")
        batch_op.drop_column("open_join")

    with op.batch_alter_table("analysis_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_run_dialogue_id"))

    op.drop_table("analysis_run")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_dialogue_id"))

    op.drop_table("invitation")
    with op.batch_alter_table("facilitator_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilitator_session_facilitator_id"))

    op.drop_table("facilitator_session")
    with op.batch_alter_table("dialogue_facilitator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_facilitator_facilitator_id"))

    op.drop_table("dialogue_facilitator")
    op.drop_table("facilitator")

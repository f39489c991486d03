"""Colleague invitations: a one-time link for a new facilitator of a dialogue to create their own account.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "colleague_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_colleague_invitation_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["facilitator.id"],
            name=op.f("fk_colleague_invitation_invited_by_id_facilitator"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_colleague_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_colleague_invitation_token_hash")),
    )
    with op.batch_alter_table("colleague_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_colleague_invitation_dialogue_id"), ["dialogue_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("colleague_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_colleague_invitation_dialogue_id"))
    op.drop_table("colleague_invitation")

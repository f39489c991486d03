"""Initial schema: dialogues, focus and inquiry areas, sectors, participants, statements, vote history.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 03:59:39.178742
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dialogue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ground_rules", sa.JSON(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "assessment",
                "convene",
                "common_understanding",
                "action_agenda",
                "recommendations",
                "action",
                name="phase",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue")),
        sa.UniqueConstraint("slug", name=op.f("uq_dialogue_slug")),
    )
    op.create_table(
        "focus_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_focus_area_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_area")),
        sa.UniqueConstraint("dialogue_id", "key", name=op.f("uq_focus_area_dialogue_id_key")),
    )
    with op.batch_alter_table("focus_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_focus_area_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
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
            "leaning",
            sa.Enum(
                "left",
                "center_left",
                "center",
                "center_right",
                "right",
                "undisclosed",
                name="leaning",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("external_group", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_participant_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant")),
        sa.UniqueConstraint(
            "dialogue_id", "external_id", name=op.f("uq_participant_dialogue_id_external_id")
        ),
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participant_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "phase_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "assessment",
                "convene",
                "common_understanding",
                "action_agenda",
                "recommendations",
                "action",
                name="phase",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_phase_change_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_change")),
    )
    with op.batch_alter_table("phase_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_change_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "sector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"], ["dialogue.id"], name=op.f("fk_sector_dialogue_id_dialogue"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sector")),
        sa.UniqueConstraint("dialogue_id", "key", name=op.f("uq_sector_dialogue_id_key")),
    )
    with op.batch_alter_table("sector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sector_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "inquiry_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["focus_area_id"],
            ["focus_area.id"],
            name=op.f("fk_inquiry_area_focus_area_id_focus_area"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_area")),
        sa.UniqueConstraint("focus_area_id", "key", name=op.f("uq_inquiry_area_focus_area_id_key")),
    )
    with op.batch_alter_table("inquiry_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiry_area_focus_area_id"), ["focus_area_id"], unique=False)

    op.create_table(
        "statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("focus_area_id", sa.Integer(), nullable=True),
        sa.Column("inquiry_area_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "fact",
                "principle",
                "proposal",
                name="statement_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "horizon",
            sa.Enum(
                "near_term",
                "new_approaches",
                name="horizon",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "moderation",
            sa.Enum(
                "rejected",
                "unmoderated",
                "accepted",
                name="moderation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("is_meta", sa.Boolean(), nullable=False),
        sa.Column("is_seed", sa.Boolean(), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["participant.id"],
            name=op.f("fk_statement_author_id_participant"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_statement_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["focus_area_id"],
            ["focus_area.id"],
            name=op.f("fk_statement_focus_area_id_focus_area"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_area_id"],
            ["inquiry_area.id"],
            name=op.f("fk_statement_inquiry_area_id_inquiry_area"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
        sa.UniqueConstraint("dialogue_id", "external_id", name=op.f("uq_statement_dialogue_id_external_id")),
    )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "current_vote",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("vote_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("value IN (-1, 0, 1)", name=op.f("ck_current_vote_value")),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_current_vote_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_current_vote_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_current_vote_statement_id_statement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", "statement_id", name=op.f("pk_current_vote")),
    )
    with op.batch_alter_table("current_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_current_vote_dialogue_id"), ["dialogue_id"], unique=False)

    op.create_table(
        "vote",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("value IN (-1, 0, 1)", name=op.f("ck_vote_value")),
        sa.ForeignKeyConstraint(
            ["dialogue_id"], ["dialogue.id"], name=op.f("fk_vote_dialogue_id_dialogue"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_vote_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statement.id"],
            name=op.f("fk_vote_statement_id_statement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_dialogue_id"), ["dialogue_id"], unique=False)
        batch_op.create_index(
            "ix_vote_participant_statement", ["participant_id", "statement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vote_statement_id"), ["statement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_statement_id"))
        batch_op.drop_index("ix_vote_participant_statement")
        batch_op.drop_index(batch_op.f("ix_vote_dialogue_id"))

    op.drop_table("vote")
    with op.batch_alter_table("current_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_current_vote_dialogue_id"))

    op.drop_table("current_vote")
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_dialogue_id"))

    op.drop_table("statement")
    with op.batch_alter_table("inquiry_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_area_focus_area_id"))

    op.drop_table("inquiry_area")
    with op.batch_alter_table("sector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sector_dialogue_id"))

    op.drop_table("sector")
    with op.batch_alter_table("phase_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phase_change_dialogue_id"))

    op.drop_table("phase_change")
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_dialogue_id"))

    op.drop_table("participant")
    with op.batch_alter_table("focus_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_focus_area_dialogue_id"))

    op.drop_table("focus_area")
    op.drop_table("dialogue")

"""Voting that closes: when a dialogue's voting closed (a facilitator's switch or the start of a chosen phase),
and which phase closes it. Existing dialogues close at the last phase, like new ones; none is closed now.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PHASES = (
    "assessment",
    "convene",
    "common_understanding",
    "action_agenda",
    "recommendations",
    "action",
)


def upgrade() -> None:
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voting_closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "voting_closes_in",
                sa.Enum(
                    *PHASES, name="voting_close_phase", native_enum=False, create_constraint=True, length=32
                ),
                server_default="action",
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        # The enum's CHECK names the column: it goes first, or SQLite's table copy would still refer to it.
        batch_op.drop_constraint("voting_close_phase", type_="check")
        batch_op.drop_column("voting_closes_in")
        batch_op.drop_column("voting_closed_at")

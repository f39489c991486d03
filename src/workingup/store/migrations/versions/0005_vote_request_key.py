"""Idempotent votes: the client's request key is stored with the vote, unique per participant, so a request
retried after a lost answer (a timeout, a server restart) finds the vote it already made instead of adding one.
Votes without a key (pages, imports) keep NULL, which a unique index never treats as equal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ux_vote_participant_request", ["participant_id", "request_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index("ux_vote_participant_request")
        batch_op.drop_column("request_key")

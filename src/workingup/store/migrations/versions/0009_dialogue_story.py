"""The public story of a dialogue (issue 23): its challenge, timeline, next steps, supporters and contacts, as
one JSON value on the dialogue (read and written only through services/story.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dialogue", schema=None) as batch_op:
        batch_op.drop_column("story")

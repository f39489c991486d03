"""Indexes that keep every page's vote queries inside their own dialogue (issue 18).

`current_vote` had only its primary key (participant, statement) and an index on the dialogue, so "votes per
statement" joined on `statement_id` read the whole table once per statement: with a 2M-vote dialogue beside the
demo, the dashboard took 25 s. (dialogue, statement, value, participant) answers a dialogue's counts and its
number of voters from the index alone;
(statement, value) answers counts of given statements and a statement's cascade delete. The old dialogue index is
a prefix of the new one and goes. `vote` gains (dialogue, created_at) for the live alerts' recent votes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("current_vote", schema=None) as batch_op:
        batch_op.create_index(
            "ix_current_vote_dialogue_statement",
            ["dialogue_id", "statement_id", "value", "participant_id"],
            unique=False,
        )
        batch_op.create_index("ix_current_vote_statement", ["statement_id", "value"], unique=False)
        batch_op.drop_index("ix_current_vote_dialogue_id")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index("ix_vote_dialogue_created", ["dialogue_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_dialogue_created")
    with op.batch_alter_table("current_vote", schema=None) as batch_op:
        batch_op.create_index("ix_current_vote_dialogue_id", ["dialogue_id"], unique=False)
        batch_op.drop_index("ix_current_vote_statement")
        batch_op.drop_index("ix_current_vote_dialogue_statement")

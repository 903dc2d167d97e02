"""conversations remember who asked their question

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# An answer or offer already awaiting someone stays theirs: the asker of the place's latest
# question. Other places have nothing pending that needs it.
ASKED_BY_LATEST_QUESTION = sa.text(
    "UPDATE conversations SET requester_id = ("
    " SELECT questions.user_id FROM questions"
    " WHERE questions.conversation_id = conversations.id"
    " ORDER BY questions.id DESC LIMIT 1"
    ") WHERE state IN ('answered', 'choosing')"
)


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requester_id", sa.Integer(), nullable=True))
    op.execute(ASKED_BY_LATEST_QUESTION)


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("requester_id")

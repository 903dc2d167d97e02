"""inbound messages count their replays; a person's recent inbound messages by index

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INBOUND = sa.text("direction = 'in'")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("replay_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_messages_inbound_by_user",
            ["user_id", "created_at"],
            unique=False,
            postgresql_where=INBOUND,
            sqlite_where=INBOUND,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_inbound_by_user")
        batch_op.drop_column("replay_attempts")

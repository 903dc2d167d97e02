"""processed events remember who sent them: button presses and forms count in the rate limit

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SENT_BY_SOMEONE = sa.text("user_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_processed_events_by_user",
            ["user_id", "processed_at"],
            unique=False,
            postgresql_where=SENT_BY_SOMEONE,
            sqlite_where=SENT_BY_SOMEONE,
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_events_by_user")
        batch_op.drop_column("user_id")

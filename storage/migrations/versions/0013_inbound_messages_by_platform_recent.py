"""a platform's recent inbound messages by index (Discord catch-up after a restart)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INBOUND = sa.text("direction = 'in'")


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_inbound_recent",
            ["platform", "created_at"],
            unique=False,
            postgresql_where=INBOUND,
            sqlite_where=INBOUND,
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_inbound_recent")

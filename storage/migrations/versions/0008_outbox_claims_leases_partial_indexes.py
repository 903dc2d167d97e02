"""outbox claims, leases, partial indexes for what is still to send or handle

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UNSENT = sa.text("sent_at IS NULL")
UNHANDLED = sa.text("handled_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_outbox_pending")
        batch_op.create_index(
            "ix_outbox_unsent",
            ["platform", "id"],
            unique=False,
            postgresql_where=UNSENT,
            sqlite_where=UNSENT,
        )
        batch_op.create_index(
            "ix_outbox_lane_unsent",
            ["platform", "lane", "id"],
            unique=False,
            postgresql_where=UNSENT,
            sqlite_where=UNSENT,
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_unhandled",
            ["id"],
            unique=False,
            postgresql_where=UNHANDLED,
            sqlite_where=UNHANDLED,
        )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_unhandled")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_lane_unsent")
        batch_op.drop_index("ix_outbox_unsent")
        batch_op.create_index(
            "ix_outbox_pending", ["platform", "sent_at", "next_attempt_at"], unique=False
        )
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")

"""a requester's tickets, newest first, from one index

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_requester")
        batch_op.create_index("ix_tickets_requester", ["requester_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_requester")
        batch_op.create_index("ix_tickets_requester", ["requester_id"], unique=False)

"""sla clocks on tickets, job runs

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "period"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in (
            "first_response_due_at",
            "resolution_due_at",
            "sla_paused_at",
        ):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        for name in ("sla_paused_seconds", "sla_reminders_sent"):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        for name in (
            "first_response_breached_at",
            "resolution_breached_at",
            "waiting_since",
            "nudged_at",
            "sla_next_at",
        ):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_tickets_sla_next_at", ["sla_next_at"], unique=False)
    # Tickets from before SLA clocks: the first sweep starts their clocks (and closes
    # resolved ones whose reopen window is over).
    op.execute("UPDATE tickets SET sla_next_at = created_at WHERE status <> 'closed'")


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_sla_next_at")
        for name in (
            "sla_next_at",
            "nudged_at",
            "waiting_since",
            "resolution_breached_at",
            "first_response_breached_at",
            "sla_reminders_sent",
            "sla_paused_seconds",
            "sla_paused_at",
            "resolution_due_at",
            "first_response_due_at",
        ):
            batch_op.drop_column(name)

    op.drop_table("job_runs")

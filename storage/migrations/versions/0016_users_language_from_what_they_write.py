"""users' language comes from their platform, what they write, or their choice

A boolean (chosen or not) cannot say that the language of someone's last clear message
outranks their platform's locale, so it becomes the source of the locale: 'platform',
'written' or 'chosen'. Going back, only a chosen language stays chosen.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

USERS = sa.table(
    "users",
    sa.column("locale_chosen", sa.Boolean()),
    sa.column("locale_source", sa.String(16)),
)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "locale_source", sa.String(length=16), server_default="platform", nullable=False
            )
        )
    op.execute(USERS.update().where(USERS.c.locale_chosen).values(locale_source="chosen"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale_chosen")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "locale_chosen", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
    op.execute(USERS.update().where(USERS.c.locale_source == "chosen").values(locale_chosen=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale_source")

"""tickets and conversations keep what the bot tried: the articles, how sure, how it went

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FAILED_ARTICLES = sa.text(
    "SELECT id, failed_article_id FROM tickets WHERE failed_article_id IS NOT NULL"
)
SET_ATTEMPTS = sa.text("UPDATE tickets SET attempts = :attempts WHERE id = :id")
NOT_RECORDED = sa.text("UPDATE tickets SET attempts = 'null' WHERE failed_article_id IS NULL")
"""What the bot tried on any other earlier ticket is not known (not "nothing")."""


def _did_not_help(article_id: str) -> str:
    """The one try an earlier ticket knew of: the article answered with that did not help
    (its title and the bot's confidence were not kept; the id stands for the title)."""
    attempt = {
        "article_id": article_id,
        "title": article_id,
        "confidence": None,
        "shown": "answered",
        "verdict": "did_not_help",
    }
    return json.dumps([attempt], ensure_ascii=False)


def upgrade() -> None:
    for table in ("tickets", "conversations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("attempts", sa.Text(), server_default="[]", nullable=False)
            )
    connection = op.get_bind()
    connection.execute(NOT_RECORDED)
    tried = [
        {"id": ticket_id, "attempts": _did_not_help(article_id)}
        for ticket_id, article_id in connection.execute(FAILED_ARTICLES)
    ]
    if tried:
        connection.execute(SET_ATTEMPTS, tried)


def downgrade() -> None:
    for table in ("conversations", "tickets"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("attempts")

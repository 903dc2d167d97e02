"""Question queries, mixed into ``SqlStore``: each question the bot looked up, and its end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.records import Conversation, User
from storage.models import QuestionRow

__all__ = ["QuestionQueries"]


class QuestionQueries:
    session: Session

    def record_question(
        self,
        conversation: Conversation,
        user: User,
        text: str,
        decision: str,
        now: datetime,
        *,
        article_id: str | None = None,
    ) -> None:
        self.session.add(
            QuestionRow(
                platform=conversation.place.platform,
                conversation_id=conversation.id,
                user_id=user.id,
                text=text,
                decision=decision,
                article_id=article_id,
                outcome=None,
                ticket_id=None,
                created_at=now,
                settled_at=None,
            )
        )
        self.session.flush()

    def settle_question(
        self,
        conversation_id: int,
        now: datetime,
        *,
        outcome: str | None = None,
        article_id: str | None = None,
        ticket_id: int | None = None,
    ) -> None:
        latest = (
            select(QuestionRow.id)
            .where(QuestionRow.conversation_id == conversation_id)
            .order_by(QuestionRow.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        changes: dict[str, object] = {}
        if outcome is not None:
            changes.update(outcome=outcome, settled_at=now)
        if article_id is not None:
            changes["article_id"] = article_id
        if ticket_id is not None:
            changes["ticket_id"] = ticket_id
        if changes:
            self.session.execute(
                update(QuestionRow)
                .where(QuestionRow.id == latest)
                .values(**changes)
                .execution_options(synchronize_session=False)
            )

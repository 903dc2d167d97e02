"""Question queries, mixed into ``SqlStore``: each question the bot looked up, and its end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.records import Conversation, User
from kb.gaps import MAX_QUESTIONS, Asked
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

    def unsettled_questions(
        self, since: datetime, until: datetime, platform: str | None = None
    ) -> Sequence[Asked]:
        """Questions the KB did not settle, oldest first: "Still need help", "None of
        these", or nothing matched and a ticket was opened (asking for a person is not a
        KB gap). The most recent ``MAX_QUESTIONS`` at most."""
        query = (
            select(QuestionRow.text, QuestionRow.article_id, QuestionRow.outcome)
            .where(
                QuestionRow.created_at >= since,
                QuestionRow.created_at < until,
                or_(
                    QuestionRow.outcome.in_(("still_need_help", "none_of_these")),
                    and_(QuestionRow.outcome == "ticket", QuestionRow.decision == "escalate"),
                ),
            )
            .order_by(QuestionRow.id.desc())
            .limit(MAX_QUESTIONS)
        )
        if platform is not None:
            query = query.where(QuestionRow.platform == platform)
        rows = self.session.execute(query).all()
        return [
            Asked(text, article_id if outcome == "still_need_help" else None)
            for text, article_id, outcome in reversed(rows)
        ]

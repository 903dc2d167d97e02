"""``QuestionStore`` in memory: the questions looked up, and how each went on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.records import Conversation, User
from kb.gaps import MAX_QUESTIONS, Asked
from tests.fakes.memory.tables import QuestionRow, Tables, without_nul

__all__ = ["MemoryQuestions"]

KB_GAPS = frozenset({"still_need_help", "none_of_these"})


class MemoryQuestions:
    tables: Tables

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
        self.tables.questions.append(
            QuestionRow(
                conversation.place.platform,
                conversation.id,
                without_nul(text),
                decision,
                article_id,
                now,
            )
        )

    def settle_question(
        self,
        conversation_id: int,
        now: datetime,
        *,
        outcome: str | None = None,
        article_id: str | None = None,
        ticket_id: int | None = None,
    ) -> None:
        asked = [q for q in self.tables.questions if q.conversation_id == conversation_id]
        if not asked:
            return
        latest = asked[-1]
        if outcome is not None:
            latest.outcome = outcome
        if article_id is not None:
            latest.article_id = article_id
        if ticket_id is not None:
            latest.ticket_id = ticket_id

    def unsettled_questions(
        self, since: datetime, until: datetime, platform: str | None = None
    ) -> Sequence[Asked]:
        """Still need help, none of these, or nothing matched and a ticket was opened."""
        unsettled = [
            q
            for q in self.tables.questions
            if since <= q.created_at < until
            and (platform is None or q.platform == platform)
            and (q.outcome in KB_GAPS or (q.outcome == "ticket" and q.decision == "escalate"))
        ]
        return [
            Asked(q.text, q.article_id if q.outcome == "still_need_help" else None)
            for q in unsettled[-MAX_QUESTIONS:]
        ]

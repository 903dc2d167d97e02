"""A person's data as JSON-ready data: what ``tier0 privacy export`` hands them.

Every timestamp is ISO 8601; tickets are named by their key, never by row id; who wrote a
message is "you", "bot" or "staff" (agents are not named to the person).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.privacy.traces import Traces
from storage.belongings import PersonRows
from storage.models import (
    ConversationRow,
    FeedbackRow,
    MessageRow,
    QuestionRow,
    TicketEventRow,
    TicketRow,
    UserRow,
)
from storage.quoted import QuotedCopies

__all__ = ["PersonalExport"]


class PersonalExport(PersonRows, QuotedCopies):
    """The export query, mixed into the privacy queries with the store's session."""

    def personal_data(
        self, user_id: int, traces: Traces, *, internal_notes: bool
    ) -> dict[str, Any]:
        """Everything stored about the person, as JSON-ready data; agents' internal notes
        on their tickets only when ``internal_notes`` (they are staff working material).

        ``copies`` lists the rows of other people quoting them (what erasure redacts), by
        kind and ticket, with the words quoted, not the rest of what others wrote."""
        mine = self.belongings(user_id)
        messages = self.session.scalars(
            select(MessageRow).where(mine.messages(staff=internal_notes)).order_by(MessageRow.id)
        ).all()
        feedback = self.session.scalars(
            select(FeedbackRow).where(FeedbackRow.user_id == user_id).order_by(FeedbackRow.id)
        ).all()
        questions = self.session.scalars(
            select(QuestionRow).where(QuestionRow.user_id == user_id).order_by(QuestionRow.id)
        ).all()
        keys = {ticket.id: self._key(ticket.id) for ticket in mine.tickets}
        return {
            "person": _person(self.session.get_one(UserRow, user_id)),
            "conversations": [_conversation(c) for c in mine.conversations],
            "tickets": [self._ticket_export(ticket) for ticket in mine.tickets],
            "messages": [
                _message(m, user_id, keys)
                for m in messages
                if internal_notes or m.direction != "note"
            ],
            "feedback": [self._feedback(f) for f in feedback],
            "questions": [self._question(q) for q in questions],
            "copies": [
                {"kind": copy.kind, "ticket": self._key_of(copy.ticket_id), "quoted": copy.quoted}
                for copy in self.quoting(traces.quotes, self.own_rows(mine))
            ],
        }

    def _ticket_export(self, ticket: TicketRow) -> dict[str, Any]:
        history = self.session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_id == ticket.id)
            .order_by(TicketEventRow.id)
        ).all()
        return {
            "key": self._key(ticket.id),
            "subject": ticket.subject,
            "status": ticket.status,
            "tier": ticket.tier,
            "priority": ticket.priority,
            "category": ticket.category,
            "created_at": _time(ticket.created_at),
            "first_response_at": _time(ticket.first_response_at),
            "resolved_at": _time(ticket.resolved_at),
            "closed_at": _time(ticket.closed_at),
            "history": [
                {
                    "kind": event.kind,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "detail": event.detail,
                    "at": _time(event.created_at),
                }
                for event in history
            ],
        }

    def _feedback(self, feedback: FeedbackRow) -> dict[str, Any]:
        return {
            "kind": feedback.kind,
            "ticket": self._key_of(feedback.ticket_id),
            "article_id": feedback.article_id,
            "helpful": feedback.helpful,
            "rating": feedback.rating,
            "comment": feedback.comment,
            "question": feedback.question,
            "created_at": _time(feedback.created_at),
        }

    def _question(self, question: QuestionRow) -> dict[str, Any]:
        return {
            "text": question.text,
            "decision": question.decision,
            "article_id": question.article_id,
            "outcome": question.outcome,
            "ticket": self._key_of(question.ticket_id),
            "created_at": _time(question.created_at),
        }

    def _key_of(self, ticket_id: int | None) -> str | None:
        """The key of the ticket a row is about, if it is about one."""
        return self._key(ticket_id) if ticket_id else None


def _person(user: UserRow) -> dict[str, Any]:
    return {
        "platform": user.platform,
        "platform_id": user.platform_user_id,
        "display_name": user.display_name,
        "locale": user.locale,
        "locale_source": user.locale_source,  # their platform's, their writing's, their choice
        "role": user.role,
        "platform_roles": user.platform_roles.split(),
        "created_at": _time(user.created_at),
        "updated_at": _time(user.updated_at),
    }


def _conversation(conversation: ConversationRow) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "platform": conversation.platform,
        "channel": conversation.channel,
        "thread": conversation.thread or None,
        "state": conversation.state,
        "last_question": conversation.question,
        "created_at": _time(conversation.created_at),
        "updated_at": _time(conversation.updated_at),
    }


def _message(message: MessageRow, user_id: int, keys: Mapping[int, str]) -> dict[str, Any]:
    """A message; the ticket it is on is named only if it is one of the person's own."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "ticket": keys.get(message.ticket_id) if message.ticket_id else None,
        "direction": message.direction,
        "author": _author(message, user_id),
        "text": message.text,
        "created_at": _time(message.created_at),
    }


def _author(message: MessageRow, user_id: int) -> str:
    """Who wrote it, without naming staff: the person, the bot or an agent."""
    if message.user_id == user_id:
        return "you"
    return "bot" if message.user_id is None else "staff"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None

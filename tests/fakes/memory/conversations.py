"""``ConversationStore`` in memory: people, places, inbound messages, what the bot said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.events import Person, Place
from bot.records import Conversation, LocaleSource, Role, User
from tests.fakes.memory.tables import FeedbackRow, MessageRow, Tables, UserRow, without_nul

__all__ = ["MemoryConversations"]


class MemoryConversations:
    tables: Tables

    def save_user(self, person: Person, role: Role, now: datetime) -> User:
        row = self.find_user_row(person.platform, person.id)
        if row is None:
            user_id = self.tables.next_id("users")
            row = UserRow(
                user_id, person.platform, person.id, "", None, "platform", role, frozenset()
            )
            self.tables.users[user_id] = row
        row.role, row.roles = role, frozenset(person.roles)
        if person.name:
            row.name = person.name
        if person.locale and row.locale_source == "platform":
            row.locale = person.locale
        return row.record()

    def set_locale(
        self, user: User, locale: str | None, source: LocaleSource, now: datetime
    ) -> User:
        row = self.tables.users[user.id]
        row.locale, row.locale_source = locale, source
        return row.record()

    def find_user(self, platform: str, platform_id: str) -> User | None:
        row = self.find_user_row(platform, platform_id)
        return row.record() if row else None

    def find_user_row(self, platform: str, platform_id: str) -> UserRow | None:
        rows = self.tables.users.values()
        return next(
            (r for r in rows if (r.platform, r.platform_id) == (platform, platform_id)), None
        )

    def conversation(self, place: Place, now: datetime) -> Conversation:
        """A copy: like a row read from a database, it changes only when saved back."""
        key = Place(place.platform, place.channel, place.thread or None)
        found = next((c for c in self.tables.conversations.values() if c.place == key), None)
        if found is None:
            found = Conversation(
                self.tables.next_id("conversations"), key, "idle", None, None, (), None
            )
            self.tables.conversations[found.id] = found
        return replace(found)

    def save_conversation(self, conversation: Conversation, now: datetime) -> None:
        question = conversation.question
        saved = replace(conversation, question=without_nul(question) if question else question)
        self.tables.conversations[conversation.id] = saved

    def record_inbound(
        self,
        message_id: str,
        text: str,
        user: User,
        conversation: Conversation,
        now: datetime,
        *,
        event_id: str | None = None,
        kind: str = "message",
    ) -> bool:
        platform = conversation.place.platform
        if self._inbound(platform, message_id) is not None:
            return False
        self._add_message(
            platform, conversation.id, text, "in", now, user_id=user.id, message_id=message_id,
            event_id=event_id, kind=kind, handled_at=None,
        )  # fmt: skip
        return True

    def is_inbound_handled(self, platform: str, message_id: str) -> bool:
        row = self._inbound(platform, message_id)
        return row is not None and row.handled_at is not None

    def mark_inbound_handled(
        self, platform: str, message_id: str, ticket_id: int | None, now: datetime
    ) -> None:
        row = self._inbound(platform, message_id)
        if row is not None:
            row.handled_at, row.ticket_id = now, ticket_id

    def recent_inbound(
        self, user_id: int, after: datetime, until: datetime, limit: int
    ) -> Sequence[datetime]:
        messages = [
            m.created_at
            for m in self.tables.messages.values()
            if m.user_id == user_id and m.direction == "in" and after < m.created_at <= until
        ]
        events = [
            event.at
            for event in self.tables.processed.values()
            if event.sender_id == user_id and after < event.at <= until
        ]
        return sorted([*messages, *events], reverse=True)[:limit]

    def record_sender(self, platform: str, event_id: str, user_id: int) -> None:
        event = self.tables.processed.get((platform, event_id))
        if event is not None:
            event.sender_id = user_id

    def record_message(
        self,
        conversation_id: int,
        text: str,
        direction: str,
        now: datetime,
        *,
        user: User | None = None,
        ticket_id: int | None = None,
    ) -> None:
        platform = self.tables.place(conversation_id).platform
        self._add_message(
            platform, conversation_id, text, direction, now, user_id=user.id if user else None,
            ticket_id=ticket_id, handled_at=now,
        )  # fmt: skip

    def add_feedback(
        self,
        *,
        user: User,
        conversation: Conversation,
        kind: str,
        now: datetime,
        article_id: str | None = None,
        ticket_id: int | None = None,
        helpful: bool | None = None,
        rating: int | None = None,
        comment: str | None = None,
        question: str | None = None,
    ) -> None:
        row = FeedbackRow(
            user_id=user.id,
            conversation_id=conversation.id,
            kind=kind,
            created_at=now,
            article_id=article_id,
            ticket_id=ticket_id,
            helpful=helpful,
            rating=rating,
            comment=without_nul(comment) if comment else comment,
            question=without_nul(question) if question else question,
        )
        self.tables.feedback.append(row)

    def _inbound(self, platform: str, message_id: str) -> MessageRow | None:
        return next(
            (
                m
                for m in self.tables.messages.values()
                if (m.platform, m.message_id) == (platform, message_id)
            ),
            None,
        )

    def _add_message(
        self,
        platform: str,
        conversation_id: int,
        text: str,
        direction: str,
        now: datetime,
        *,
        user_id: int | None,
        handled_at: datetime | None,
        message_id: str | None = None,
        ticket_id: int | None = None,
        event_id: str | None = None,
        kind: str | None = None,
    ) -> None:
        message = MessageRow(
            self.tables.next_id("messages"), platform, message_id, conversation_id, user_id,
            ticket_id, direction, event_id, kind, without_nul(text), now, handled_at,
        )  # fmt: skip
        self.tables.messages[message.id] = message

"""What a conversation keeps: the people in it, where it stands, and what they sent.

Part of the storage contract (``bot.store``): ``storage.repository`` implements it on
SQLAlchemy, ``tests.fakes.memory`` in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.events import Person, Place
from bot.records import Conversation, LocaleSource, Role, User

__all__ = ["ConversationStore", "InboundMessages", "RecentMessages"]


class RecentMessages(Protocol):
    def recent_inbound(
        self, user_id: int, after: datetime, until: datetime, limit: int
    ) -> Sequence[datetime]:
        """When what the person sent in (``after``, ``until``] came, newest first."""
        ...


class InboundMessages(Protocol):
    """Inbound messages are stored before they are acted on, and marked once handled."""

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
        """Store an inbound message; False when this platform message id was stored before."""
        ...

    def is_inbound_handled(self, platform: str, message_id: str) -> bool: ...

    def mark_inbound_handled(
        self, platform: str, message_id: str, ticket_id: int | None, now: datetime
    ) -> None: ...


class ConversationStore(InboundMessages, RecentMessages, Protocol):
    def save_user(self, person: Person, role: Role, now: datetime) -> User:
        """Create or update; the person's roles are stored as seen on this event, and so is
        their platform's locale unless a stronger source set their language (:meth:`set_locale`)."""
        ...

    def set_locale(
        self, user: User, locale: str | None, source: LocaleSource, now: datetime
    ) -> User:
        """Write to ``user`` in ``locale`` from now on. One ``written`` (the language of
        their message) or ``chosen`` (``/language``) outlasts what the platform says on
        later events; a ``platform`` one follows it again."""
        ...

    def find_user(self, platform: str, platform_id: str) -> User | None: ...

    def conversation(self, place: Place, now: datetime) -> Conversation:
        """The conversation in ``place``, created on first contact (and, in a database,
        locked until commit, so two events of one place take turns)."""
        ...

    def save_conversation(self, conversation: Conversation, now: datetime) -> None: ...

    def record_sender(self, platform: str, event_id: str, user_id: int) -> None:
        """Who sent this processed event (a button press, a form): not stored as a message,
        it is counted by :meth:`recent_inbound` through this."""
        ...

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
        """Store a message the bot sent or relayed, or an internal note."""
        ...

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
    ) -> None: ...

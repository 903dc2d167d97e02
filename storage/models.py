"""Database tables as typed SQLAlchemy 2 models. Alembic migrations own the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.attempts import Attempt
from storage.attempts import AttemptsJson

__all__ = [
    "AuditLogRow",
    "Base",
    "ConversationRow",
    "FeedbackRow",
    "JobRunRow",
    "LeaseRow",
    "MessageRow",
    "OutboxRow",
    "ProcessedEventRow",
    "QuestionRow",
    "TextWithoutNul",
    "TicketCardRow",
    "TicketEventRow",
    "TicketRow",
    "UTCDateTime",
    "UserRow",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps go in and come out as aware UTC datetimes, also on SQLite (which drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: tier0 stores aware UTC timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        # PostgreSQL answers in the session's TimeZone, which need not be UTC.
        return value.astimezone(UTC)


class TextWithoutNul(TypeDecorator[str]):
    """Free text people wrote; NUL becomes U+FFFD because PostgreSQL rejects it in text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value.replace("\x00", "\ufffd") if value is not None else None


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, on both PostgreSQL and SQLite."""
    return {"postgresql_where": sql_text(condition), "sqlite_where": sql_text(condition)}


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(35))
    # Where locale came from (bot.records.LocaleSource): 'platform' follows the platform's
    # locale on every event; 'written' (the language of their last clear message) and
    # 'chosen' (/language) are not overridden by it.
    locale_source: Mapped[str] = mapped_column(
        String(16), default="platform", server_default="platform"
    )
    role: Mapped[str] = mapped_column(String(16), default="requester")
    # Platform role / user-group ids as last seen on an event, space-separated: lets an
    # agent known only through a role be recognised when someone else names them.
    platform_roles: Mapped[str] = mapped_column(TextWithoutNul, default="", server_default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ConversationRow(Base):
    """One place (channel + optional thread); ``thread`` is '' when there is none."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "channel", "thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str] = mapped_column(String(128), default="")
    # "requester": someone asking for help; "agents": a ticket card's thread where agents work.
    kind: Mapped[str] = mapped_column(String(16), default="requester", server_default="requester")
    state: Mapped[str] = mapped_column(String(16), default="idle")
    question: Mapped[str | None] = mapped_column(TextWithoutNul)
    article_id: Mapped[str | None] = mapped_column(String(200))
    offered: Mapped[str] = mapped_column(TextWithoutNul, default="")
    # A plain id, not a foreign key: tickets also point at conversations, and a cycle of
    # foreign keys would complicate creating and migrating both tables.
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    # Who asked ``question`` (a users.id, plain for the same reason): in a shared thread
    # only they may press the buttons of its answer or offer.
    requester_id: Mapped[int | None] = mapped_column(Integer)
    # The articles tried on ``question`` while it is unsettled (``bot.attempts``).
    attempts: Mapped[tuple[Attempt, ...]] = mapped_column(AttemptsJson, server_default="[]")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_tier", "status", "tier"),
        # (requester, id): a requester's latest tickets without walking everyone's.
        Index("ix_tickets_requester", "requester_id", "id"),
        Index("ix_tickets_sla_next_at", "sla_next_at"),
        # Reports read the tickets opened in a period, not every ticket ever opened.
        Index("ix_tickets_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    tier: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(TextWithoutNul)
    category: Mapped[str | None] = mapped_column(String(100))
    failed_article_id: Mapped[str | None] = mapped_column(String(200))
    # What the bot tried before the ticket was opened (``bot.attempts``).
    attempts: Mapped[tuple[Attempt, ...] | None] = mapped_column(
        AttemptsJson, nullable=False, server_default="[]"
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # SLA clock (bot.records.TicketClock); sla_next_at is what the scheduler's sweep scans.
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]
    sla_paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sla_reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_response_breached_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    sla_next_at: Mapped[datetime | None]

    requester: Mapped[UserRow] = relationship(foreign_keys=[requester_id], lazy="joined")
    assignee: Mapped[UserRow | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    conversation: Mapped[ConversationRow] = relationship(
        foreign_keys=[conversation_id], lazy="joined"
    )


class TicketEventRow(Base):
    """Append-only: rows are inserted and never deleted; only erasing a person's data or
    purging old transcripts (storage.privacy) blanks the ``detail`` people wrote."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(TextWithoutNul, default="")
    created_at: Mapped[datetime]

    actor: Mapped[UserRow | None] = relationship(lazy="joined")


class MessageRow(Base):
    """Every inbound and outbound message; inbound ones are stored before they are handled."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("platform", "platform_message_id"),
        Index("ix_messages_ticket", "ticket_id"),
        # Only messages still waiting to be handled: the replay reads it, whatever the history.
        Index("ix_messages_unhandled", "id", **_where("handled_at IS NULL")),
        # A person's messages of the last minute: the rate limit every worker shares.
        Index("ix_messages_inbound_by_user", "user_id", "created_at", **_where("direction = 'in'")),
        # A platform's inbound messages of the last hours: where Discord's catch-up looks back.
        Index("ix_messages_inbound_recent", "platform", "created_at", **_where("direction = 'in'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    direction: Mapped[str] = mapped_column(String(8))
    # For inbound rows: the event that carried it and whether it was a message or a command,
    # so a message left unhandled by a crash can be handled again as the same event.
    event_id: Mapped[str | None] = mapped_column(String(200))
    event_kind: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(TextWithoutNul)
    created_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    # Times the scheduler's replay took this inbound message up (it gives up after a few).
    replay_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user: Mapped[UserRow | None] = relationship(lazy="joined")


class FeedbackRow(Base):
    """Answer feedback (solved / still need help) and ticket ratings."""

    __tablename__ = "feedback"
    # Reports read the ratings given in a period.
    __table_args__ = (Index("ix_feedback_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    article_id: Mapped[str | None] = mapped_column(String(200), index=True)
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(TextWithoutNul)
    question: Mapped[str | None] = mapped_column(TextWithoutNul)
    created_at: Mapped[datetime]


class ProcessedEventRow(Base):
    """Platform event ids already handled: a redelivered event has no further effect."""

    __tablename__ = "processed_events"
    __table_args__ = (
        UniqueConstraint("platform", "event_id"),
        # A person's button presses and forms of the last minute: the rate limit counts them
        # with the messages and commands they stored (``bot.conversation.limits``).
        Index(
            "ix_processed_events_by_user",
            "user_id",
            "processed_at",
            **_where("user_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime]
    # Who sent it (a users.id, plain: it only counts), for events not stored as messages.
    user_id: Mapped[int | None] = mapped_column(Integer)


class OutboxRow(Base):
    """An action decided by the engine, stored with the change behind it, sent later.

    Rows of one ``lane`` (a conversation) are sent in id order; ``sent_at`` is set once
    the platform accepted it, ``next_attempt_at`` moves back after each failure.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # Both partial: they hold only what is still to send, so claiming stays as cheap
        # after a million sent replies as after ten.
        Index("ix_outbox_unsent", "platform", "id", **_where("sent_at IS NULL")),
        Index("ix_outbox_lane_unsent", "platform", "lane", "id", **_where("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    lane: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(TextWithoutNul)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(TextWithoutNul)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # A worker sending the row holds it until ``claimed_until``; one that dies mid-way
    # lets it go when that passes, and another worker sends it.
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None]


class TicketCardRow(Base):
    """Where a ticket's card was posted for agents, so it can be edited in place."""

    __tablename__ = "ticket_cards"
    __table_args__ = (UniqueConstraint("platform", "channel", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    tier: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str] = mapped_column(String(128))
    thread: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class JobRunRow(Base):
    """A scheduled job that ran for a period (say, the digest of one day): inserted once,
    so several tier0 processes, or a restart, never run it twice for the same period."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class AuditLogRow(Base):
    """Who did what to people's data (export, erase, retention purge): append-only.

    Not ``ticket_events``: these actions concern a person or the whole database, not one
    ticket, and must outlive what they erased. ``subject`` names the person by internal
    user id only, so the log keeps no platform id of someone it recorded erasing.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(TextWithoutNul, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)


class QuestionRow(Base):
    """Each question the bot looked up in the KB, and how it ended: what reports count
    (asked, answered, solved without a person) and what KB gaps cluster.

    ``decision`` is the bot's ("answer", "suggest", "escalate") or "person" when someone
    asked for one; ``article_id`` is the article sent (directly or picked from a list);
    ``outcome`` is set later: "solved", "still_need_help", "none_of_these" or "ticket".
    """

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_created_at", "created_at"),
        Index("ix_questions_conversation", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(TextWithoutNul)
    decision: Mapped[str] = mapped_column(String(16))
    article_id: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


class LeaseRow(Base):
    """A lease on a role only one process may hold at a time (say, leading the scheduler).

    Taken and renewed with conditional updates; a holder that dies simply stops renewing,
    and once ``expires_at`` passes another process takes the lease over.
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]

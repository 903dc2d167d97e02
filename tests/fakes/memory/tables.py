"""The in-memory store's tables: plain rows, copied whole at the start of a transaction so
a failed one leaves them as they were."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.attempts import Attempt
from bot.events import Place
from bot.records import (
    Card,
    Conversation,
    LocaleSource,
    Role,
    Ticket,
    TicketClock,
    TicketStatus,
    User,
)

__all__ = [
    "FeedbackRow",
    "MessageRow",
    "OutboxRow",
    "ProcessedEvent",
    "QuestionRow",
    "Tables",
    "TicketEventRow",
    "TicketRow",
    "UserRow",
    "without_nul",
]


def without_nul(text: str) -> str:
    """As the databases keep free text: NUL becomes U+FFFD (PostgreSQL rejects it)."""
    return text.replace("\x00", "\ufffd")


@dataclass
class UserRow:
    id: int
    platform: str
    platform_id: str
    name: str
    locale: str | None
    locale_source: LocaleSource
    role: Role
    roles: frozenset[str]

    def record(self) -> User:
        return User(
            self.id,
            self.platform,
            self.platform_id,
            self.name,
            self.locale,
            self.role,
            self.roles,
            self.locale_source,
        )

    @property
    def author(self) -> str:
        """How transcripts and histories name this person."""
        return self.name or self.platform_id


@dataclass
class MessageRow:
    id: int
    platform: str
    message_id: str | None
    conversation_id: int
    user_id: int | None
    ticket_id: int | None
    direction: str
    event_id: str | None
    kind: str | None
    text: str
    created_at: datetime
    handled_at: datetime | None
    replay_attempts: int = 0


@dataclass
class ProcessedEvent:
    at: datetime
    sender_id: int | None = None
    """Who sent it, when it was not stored as a message (a button press, a form)."""


@dataclass
class TicketRow:
    id: int
    requester_id: int
    conversation_id: int
    assignee_id: int | None
    status: TicketStatus
    tier: int
    priority: str
    subject: str
    category: str | None
    failed_article_id: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    clock: TicketClock = field(default_factory=TicketClock)
    attempts: tuple[Attempt, ...] | None = ()


@dataclass(frozen=True)
class TicketEventRow:
    ticket_id: int
    actor_id: int | None
    kind: str
    from_status: str | None
    to_status: str | None
    detail: str
    at: datetime


@dataclass(frozen=True)
class FeedbackRow:
    user_id: int
    conversation_id: int
    kind: str
    created_at: datetime
    article_id: str | None
    ticket_id: int | None
    helpful: bool | None
    rating: int | None
    comment: str | None
    question: str | None


@dataclass
class QuestionRow:
    platform: str
    conversation_id: int
    text: str
    decision: str
    article_id: str | None
    created_at: datetime
    outcome: str | None = None
    ticket_id: int | None = None


@dataclass
class OutboxRow:
    id: int
    platform: str
    lane: str
    payload: str
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None


@dataclass
class Tables:
    """Every table, keyed as the database's unique constraints are."""

    key_prefix: str = "T"
    users: dict[int, UserRow] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    messages: dict[int, MessageRow] = field(default_factory=dict)
    processed: dict[tuple[str, str], ProcessedEvent] = field(default_factory=dict)
    """By (platform, event id)."""
    tickets: dict[int, TicketRow] = field(default_factory=dict)
    ticket_events: list[TicketEventRow] = field(default_factory=list)
    cards: list[tuple[int, Card]] = field(default_factory=list)
    feedback: list[FeedbackRow] = field(default_factory=list)
    questions: list[QuestionRow] = field(default_factory=list)
    outbox: dict[int, OutboxRow] = field(default_factory=dict)
    job_runs: set[tuple[str, str]] = field(default_factory=set)
    last_ids: dict[str, int] = field(default_factory=dict)
    """Each table's last id: ids count from 1 per table, as the databases' do."""

    def next_id(self, table: str) -> int:
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]

    def user(self, user_id: int) -> User:
        return self.users[user_id].record()

    def place(self, conversation_id: int) -> Place:
        return self.conversations[conversation_id].place

    def ticket(self, row: TicketRow) -> Ticket:
        return Ticket(
            id=row.id,
            key=f"{self.key_prefix}-{row.id}",
            status=row.status,
            tier=row.tier,
            priority=row.priority,
            subject=row.subject,
            requester=self.user(row.requester_id),
            conversation_id=row.conversation_id,
            place=self.place(row.conversation_id),
            assignee=self.user(row.assignee_id) if row.assignee_id is not None else None,
            category=row.category,
            failed_article_id=row.failed_article_id,
            created_at=row.created_at,
            first_response_at=row.first_response_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            sla=row.clock,
            attempts=row.attempts,
        )

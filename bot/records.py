"""What the engine knows about stored things: users, conversations, tickets.

Storage maps its rows onto these plain objects, so the engine and its tests never touch
an ORM session and a fake store is easy to reason about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.attempts import Attempt
from bot.events import Person, Place

__all__ = [
    "ACTIVE_STATUSES",
    "LIVE_STATUSES",
    "TICKET_STATES",
    "Card",
    "Conversation",
    "ConversationKind",
    "ConversationState",
    "LocaleSource",
    "MessageRecord",
    "Role",
    "StoredDelivery",
    "Ticket",
    "TicketClock",
    "TicketEventRecord",
    "TicketStatus",
    "UnhandledMessage",
    "User",
]

Role = Literal["requester", "agent"]
TicketStatus = Literal["open", "claimed", "waiting_on_user", "resolved", "closed"]
ConversationState = Literal["idle", "answered", "choosing", "sorting", "rating", "commenting"]
ConversationKind = Literal["requester", "agents", "ticket"]
LocaleSource = Literal["platform", "written", "chosen"]
"""Where the language a person is written to in came from, weakest first: their chat app's
locale, the language their last clear message was written in, their own ``/language``."""

TICKET_STATES: frozenset[ConversationState] = frozenset({"rating", "commenting"})
"""Conversation states about its ticket (the others are about its latest question)."""
ACTIVE_STATUSES: frozenset[str] = frozenset({"open", "claimed", "waiting_on_user"})
LIVE_STATUSES: tuple[TicketStatus, ...] = ("open", "claimed", "waiting_on_user", "resolved")
"""Every status but closed, in the order a person reads them (the desk's gauges)."""


@dataclass(frozen=True)
class User:
    """A person as stored; ``locale`` is the language tier0 writes to them in, which
    ``locale_source`` says where it came from (a stronger source is not overridden by a
    weaker one)."""

    id: int
    platform: str
    platform_id: str
    name: str
    locale: str | None
    role: Role
    roles: frozenset[str] = frozenset()
    locale_source: LocaleSource = "platform"

    def as_person(self) -> Person:
        return Person(self.platform, self.platform_id, self.name, self.locale, self.roles)


@dataclass
class Conversation:
    """Where a conversation stands in one place; saved back after each event.

    ``question`` is the last question the bot searched for, ``article_id`` the article it
    answered with, ``offered`` the articles it offered; ``ticket_id`` the ticket this place
    currently belongs to (also while a rating is being asked). An ``agents`` conversation
    is a ticket card's thread, where agents work the ticket (``ticket_id``) together; a
    ``ticket`` one is a thread made for the requester's ticket, where everything said is
    about it. ``sorting``: the bot asked whether ``question`` belongs to the open ticket.
    ``requester_id`` is the user who asked ``question``: in a shared place (a channel
    thread) the answer's and the offer's buttons are theirs alone. ``attempts`` are the
    articles tried on ``question`` while it is unsettled; a ticket opened from it takes them.
    """

    id: int
    place: Place
    state: ConversationState
    question: str | None
    article_id: str | None
    offered: tuple[str, ...]
    ticket_id: int | None
    kind: ConversationKind = "requester"
    requester_id: int | None = None
    attempts: tuple[Attempt, ...] = ()


@dataclass(frozen=True)
class Ticket:
    """``subject`` is the person's question (one line); ``attempts`` what the bot tried on
    it before the ticket was opened (None: not recorded, the ticket is older than that)."""

    id: int
    key: str
    status: TicketStatus
    tier: int
    priority: str
    subject: str
    requester: User
    conversation_id: int
    place: Place
    assignee: User | None
    category: str | None
    failed_article_id: str | None
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla: TicketClock = field(default_factory=lambda: TicketClock())
    attempts: tuple[Attempt, ...] | None = ()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class TicketClock:
    """A ticket's SLA state, kept on the ticket so a restart carries on where it left off.

    Due times count open hours only; ``paused_at`` is set while the ball is in the
    requester's court (or the ticket is resolved) and ``paused_seconds`` is the open time
    paused so far. ``next_at`` is the earliest moment a scheduled job has something to do
    for this ticket (a reminder, a breach, a nudge, closing it): the sweep only looks at
    tickets whose ``next_at`` has passed. The ``*_breached_at``, ``reminders_sent`` and
    ``nudged_at`` marks make each of those happen once.
    """

    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    paused_at: datetime | None = None
    paused_seconds: int = 0
    reminders_sent: int = 0
    first_response_breached_at: datetime | None = None
    resolution_breached_at: datetime | None = None
    waiting_since: datetime | None = None
    nudged_at: datetime | None = None
    next_at: datetime | None = None


@dataclass(frozen=True)
class Card:
    """A ticket card an adapter posted for agents: edit ``message_id``, discuss in ``thread``."""

    platform: str
    tier: int
    channel: str
    message_id: str
    thread: str | None


@dataclass(frozen=True)
class UnhandledMessage:
    """An inbound message stored but never handled (the process died, or handling failed)."""

    platform: str
    message_id: str
    event_id: str
    kind: str
    text: str
    person: Person
    place: Place


@dataclass(frozen=True)
class StoredDelivery:
    """An outbox row as stored: the encoded action and how often sending it failed;
    ``taken_over``: claimed from a worker whose claim ran out while it was sending it."""

    id: int
    lane: str
    payload: str
    attempts: int
    taken_over: bool = False


@dataclass(frozen=True)
class TicketEventRecord:
    """One line of a ticket's append-only history."""

    kind: str
    actor: str | None
    from_status: str | None
    to_status: str | None
    detail: str
    at: datetime


@dataclass(frozen=True)
class MessageRecord:
    """One message of a transcript: ``direction`` is in, out or note (agents only)."""

    direction: str
    author: str | None
    text: str
    at: datetime

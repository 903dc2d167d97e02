"""What the ticket desk keeps: tickets, their history, transcript, SLA clock and cards.

Part of the storage contract (``bot.store``): ``storage.repository`` implements it on
SQLAlchemy, ``tests.fakes.memory`` in memory. Ticket changes are compare-and-set:
``update_ticket`` only applies when the ticket is still in one of the expected states, so
concurrent agents get one winner.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.attempts import Attempt
from bot.records import (
    Card,
    Conversation,
    MessageRecord,
    Ticket,
    TicketClock,
    TicketEventRecord,
    User,
)

__all__ = ["TicketStore"]


class TicketStore(Protocol):
    def open_ticket(
        self,
        *,
        requester: User,
        conversation: Conversation,
        subject: str,
        priority: str,
        tier: int,
        failed_article_id: str | None,
        now: datetime,
        attempts: tuple[Attempt, ...] = (),
    ) -> Ticket:
        """A new open ticket, keeping ``attempts``: what the bot tried before it."""
        ...

    def ticket(self, ticket_id: int) -> Ticket: ...

    def move_ticket(self, ticket: Ticket, conversation: Conversation, now: datetime) -> Ticket:
        """Make ``conversation`` the ticket's own (e.g. a private thread made for it)."""
        ...

    def ticket_by_key(self, key: str) -> Ticket | None: ...

    def update_ticket(
        self, ticket: Ticket, expected_statuses: Collection[str], now: datetime, **changes: Any
    ) -> Ticket | None:
        """Apply ``changes`` if the ticket's status is still one of ``expected_statuses`` and
        its tier is still ``ticket.tier`` (what permissions were checked against).

        Returns the updated ticket, or None when someone else changed it first.
        """
        ...

    def log_ticket_event(
        self,
        ticket: Ticket,
        actor: User | None,
        kind: str,
        now: datetime,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: str = "",
    ) -> None: ...

    def ticket_events(self, ticket_id: int) -> Sequence[TicketEventRecord]: ...

    def transcript(self, ticket_id: int) -> Sequence[MessageRecord]: ...

    def list_tickets(
        self,
        statuses: Collection[str] | None = None,
        limit: int = 50,
        *,
        requester_id: int | None = None,
    ) -> Sequence[Ticket]:
        """Newest first, optionally only some statuses and one requester's."""
        ...

    def set_clock(self, ticket: Ticket, clock: TicketClock, now: datetime) -> Ticket:
        """Store the ticket's SLA clock; call it only on a ticket this transaction changed
        or locked, so the clock cannot overwrite someone else's newer one."""
        ...

    def record_card(self, ticket: Ticket, card: Card, now: datetime) -> None: ...

    def cards(self, ticket_id: int) -> Sequence[Card]:
        """The ticket's cards, oldest first (one per tier it was posted to)."""
        ...

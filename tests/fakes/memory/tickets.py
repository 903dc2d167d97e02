"""``TicketStore`` in memory: compare-and-set changes, history, transcript, clock, cards."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

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
from tests.fakes.memory.tables import Tables, TicketEventRow, TicketRow, without_nul

__all__ = ["MemoryTickets"]

CHANGEABLE = frozenset(
    {
        "subject",
        "status",
        "tier",
        "priority",
        "assignee_id",
        "category",
        "first_response_at",
        "resolved_at",
        "closed_at",
    }
)
MAX_TICKET_ID = 2**31 - 1


class MemoryTickets:
    tables: Tables

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
        row = TicketRow(
            self.tables.next_id("tickets"), requester.id, conversation.id, None, "open", tier,
            priority, without_nul(subject), None, failed_article_id, now, now, attempts=attempts,
        )  # fmt: skip
        self.tables.tickets[row.id] = row
        return self.ticket(row.id)

    def ticket(self, ticket_id: int) -> Ticket:
        return self.tables.ticket(self.tables.tickets[ticket_id])

    def move_ticket(self, ticket: Ticket, conversation: Conversation, now: datetime) -> Ticket:
        row = self.tables.tickets[ticket.id]
        row.conversation_id, row.updated_at = conversation.id, now
        return self.ticket(ticket.id)

    def ticket_by_key(self, key: str) -> Ticket | None:
        prefix, _, number = key.strip().upper().partition("-")
        if prefix != self.tables.key_prefix or not (number.isascii() and number.isdigit()):
            return None
        if len(number) > 10 or int(number) > MAX_TICKET_ID:
            return None
        row = self.tables.tickets.get(int(number))
        return self.tables.ticket(row) if row else None

    def update_ticket(
        self, ticket: Ticket, expected_statuses: Collection[str], now: datetime, **changes: Any
    ) -> Ticket | None:
        unknown = set(changes) - CHANGEABLE
        if unknown:
            raise ValueError(f"not a ticket field: {sorted(unknown)}")
        row = self.tables.tickets[ticket.id]
        if row.status not in expected_statuses or row.tier != ticket.tier:
            return None
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = now
        return self.ticket(ticket.id)

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
    ) -> None:
        actor_id = actor.id if actor else None
        event = TicketEventRow(
            ticket.id, actor_id, kind, from_status, to_status, without_nul(detail), now
        )
        self.tables.ticket_events.append(event)

    def ticket_events(self, ticket_id: int) -> Sequence[TicketEventRecord]:
        users = self.tables.users
        return [
            TicketEventRecord(
                e.kind,
                users[e.actor_id].author if e.actor_id is not None else None,
                e.from_status,
                e.to_status,
                e.detail,
                e.at,
            )
            for e in self.tables.ticket_events
            if e.ticket_id == ticket_id
        ]

    def transcript(self, ticket_id: int) -> Sequence[MessageRecord]:
        users = self.tables.users
        return [
            MessageRecord(
                m.direction,
                users[m.user_id].author if m.user_id is not None else None,
                m.text,
                m.created_at,
            )
            for m in self.tables.messages.values()
            if m.ticket_id == ticket_id
        ]

    def list_tickets(
        self,
        statuses: Collection[str] | None = None,
        limit: int = 50,
        *,
        requester_id: int | None = None,
    ) -> Sequence[Ticket]:
        rows = [
            row
            for row in sorted(self.tables.tickets.values(), key=lambda r: r.id, reverse=True)
            if (statuses is None or row.status in statuses)
            and (requester_id is None or row.requester_id == requester_id)
        ]
        return [self.tables.ticket(row) for row in rows[:limit]]

    def set_clock(self, ticket: Ticket, clock: TicketClock, now: datetime) -> Ticket:
        row = self.tables.tickets[ticket.id]
        row.clock, row.updated_at = replace(clock), now
        return self.ticket(ticket.id)

    def record_card(self, ticket: Ticket, card: Card, now: datetime) -> None:
        self.tables.cards.append((ticket.id, card))

    def cards(self, ticket_id: int) -> Sequence[Card]:
        return [card for owner, card in self.tables.cards if owner == ticket_id]

"""Ticket queries, mixed into ``SqlStore``: keys, compare-and-set changes, history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.attempts import Attempt
from bot.records import Conversation, Ticket, TicketEventRecord, TicketStatus, User
from storage.models import ConversationRow, TicketEventRow, TicketRow
from storage.rows import place_of, user_of
from storage.sla import clock_of

__all__ = ["TicketQueries"]

TICKET_FIELDS = frozenset(
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

# tickets.id is a 32-bit INTEGER; PostgreSQL raises (and aborts the transaction) beyond it.
MAX_TICKET_ID = 2**31 - 1


class TicketQueries:
    session: Session
    key_prefix: str

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
            requester_id=requester.id,
            conversation_id=conversation.id,
            assignee_id=None,
            status="open",
            tier=tier,
            priority=priority,
            subject=subject,
            category=None,
            failed_article_id=failed_article_id,
            attempts=attempts,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return self.ticket(row.id)

    def ticket(self, ticket_id: int) -> Ticket:
        row = self.session.get_one(TicketRow, ticket_id, populate_existing=True)
        return self._ticket(row)

    def move_ticket(self, ticket: Ticket, conversation: Conversation, now: datetime) -> Ticket:
        self.session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket.id)
            .values(conversation_id=conversation.id, updated_at=now)
        )
        return self.ticket(ticket.id)

    def ticket_by_key(self, key: str) -> Ticket | None:
        prefix, _, number = key.strip().upper().partition("-")
        if prefix != self.key_prefix or not (number.isascii() and number.isdigit()):
            return None
        if len(number) > 10 or int(number) > MAX_TICKET_ID:
            return None
        row = self.session.get(TicketRow, int(number))
        return self._ticket(row) if row else None

    def update_ticket(
        self, ticket: Ticket, expected_statuses: Collection[str], now: datetime, **changes: Any
    ) -> Ticket | None:
        unknown = set(changes) - TICKET_FIELDS
        if unknown:
            raise ValueError(f"not a ticket field: {sorted(unknown)}")
        # Lock order: the ticket's conversation, then the ticket, as a requester's message
        # takes them. An agent resolving from the triage thread would otherwise hold the
        # ticket while waiting for the requester's conversation, and deadlock with them.
        self.session.execute(
            select(ConversationRow.id)
            .where(ConversationRow.id == ticket.conversation_id)
            .with_for_update()
        )
        changed = self.session.execute(
            update(TicketRow)
            .where(
                TicketRow.id == ticket.id,
                TicketRow.status.in_(list(expected_statuses)),
                # Permissions were checked against this tier: a ticket escalated meanwhile
                # must be looked at again, not changed by someone no longer allowed to.
                TicketRow.tier == ticket.tier,
            )
            .values(updated_at=now, **changes)
            .returning(TicketRow.id)
            .execution_options(synchronize_session=False)
        ).first()
        if changed is None:
            return None
        return self.ticket(ticket.id)

    def list_tickets(
        self,
        statuses: Collection[str] | None = None,
        limit: int = 50,
        *,
        requester_id: int | None = None,
    ) -> Sequence[Ticket]:
        query = select(TicketRow).order_by(TicketRow.id.desc()).limit(limit)
        if statuses is not None:
            query = query.where(TicketRow.status.in_(list(statuses)))
        if requester_id is not None:
            query = query.where(TicketRow.requester_id == requester_id)
        return [self._ticket(row) for row in self.session.scalars(query).unique()]

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
        self.session.add(
            TicketEventRow(
                ticket_id=ticket.id,
                actor_id=actor.id if actor else None,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                detail=detail,
                created_at=now,
            )
        )
        self.session.flush()

    def ticket_events(self, ticket_id: int) -> Sequence[TicketEventRecord]:
        rows = self.session.scalars(
            select(TicketEventRow)
            .where(TicketEventRow.ticket_id == ticket_id)
            .order_by(TicketEventRow.id)
        ).all()
        return [
            TicketEventRecord(
                kind=row.kind,
                actor=row.actor.display_name or row.actor.platform_user_id if row.actor else None,
                from_status=row.from_status,
                to_status=row.to_status,
                detail=row.detail,
                at=row.created_at,
            )
            for row in rows
        ]

    def _ticket(self, row: TicketRow) -> Ticket:
        return Ticket(
            id=row.id,
            key=f"{self.key_prefix}-{row.id}",
            status=cast(TicketStatus, row.status),
            tier=row.tier,
            priority=row.priority,
            subject=row.subject,
            requester=user_of(row.requester),
            conversation_id=row.conversation_id,
            place=place_of(row.conversation),
            assignee=user_of(row.assignee) if row.assignee else None,
            category=row.category,
            failed_article_id=row.failed_article_id,
            created_at=row.created_at,
            first_response_at=row.first_response_at,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
            sla=clock_of(row),
            attempts=row.attempts,
        )

"""Outbox and ticket-card queries, mixed into ``SqlStore``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from bot.records import Card, StoredDelivery, Ticket
from storage.models import OutboxRow, TicketCardRow

__all__ = ["DeliveryQueries"]


class DeliveryQueries:
    session: Session

    def enqueue(self, platform: str, lane: str, payload: str, now: datetime) -> int:
        row = OutboxRow(
            platform=platform,
            lane=lane,
            payload=payload,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def pending_deliveries(
        self, platform: str, now: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        earlier = aliased(OutboxRow)
        waiting_for_retry = exists().where(
            earlier.platform == OutboxRow.platform,
            earlier.lane == OutboxRow.lane,
            earlier.sent_at.is_(None),
            earlier.id < OutboxRow.id,
            earlier.next_attempt_at > now,
        )
        rows = self.session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.platform == platform,
                OutboxRow.sent_at.is_(None),
                OutboxRow.next_attempt_at <= now,
                ~waiting_for_retry,
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [StoredDelivery(row.id, row.lane, row.payload, row.attempts) for row in rows]

    def mark_delivered(self, delivery_id: int, now: datetime) -> None:
        self.session.execute(
            update(OutboxRow).where(OutboxRow.id == delivery_id).values(sent_at=now)
        )

    def mark_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == delivery_id)
            .values(
                attempts=OutboxRow.attempts + 1,
                last_error=error[:2000],
                next_attempt_at=retry_at,
            )
        )

    def record_card(self, ticket: Ticket, card: Card, now: datetime) -> None:
        self.session.add(
            TicketCardRow(
                ticket_id=ticket.id,
                platform=card.platform,
                tier=card.tier,
                channel=card.channel,
                message_id=card.message_id,
                thread=card.thread,
                created_at=now,
            )
        )
        self.session.flush()

    def cards(self, ticket_id: int) -> Sequence[Card]:
        rows = self.session.scalars(
            select(TicketCardRow)
            .where(TicketCardRow.ticket_id == ticket_id)
            .order_by(TicketCardRow.id)
        )
        return [Card(r.platform, r.tier, r.channel, r.message_id, r.thread) for r in rows]

"""Outbox and ticket-card queries, mixed into ``SqlStore``.

Several workers send from one outbox. A worker claims a lane (a conversation) by its head,
the oldest unsent row, locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's
``BEGIN IMMEDIATE`` admits one writer at a time), and takes the rows queued behind it in
the same transaction: so a lane is sent by one worker at a time, in order. A claim lasts
until ``claimed_until``; a worker that dies holding one only delays its lanes until then.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Exists, Row, exists, select, update
from sqlalchemy.orm import Session, aliased

from bot.records import Card, StoredDelivery, Ticket
from storage.models import OutboxRow, TicketCardRow
from storage.statements import HotStatements

__all__ = ["DeliveryQueries"]


class DeliveryQueries:
    session: Session
    _hot: HotStatements

    def enqueue(self, queued: Sequence[tuple[str, str, str]], now: datetime) -> Sequence[int]:
        rows = [
            {
                "platform": platform,
                "lane": lane,
                "payload": payload,
                "attempts": 0,
                "last_error": None,
                "created_at": now,
                "next_attempt_at": now,
                "sent_at": None,
                "claimed_by": None,
                "claimed_until": None,
            }
            for platform, lane, payload in queued
        ]
        if len(rows) == 1:
            return [int(self.session.execute(self._hot.enqueue, rows[0]).scalar_one())]
        # Several rows: one INSERT on PostgreSQL, ids given in the rows' order.
        return [int(i) for i in self.session.scalars(self._hot.enqueue_many, rows)]

    def pending_deliveries(
        self, platform: str, now: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        waiting_for_retry = _queued_behind(lambda earlier: earlier.next_attempt_at > now)
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

    def claim_deliveries(
        self, platform: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        hot = self._hot
        where = {"b_platform": platform, "b_now": now, "b_limit": limit}
        heads = self.session.execute(hot.claim_heads, where).all()
        if not heads:
            return []
        lanes = sorted({head.lane for head in heads})
        queued = self.session.execute(
            hot.claim_queued, {"b_platform": platform, "b_lanes": lanes}
        ).all()
        taken = _runs_from_heads(queued, {head.id for head in heads}, now)
        self.session.execute(
            hot.claim,
            {"b_ids": [row.id for row in taken], "claimed_by": worker, "claimed_until": until},
        )
        return [
            StoredDelivery(row.id, row.lane, row.payload, row.attempts, row.claimed_by is not None)
            for row in taken
        ]

    def renew_claims(
        self, delivery_ids: Collection[int], worker: str, until: datetime
    ) -> Collection[int]:
        if not delivery_ids:
            return set()
        renewed = self.session.scalars(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(list(delivery_ids)),
                OutboxRow.claimed_by == worker,
                OutboxRow.sent_at.is_(None),
            )
            .values(claimed_until=until)
            .returning(OutboxRow.id)
            .execution_options(synchronize_session=False)
        )
        return set(renewed)

    def release_deliveries(self, delivery_ids: Collection[int], worker: str) -> None:
        if not delivery_ids:
            return
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(delivery_ids)), OutboxRow.claimed_by == worker)
            .values(claimed_by=None, claimed_until=None)
        )

    def mark_delivered(self, delivery_ids: Collection[int], now: datetime) -> None:
        if not delivery_ids:
            return
        self.session.execute(
            self._hot.mark_delivered,
            {
                "b_ids": list(delivery_ids),
                "sent_at": now,
                "claimed_by": None,
                "claimed_until": None,
            },
        )

    def mark_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == delivery_id)
            .values(
                attempts=OutboxRow.attempts + 1,
                last_error=error[:2000],
                next_attempt_at=retry_at,
                claimed_by=None,
                claimed_until=None,
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


def _queued_behind(
    also: Callable[[type[OutboxRow]], ColumnElement[bool]] | None = None,
) -> Exists:
    """An earlier unsent row of the same lane exists (one that is ``also`` ...)."""
    earlier = aliased(OutboxRow)
    conditions = [
        earlier.platform == OutboxRow.platform,
        earlier.lane == OutboxRow.lane,
        earlier.sent_at.is_(None),
        earlier.id < OutboxRow.id,
    ]
    if also is not None:
        conditions.append(also(earlier))
    return exists().where(*conditions)


def _runs_from_heads(
    queued: Sequence[Row[Any]], heads: Collection[int], now: datetime
) -> list[Row[Any]]:
    """Each claimed lane's head and the rows behind it, up to the first that is not free
    to send (claimed elsewhere or waiting for a retry): the lane's order is never skipped."""
    taken: list[Row[Any]] = []
    open_lanes: set[str] = set()
    for row in queued:  # in id order
        if row.id in heads:
            open_lanes.add(row.lane)
        elif row.lane not in open_lanes:
            continue
        elif row.next_attempt_at > now or (
            row.claimed_until is not None and row.claimed_until >= now
        ):
            open_lanes.discard(row.lane)
            continue
        taken.append(row)
    return taken

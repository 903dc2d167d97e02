"""``DeliveryStore`` in memory: processed events, the outbox with its lanes and claims,
and inbound messages left unhandled."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from bot.events import Person
from bot.records import StoredDelivery, UnhandledMessage
from tests.fakes.memory.tables import OutboxRow, ProcessedEvent, Tables, without_nul

__all__ = ["MemoryDelivery"]


class MemoryDelivery:
    tables: Tables

    def is_processed(self, platform: str, event_id: str) -> bool:
        return (platform, event_id) in self.tables.processed

    def mark_processed(self, platform: str, event_id: str, now: datetime) -> bool:
        if (platform, event_id) in self.tables.processed:
            return False
        self.tables.processed[platform, event_id] = ProcessedEvent(now)
        return True

    def enqueue(self, queued: Sequence[tuple[str, str, str]], now: datetime) -> Sequence[int]:
        ids: list[int] = []
        for platform, lane, payload in queued:
            row = OutboxRow(self.tables.next_id("outbox"), platform, lane, payload, now, now)
            self.tables.outbox[row.id] = row
            ids.append(row.id)
        return ids

    def pending_deliveries(
        self, platform: str, now: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        unsent = self._unsent(platform)
        due = [
            row
            for row in unsent
            if row.next_attempt_at <= now
            and not any(
                o.lane == row.lane and o.id < row.id and o.next_attempt_at > now for o in unsent
            )
        ]
        return [StoredDelivery(r.id, r.lane, r.payload, r.attempts) for r in due[:limit]]

    def claim_deliveries(
        self, platform: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        """Each lane from its head (its oldest unsent row, due and free), then the rows
        behind it up to the first that is not free to send."""
        unsent = self._unsent(platform)
        heads = [
            row
            for row in unsent
            if row.next_attempt_at <= now
            and (row.claimed_until is None or row.claimed_until < now)
            and not any(o.lane == row.lane and o.id < row.id for o in unsent)
        ][:limit]
        taken: list[StoredDelivery] = []
        for head in heads:
            for row in (r for r in unsent if r.lane == head.lane):
                free = row.next_attempt_at <= now and (
                    row.claimed_until is None or row.claimed_until < now
                )
                if row is not head and not free:
                    break
                taken.append(
                    StoredDelivery(
                        row.id, row.lane, row.payload, row.attempts, row.claimed_by is not None
                    )
                )
                row.claimed_by, row.claimed_until = worker, until
        return sorted(taken, key=lambda d: d.id)

    def renew_claims(
        self, delivery_ids: Collection[int], worker: str, until: datetime
    ) -> Collection[int]:
        held = [self.tables.outbox[i] for i in delivery_ids if i in self.tables.outbox]
        renewed = {r.id for r in held if r.claimed_by == worker and r.sent_at is None}
        for delivery_id in renewed:
            self.tables.outbox[delivery_id].claimed_until = until
        return renewed

    def release_deliveries(self, delivery_ids: Collection[int], worker: str) -> None:
        for delivery_id in delivery_ids:
            row = self.tables.outbox.get(delivery_id)
            if row is not None and row.claimed_by == worker:
                row.claimed_by, row.claimed_until = None, None

    def mark_delivered(self, delivery_ids: Collection[int], now: datetime) -> None:
        for delivery_id in delivery_ids:
            row = self.tables.outbox.get(delivery_id)
            if row is not None:
                row.sent_at, row.claimed_by, row.claimed_until = now, None, None

    def mark_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None:
        row = self.tables.outbox[delivery_id]
        row.attempts += 1
        row.last_error = without_nul(error[:2000])
        row.next_attempt_at, row.claimed_by, row.claimed_until = retry_at, None, None

    def unhandled_inbound(self, before: datetime, limit: int) -> Sequence[UnhandledMessage]:
        stale = [
            m
            for m in self.tables.messages.values()
            if m.direction == "in"
            and m.handled_at is None
            and m.event_id is not None
            and m.created_at < before
        ]
        return [
            UnhandledMessage(
                platform=m.platform,
                message_id=m.message_id or "",
                event_id=m.event_id or "",
                kind=m.kind or "message",
                text=m.text,
                person=(
                    self.tables.user(m.user_id).as_person()
                    if m.user_id is not None
                    else Person(m.platform, "")
                ),
                place=self.tables.place(m.conversation_id),
            )
            for m in stale[:limit]
        ]

    def count_replay(self, platform: str, message_id: str) -> int:
        attempts = 0
        for m in self.tables.messages.values():
            if (m.platform, m.message_id) == (platform, message_id):
                m.replay_attempts += 1
                attempts = m.replay_attempts
        return attempts

    def _unsent(self, platform: str) -> list[OutboxRow]:
        rows = self.tables.outbox.values()
        return [r for r in rows if r.platform == platform and r.sent_at is None]

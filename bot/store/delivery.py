"""What delivery keeps: processed event ids, the outbox, and inbound messages to replay.

Part of the storage contract (``bot.store``): ``storage.repository`` implements it on
SQLAlchemy, ``tests.fakes.memory`` in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.records import StoredDelivery, UnhandledMessage
from bot.store.conversation import InboundMessages

__all__ = ["DeliveryStore", "OutboxQueue", "OutboxStore", "ProcessedEvents", "ReplayStore"]


class ProcessedEvents(Protocol):
    """Platform event ids already handled, so a redelivered event has no further effect."""

    def is_processed(self, platform: str, event_id: str) -> bool: ...

    def mark_processed(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record the event as handled; False when it already was (a duplicate delivery)."""
        ...


class OutboxQueue(Protocol):
    def enqueue(self, queued: Sequence[tuple[str, str, str]], now: datetime) -> Sequence[int]:
        """Store actions to send, each (platform, lane, payload); their outbox ids, in the
        same order (a lane is sent in id order)."""
        ...


class OutboxStore(OutboxQueue, Protocol):
    def pending_deliveries(
        self, platform: str, now: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        """Unsent actions due by ``now``, oldest first; none queued behind an earlier action
        of its lane that waits for a retry, so a lane is never sent out of order."""
        ...

    def claim_deliveries(
        self, platform: str, worker: str, now: datetime, until: datetime, limit: int
    ) -> Sequence[StoredDelivery]:
        """Claim for ``worker`` until ``until`` due actions no other worker holds, oldest
        first: whole runs of a lane from its oldest unsent action, so each lane is sent by
        one worker at a time, in order. Of N workers claiming at once, one gets each row."""
        ...

    def renew_claims(
        self, delivery_ids: Collection[int], worker: str, until: datetime
    ) -> Collection[int]:
        """Extend ``worker``'s claims on these unsent actions to ``until``; the ids it holds."""
        ...

    def release_deliveries(self, delivery_ids: Collection[int], worker: str) -> None:
        """Give back claims ``worker`` still holds on these actions, unsent."""
        ...

    def mark_delivered(self, delivery_ids: Collection[int], now: datetime) -> None:
        """Record these actions as sent (one statement for a batch the platform took)."""
        ...

    def mark_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None: ...


class ReplayStore(InboundMessages, OutboxQueue, Protocol):
    """Messages stored but never handled (``bot.delivery.replay``)."""

    def unhandled_inbound(self, before: datetime, limit: int) -> Sequence[UnhandledMessage]:
        """Inbound messages stored before ``before`` and never handled, oldest first."""
        ...

    def count_replay(self, platform: str, message_id: str) -> int:
        """One more replay of this inbound message; how many so far."""
        ...


class DeliveryStore(ProcessedEvents, OutboxStore, ReplayStore, Protocol):
    """Everything delivery keeps."""

"""Durable delivery: actions are stored with the event that caused them, sent later.

The engine writes every action into the outbox in the same transaction as the state
change behind it; an adapter sends it and marks it sent. An action that fails (platform
down, rate limited, process killed between send and mark) stays pending and is sent
again, so nothing the bot decided to say is silently dropped.

Any number of workers may send from one outbox: each claims what it sends for a while
(``Outbox.claim``), so an action is sent by one worker, and one that dies leaves its
claims to run out and be taken by another.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from bot import actions
from bot.actions import Action
from bot.delivery.lanes import lane_of_place
from bot.delivery.tagged_json import TaggedJson
from bot.events import Place
from bot.store.delivery import OutboxQueue, OutboxStore
from bot.store.unit_of_work import UnitOfWork

__all__ = [
    "DELIVERY_LEASE",
    "Delivery",
    "Outbox",
    "decode_action",
    "encode_action",
    "enqueue_all",
    "lane_of",
    "next_attempt",
    "place_of",
    "worker_name",
]

_ACTIONS: Final = TaggedJson[Action](
    (
        actions.Reply,
        actions.AnswerArticle,
        actions.OfferArticles,
        actions.PostTicketCard,
        actions.UpdateTicketCard,
        actions.RelayToRequester,
        actions.RelayToAgents,
        actions.AskRating,
        actions.RemindAgents,
        actions.PostDigest,
        actions.Refuse,
    )
)
MAX_BACKOFF = timedelta(minutes=10)
DELIVERY_LEASE = timedelta(seconds=30)
"""How long a claim holds: well above one send, short enough that a dead worker's
replies are only that late."""


@dataclass(frozen=True)
class Delivery:
    """One stored action waiting to be sent; ``attempts`` counts earlier failures.

    ``maybe_sent``: an earlier try may have reached the platform although it was not
    marked sent (it failed, perhaps after the platform took it, or its worker died while
    sending it), so an adapter that can look for the earlier copy should.
    """

    id: int
    action: Action
    attempts: int = 0
    maybe_sent: bool = False


def encode_action(action: Action) -> str:
    return _ACTIONS.encode(action)


def decode_action(payload: str) -> Action:
    return _ACTIONS.decode(payload)


def place_of(action: Action) -> Place:
    """The conversation an action belongs to: ticket actions belong to the requester's.

    A digest belongs to no conversation: it gets a lane of its own per platform and tier.
    """
    if isinstance(action, actions.PostDigest):
        return Place(action.platform, "digest", str(action.tier))
    if isinstance(
        action, actions.Reply | actions.AnswerArticle | actions.OfferArticles | actions.Refuse
    ):
        return action.place
    return action.ticket.place


def lane_of(action: Action) -> str:
    """The lane of ``action`` (see ``bot.delivery.lanes``)."""
    return lane_of_place(place_of(action))


def enqueue_all(store: OutboxQueue, actions: Iterable[Action], now: datetime) -> list[Delivery]:
    """Store ``actions`` in the outbox (in this unit of work), in order, in one statement."""
    decided = list(actions)
    queued = [(place_of(a).platform, lane_of(a), encode_action(a)) for a in decided]
    ids = store.enqueue(queued, now) if queued else []
    return [Delivery(i, a) for i, a in zip(ids, decided, strict=True)]


def retry_delay(failures: int) -> timedelta:
    """Exponential back-off after the n-th failure: 2 s, 4 s, 8 s ... capped at ten minutes."""
    return min(timedelta(seconds=2 ** min(failures, 20)), MAX_BACKOFF)


def next_attempt(now: datetime, earlier_failures: int) -> datetime:
    return now + retry_delay(earlier_failures + 1)


def worker_name() -> str:
    """This process, as claims and leases name it: host and pid, plus a random part so a
    restarted process with a recycled pid is not mistaken for its predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Outbox:
    """What adapters use to send stored actions and report how it went."""

    def __init__(
        self,
        unit_of_work: UnitOfWork[OutboxStore],
        clock: Callable[[], datetime],
        *,
        worker: str | None = None,
        lease: timedelta = DELIVERY_LEASE,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self.worker = worker or worker_name()
        self.lease = lease

    def pending(self, platform: str, limit: int = 100) -> list[Delivery]:
        """Unsent actions for ``platform`` that are due, oldest first (claimed or not)."""
        with self._unit_of_work() as store:
            rows = store.pending_deliveries(platform, self._clock(), limit)
        return [Delivery(row.id, decode_action(row.payload), row.attempts) for row in rows]

    def claim(self, platform: str, limit: int = 100) -> list[Delivery]:
        """Due actions for this worker to send now, oldest first; no other worker gets
        them until they are delivered, failed, released, or the lease runs out."""
        now = self._clock()
        with self._unit_of_work() as store:
            rows = store.claim_deliveries(platform, self.worker, now, now + self.lease, limit)
        return [
            Delivery(
                row.id, decode_action(row.payload), row.attempts, row.attempts > 0 or row.taken_over
            )
            for row in rows
        ]

    def renew(self, deliveries: Collection[Delivery]) -> set[int]:
        """Hold these claims for another lease; returns the ids still this worker's (a
        claim that ran out may have been taken by another worker: not to be sent here)."""
        if not deliveries:
            return set()
        until = self._clock() + self.lease
        with self._unit_of_work() as store:
            return set(store.renew_claims([d.id for d in deliveries], self.worker, until))

    def release(self, deliveries: Collection[Delivery]) -> None:
        """Give back claimed actions this worker will not send now (queued behind a failure)."""
        if not deliveries:
            return
        with self._unit_of_work() as store:
            store.release_deliveries([d.id for d in deliveries], self.worker)

    def delivered(self, delivery_ids: Iterable[int]) -> None:
        ids = list(delivery_ids)
        if not ids:
            return
        with self._unit_of_work() as store:
            store.mark_delivered(ids, self._clock())

    def failed(self, delivery: Delivery, error: str) -> None:
        """Keep the action and try again later, backing off with each failure."""
        with self._unit_of_work() as store:
            store.mark_failed(delivery.id, error, next_attempt(self._clock(), delivery.attempts))

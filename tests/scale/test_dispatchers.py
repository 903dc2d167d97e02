"""Dispatchers of two workers sending from one outbox at the same time, as two ``tier0 run``
processes do: every reply reaches the platform once, each conversation's in order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta

from adapters.delivery import Dispatcher, Send
from bot.clock import utc_now
from bot.delivery.outbox import Delivery, Outbox, lane_of
from storage.db import Database
from tests.scale.conftest import LEASE, enqueue, outboxes, replies
from tests.support.chat import FakeClock

DEADLINE = 30.0


class Platform:
    """Records what each worker sent, in the order the platform received it."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Delivery]] = []
        self._lock = threading.Lock()

    def sender(self, worker: str) -> Send:
        async def send(delivery: Delivery) -> None:
            await asyncio.sleep(0.02)  # a network round trip: the other worker moves on
            with self._lock:
                self.received.append((worker, delivery))

        return send

    def count(self) -> int:
        with self._lock:
            return len(self.received)


def keep_flushing(
    outbox: Outbox, platform: Platform, expected: int, together: threading.Barrier
) -> None:
    """One worker's dispatcher, on its own thread and event loop, until all was sent.

    Both start at once (``together``): a dispatcher sends several lanes side by side, so
    one started a little earlier could send everything before the other begins."""
    dispatcher = Dispatcher(outbox, "slack", platform.sender(outbox.worker), batch=3)
    together.wait(DEADLINE)

    async def run() -> None:
        deadline = time.monotonic() + DEADLINE
        while platform.count() < expected and time.monotonic() < deadline:
            if not await dispatcher.flush():
                await asyncio.sleep(0.005)

    asyncio.run(run())


def test_two_dispatchers_at_once_send_every_reply_once_and_each_thread_in_order(
    database: Database, clock: FakeClock
) -> None:
    queued = enqueue(database, clock, replies(lanes=12, per_lane=5))
    more = replies(lanes=12, per_lane=2)
    platform = Platform()
    together = threading.Barrier(2)
    workers = [
        threading.Thread(
            target=keep_flushing, args=(outbox, platform, len(queued) + len(more), together)
        )
        for outbox in outboxes(database, clock, 2)
    ]
    for worker in workers:
        worker.start()
    queued += enqueue(database, clock, more)  # while both are sending
    for worker in workers:
        worker.join(DEADLINE + 5)

    sent = Counter(delivery.id for _, delivery in platform.received)
    assert sorted(sent) == sorted(queued)
    assert set(sent.values()) == {1}
    by_lane: dict[str, list[int]] = defaultdict(list)
    for _, delivery in platform.received:
        by_lane[lane_of(delivery.action)].append(delivery.id)
    assert all(ids == sorted(ids) for ids in by_lane.values())
    assert {worker for worker, _ in platform.received} == {"worker-0", "worker-1"}


def test_replies_a_dead_worker_claimed_are_sent_by_another_after_its_lease(
    database: Database, clock: FakeClock
) -> None:
    dead, alive = outboxes(database, clock, 2)
    queued = enqueue(database, clock, replies(lanes=3, per_lane=2))
    dead.claim("slack")  # then killed between claiming and sending
    platform = Platform()
    dispatcher = Dispatcher(alive, "slack", platform.sender(alive.worker))

    assert asyncio.run(dispatcher.flush()) == 0
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert asyncio.run(dispatcher.flush()) == len(queued)
    assert sorted(d.id for _, d in platform.received) == queued


def test_a_slow_send_keeps_its_claim_so_another_dispatcher_never_sends_it_too(
    database: Database,
) -> None:
    lease = timedelta(seconds=2)
    slow, fast = (
        Outbox(database.unit_of_work, utc_now, worker=name, lease=lease)
        for name in ("slow", "fast")
    )
    queued = enqueue(database, FakeClock(utc_now()), replies(lanes=1, per_lane=2))
    received: list[tuple[str, int]] = []

    async def slow_send(delivery: Delivery) -> None:
        await asyncio.sleep(2.5)  # each send takes longer than the whole lease
        received.append(("slow", delivery.id))

    async def fast_send(delivery: Delivery) -> None:
        received.append(("fast", delivery.id))

    async def both() -> None:
        slowly = asyncio.create_task(Dispatcher(slow, "slack", slow_send).flush())
        await asyncio.sleep(0.1)  # the slow one has claimed the lane
        fast_dispatcher = Dispatcher(fast, "slack", fast_send)
        while not slowly.done():
            await fast_dispatcher.flush()
            await asyncio.sleep(0.05)

    asyncio.run(both())
    assert [delivery_id for _, delivery_id in received] == queued
    assert received[0] == ("slow", queued[0])

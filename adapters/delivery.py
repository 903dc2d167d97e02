"""Sending what the engine stored in the outbox, in order per conversation, with retries.

Adapters only say how one action is sent (``Send``); this module decides when: right
after an event was handled (``wake``), and on a timer for anything that failed before or
was left behind by a process that died between storing and sending.

Every worker runs a dispatcher; each sends only what it claimed from the outbox, so two
workers never send the same action, and a lane (a conversation) stays in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.delivery.outage_log import OutageLog
from bot.delivery.outbox import Delivery, Outbox, lane_of

__all__ = ["Dispatcher", "Send"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Send = Callable[[Delivery], Awaitable[None]]
"""Sends one action to the platform; raises if the platform did not take it."""


class Dispatcher:
    """Sends one platform's pending deliveries. One dispatcher per platform per process;
    any number of processes."""

    def __init__(
        self,
        outbox: Outbox,
        platform: str,
        send: Send,
        *,
        batch: int = 50,
        lanes_at_once: int = 16,
        per_lane: int = 10,
        outage: Callable[[BaseException], bool] = lambda error: False,
    ) -> None:
        """``per_lane``: deliveries of one lane sent in one flush; the rest wait for the
        next, which also takes lanes stored since. ``outage``: whether an error means the
        database is unreachable (logged sparingly, see ``bot.delivery.outage_log``)."""
        self._outbox = outbox
        self._platform = platform
        self._send = send
        self._batch = batch
        self._per_lane = per_lane
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()
        self._lanes_at_once = asyncio.Semaphore(lanes_at_once)
        # Its own thread: under a backlog of inbound events (which fill the loop's default
        # executor), replies already decided still go out instead of queueing behind them.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"{platform}-outbox")
        self._database_state = OutageLog(log, f"{platform} delivery loop", outage)
        self._marks = _GroupMarks(lambda ids: self._database(self._outbox.delivered, ids))

    async def _database(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call, *args)

    def wake(self) -> None:
        """Something new was stored: send it now rather than at the next tick."""
        self._wake.set()

    async def flush(self) -> int:
        """Send what is due; a failure holds back the rest of its lane until the next try.

        Lanes are independent, so up to ``lanes_at_once`` of them are sent at the same time
        (sent one after another, a flush took a network round trip and a transaction per
        delivery); within a lane, each action waits until the one before it was taken.
        Deliveries sent at about the same time are marked sent in one transaction. A lane
        sends at most ``per_lane`` per flush and the next flush follows at once: a flood's
        long lane would otherwise hold back, until its end, the replies of everyone who
        wrote after the flush began. Returns how many deliveries were sent.
        """
        async with self._flushing:
            claimed = await self._database(self._outbox.claim, self._platform, self._batch)
            lanes: dict[str, list[Delivery]] = {}
            for delivery in claimed:
                lanes.setdefault(lane_of(delivery.action), []).append(delivery)
            if any(len(queued) > self._per_lane for queued in lanes.values()):
                self._wake.set()  # the rest of those lanes go in the next flush, at once
            held: set[str] = set()  # lanes not to send from now: a failure, or a lost claim
            finished: set[int] = set()
            keeping = asyncio.create_task(self._keep_claims(claimed, finished, held))
            try:
                # Every lane runs to its end before claims are given back, even when one
                # raised: a claim released while its lane is still sending could be taken.
                outcomes = await asyncio.gather(
                    *(
                        self._send_lane(lane, queued, held, finished)
                        for lane, queued in lanes.items()
                    ),
                    return_exceptions=True,
                )
            finally:
                keeping.cancel()
                # Queued behind a failure, or left by a stop: free for whichever worker
                # sends the lane next, instead of waiting for the claim to run out.
                left = [d for d in claimed if d.id not in finished]
                await self._database(self._outbox.release, left)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
            return sum(n for n in outcomes if isinstance(n, int))

    async def _send_lane(
        self, lane: str, queued: list[Delivery], held: set[str], finished: set[int]
    ) -> int:
        """One lane's claimed deliveries, in order, until one fails or the claim is lost."""
        sent = 0
        async with self._lanes_at_once:
            for delivery in queued[: self._per_lane]:
                if lane in held:
                    break
                try:
                    await self._send(delivery)
                except Exception as error:
                    held.add(lane)
                    await self._failed(delivery, error)
                else:
                    await self._marks.add(delivery.id)
                    sent += 1
                finished.add(delivery.id)
        return sent

    async def _keep_claims(
        self, claimed: list[Delivery], finished: set[int], held: set[str]
    ) -> None:
        """Renew the claims every third of the lease while sending (a send can be slow:
        rate limits, a busy process); a lane whose claim was lost anyway is not sent."""
        every = self._outbox.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            left = [d for d in claimed if d.id not in finished]
            mine = await self._database(self._outbox.renew, left)
            held.update(lane_of(d.action) for d in left if d.id not in mine)

    async def _failed(self, delivery: Delivery, error: Exception) -> None:
        log.warning(
            "%s delivery %d failed (attempt %d): %r",
            self._platform,
            delivery.id,
            delivery.attempts + 1,
            error,
        )
        await self._database(self._outbox.failed, delivery, repr(error))

    async def run(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Flush whenever woken, and every ``interval`` seconds, until ``stop`` is set."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.flush()
            except Exception as error:
                if not self._database_state.failed(error):
                    log.exception("%s delivery loop failed; retrying", self._platform)
            else:
                self._database_state.succeeded()
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        while await self.flush():
            pass  # lanes longer than per_lane take more than one
        self._thread.shutdown(wait=False)


class _GroupMarks:
    """Marks sent deliveries in as few transactions as possible: while one is written,
    those sent meanwhile wait and go together in the next (a group commit). ``add``
    returns once its delivery is recorded as sent."""

    def __init__(self, write: Callable[[list[int]], Awaitable[None]]) -> None:
        self._write = write
        self._waiting: list[int] = []
        self._writing = asyncio.Lock()

    async def add(self, delivery_id: int) -> None:
        self._waiting.append(delivery_id)
        async with self._writing:
            if delivery_id not in self._waiting:
                return  # written by the caller that held the lock before
            batch, self._waiting = self._waiting, []
            try:
                await self._write(batch)
            except BaseException:
                self._waiting[:0] = [i for i in batch if i != delivery_id]
                raise

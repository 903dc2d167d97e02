"""APScheduler wiring for ``tier0 run``: it only calls the jobs, on time.

The scheduler keeps no state of its own (memory job store): what is due lives in the
database, so a restart, or a second tier0 process on the same database, changes nothing
about what happens or how often. The sweep runs every ``sla.sweep_seconds`` and once at
start-up (catching up on anything that fell due while tier0 was down); the digest runs at
``sla.digest_time`` in each desk's time zone, and at start-up in case that time passed
while tier0 was down.

With several workers on one database, every worker runs a scheduler but only the one
holding the scheduler lease (``Leadership``) runs jobs; the others keep trying, so when
the leader dies another takes over once its lease runs out. The jobs stay safe to run
twice (tickets are locked and marked as they are acted on), so a leader that stalls past
its lease costs only duplicate work, never a duplicate reminder.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.outage_log import OutageLog
from bot.delivery.outbox import Delivery
from bot.jobs.runner import Jobs

__all__ = ["JobScheduler", "Leadership"]

log = logging.getLogger("tier0.scheduler")

DRAIN_SECONDS = 5.0


class Leadership(Protocol):
    """A lease only one process holds at a time (``storage.leases.DatabaseLease``)."""

    ttl: timedelta

    def hold(self) -> bool:
        """Take or renew the lease; False while another process holds it."""
        ...

    def let_go(self) -> None: ...


class JobScheduler:
    """Sweeps and digests for ``platforms``; ``stored`` is called when a job stored actions
    (to wake the adapters' dispatchers), on the event loop. ``replay``, if given, runs with
    every sweep: it handles inbound messages a crash or a failure left unhandled. With a
    ``leadership``, jobs run only while this process holds it. ``retention``, if given,
    runs hourly and at start-up: the transcript purge (``bot.privacy.personal_data``), which decides
    itself whether today's purge is still to do. ``drain``, if given, runs every
    ``drain_seconds`` on every worker, leading or not: it handles the events this process
    kept in its own spool while the database was out, so their writers are answered soon
    after it is back even if nothing else arrives."""

    def __init__(
        self,
        jobs: Jobs,
        platforms: Sequence[str],
        stored: Callable[[], None] = lambda: None,
        replay: Callable[[], list[Delivery]] | None = None,
        leadership: Leadership | None = None,
        retention: Callable[[], object] | None = None,
        outage: Callable[[BaseException], bool] = lambda error: False,
        drain: Callable[[], list[Delivery]] | None = None,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self.jobs = jobs
        self.platforms = list(platforms)
        self._stored = stored
        self._replay = replay
        self._leadership = leadership
        self._retention = retention
        self._drain = drain
        self._drain_seconds = drain_seconds
        self._database = OutageLog(log, "scheduler", outage)
        self._lead_until = 0.0  # monotonic; leading while before it
        self._renew_at = 0.0
        self._leading = asyncio.Lock()
        # Renewing the lease never waits behind a backlog of events in the default executor.
        self._lease_thread = ThreadPoolExecutor(1, thread_name_prefix="scheduler-lease")
        self._scheduler: Any = None
        self._running: set[asyncio.Task[Any]] = set()

    @property
    def leading(self) -> bool:
        return self._leadership is None or time.monotonic() < self._lead_until

    def start(self) -> None:
        """Schedule the jobs on the running event loop; the first runs start right away."""
        settings = self.jobs.settings.sla
        scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        common: dict[str, Any] = {"max_instances": 1, "coalesce": True}
        scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=settings.sweep_seconds, timezone=UTC),
            id="sla-sweep",
            next_run_time=now,
            misfire_grace_time=settings.sweep_seconds,
            **common,
        )
        if settings.digest and self.platforms:
            hour, minute = (int(part) for part in settings.digest_time.split(":"))
            for platform in self.platforms:
                zone = self.jobs.context.policy.desk(platform).calendar.zone
                scheduler.add_job(
                    self.digest,
                    CronTrigger(hour=hour, minute=minute, timezone=zone),
                    args=[platform],
                    id=f"digest-{platform}",
                    next_run_time=now,
                    misfire_grace_time=3600,
                    **common,
                )
        if self._retention is not None:
            scheduler.add_job(
                self.purge,
                IntervalTrigger(hours=1, timezone=UTC),
                id="transcript-retention",
                next_run_time=now,
                misfire_grace_time=3600,
                **common,
            )
        if self._drain is not None:
            scheduler.add_job(
                self.drain,
                IntervalTrigger(seconds=self._drain_seconds, timezone=UTC),
                id="spool-drain",
                **common,
            )
        if self._leadership is not None:
            scheduler.add_job(
                self.keep_lead,
                IntervalTrigger(seconds=self._renew_every(), timezone=UTC),
                id="lead",
                next_run_time=now,
                **common,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info(
            "scheduler started: sweep every %d s, digest %s",
            settings.sweep_seconds,
            f"at {settings.digest_time}" if settings.digest else "off",
        )

    async def stop(self, timeout: float) -> None:
        """Start nothing new, let a sweep or digest that is running finish (for up to
        ``timeout`` s), then shut down.

        APScheduler cancels running coroutine jobs on shutdown; the job's thread would go on
        storing actions that no dispatcher sends before the exit, and an error with a
        traceback would be logged on an ordinary stop.
        """
        if self._scheduler is None:
            return
        self._scheduler.pause()
        running = set(self._running)
        if running:
            await asyncio.wait(running, timeout=timeout)
        self.shutdown()

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._leadership is not None and self._lead_until:
            self._lead_until = 0.0
            try:
                self._leadership.let_go()
            except Exception:
                log.warning("could not hand back the scheduler lease; it runs out by itself")
        self._lease_thread.shutdown(wait=False)

    @contextmanager
    def _job(self) -> Iterator[None]:
        """Mark the running job so ``stop`` waits for it: a job cancelled by APScheduler's
        shutdown (say, while it waits for the lease) would log a traceback on every stop."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._running.discard(task)

    async def keep_lead(self) -> None:
        with self._job():
            await self.lead()

    async def lead(self) -> bool:
        """Take or renew the scheduler lease when due; whether this process leads now."""
        if self._leadership is None:
            return True
        async with self._leading:  # the lead job and a sweep may ask at the same moment
            now = time.monotonic()
            was_leading = self.leading
            if was_leading and now < self._renew_at:
                return True  # renewed recently; followers, though, try every time
            try:
                loop = asyncio.get_running_loop()
                held = await loop.run_in_executor(self._lease_thread, self._leadership.hold)
            except Exception as error:
                if not self._database.failed(error):
                    log.exception("could not renew the scheduler lease; not leading until it is")
                held = False
            else:
                self._database.succeeded()
            self._note(held, was_leading, now, self._leadership.ttl.total_seconds())
        return held

    def _note(self, held: bool, was_leading: bool, now: float, ttl: float) -> None:
        # Trust the lease for less than it lasts, so this process stops before another
        # one may start.
        self._lead_until = now + ttl * 0.8 if held else 0.0
        self._renew_at = now + self._renew_every()
        if held != was_leading:
            log.info("scheduler: %s", "leading" if held else "another worker leads")

    def _renew_every(self) -> float:
        ttl = self._leadership.ttl.total_seconds() if self._leadership else 0.0
        return max(ttl / 3, 0.5)

    async def sweep(self) -> None:
        with self._job():
            if not await self.lead():
                return
            if self._replay is not None:
                await self._run("replay of unhandled messages", self._replay)
            await self._run("sweep", self.jobs.sweep)
            await self._run("KB gaps", lambda: self.jobs.kb_gaps(self.platforms))  # weekly

    async def drain(self) -> None:
        drain = self._drain
        if drain is not None:
            with self._job():
                await self._run("drain of the outage spool", drain)

    async def digest(self, platform: str) -> None:
        with self._job():
            if not await self.lead():
                return
            await self._run(f"digest for {platform}", lambda: self.jobs.digest([platform]))

    async def purge(self) -> None:
        retention = self._retention
        with self._job():
            if retention is None or not await self.lead():
                return

            def purge_old_transcripts() -> list[Delivery]:
                retention()
                return []  # it stores no actions

            await self._run("transcript retention", purge_old_transcripts)

    async def _run(self, name: str, job: Callable[[], list[Delivery]]) -> None:
        try:
            deliveries = await asyncio.to_thread(job)
        except Exception as error:
            if not self._database.failed(error):
                log.exception("%s failed; it runs again at its next time", name)
            return
        if deliveries:
            log.info("%s stored %d action(s)", name, len(deliveries))
            self._stored()

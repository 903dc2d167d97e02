"""APScheduler wiring for ``tier0 run``: it only calls the jobs, on time.

The scheduler keeps no state of its own (memory job store): what is due lives in the
database, so a restart, or a second tier0 process on the same database, changes nothing
about what happens or how often. The sweep runs every ``sla.sweep_seconds`` and once at
start-up (catching up on anything that fell due while tier0 was down); the digest runs at
``sla.digest_time`` in each desk's time zone, and at start-up in case that time passed
while tier0 was down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import Jobs
from bot.outbox import Delivery

__all__ = ["JobScheduler"]

log = logging.getLogger("tier0.scheduler")


class JobScheduler:
    """Sweeps and digests for ``platforms``; ``stored`` is called when a job stored actions
    (to wake the adapters' dispatchers), on the event loop. ``replay``, if given, runs with
    every sweep: it handles inbound messages a crash or a failure left unhandled."""

    def __init__(
        self,
        jobs: Jobs,
        platforms: Sequence[str],
        stored: Callable[[], None] = lambda: None,
        replay: Callable[[], list[Delivery]] | None = None,
    ) -> None:
        self.jobs = jobs
        self.platforms = list(platforms)
        self._stored = stored
        self._replay = replay
        self._scheduler: Any = None
        self._running: set[asyncio.Task[Any]] = set()

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

    async def sweep(self) -> None:
        if self._replay is not None:
            await self._run("replay of unhandled messages", self._replay)
        await self._run("sweep", self.jobs.sweep)

    async def digest(self, platform: str) -> None:
        await self._run(f"digest for {platform}", lambda: self.jobs.digest([platform]))

    async def _run(self, name: str, job: Callable[[], list[Delivery]]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            deliveries = await asyncio.to_thread(job)
        except Exception:
            log.exception("%s failed; it runs again at its next time", name)
            return
        finally:
            if task is not None:
                self._running.discard(task)
        if deliveries:
            log.info("%s stored %d action(s)", name, len(deliveries))
            self._stored()

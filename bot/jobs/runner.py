"""The scheduled jobs' runner: the SLA sweep, the daily digest and the weekly KB gaps.

Each job is a plain function of (store, now, context) that returns actions; ``Jobs`` runs
it in a unit of work and stores the actions in the outbox with the change behind them,
exactly like ``Engine.handle``. Nothing depends on the scheduler remembering anything:
each job derives what is due from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.clock import Clock, utc_now
from bot.delivery.outbox import Delivery, enqueue_all
from bot.jobs.context import JobContext
from bot.jobs.digest import daily_digest
from bot.jobs.sweep import sweep_ticket
from bot.jobs.weekly_gaps import weekly_gaps
from bot.settings import Settings
from bot.store import UnitOfWork

__all__ = ["Jobs"]

log = logging.getLogger(__name__)


class Jobs:
    """Runs the jobs, each in its own units of work, storing their actions in the outbox."""

    def __init__(
        self,
        settings: Settings,
        unit_of_work: UnitOfWork,
        clock: Clock = utc_now,
        *,
        batch: int = 100,
    ) -> None:
        self.settings = settings
        self.context = JobContext.from_settings(settings)
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._batch = batch

    def sweep(self) -> list[Delivery]:
        """Everything due by now, ticket by ticket: one ticket failing holds up no other.

        A failed ticket stays due and is tried again on the next sweep.
        """
        now = self._clock()
        tried: set[int] = set()
        deliveries: list[Delivery] = []
        while True:
            with self._unit_of_work() as store:
                due = store.due_ticket_ids(now, self._batch + len(tried))
            fresh = [ticket_id for ticket_id in due if ticket_id not in tried]
            if not fresh:
                return deliveries
            for ticket_id in fresh:
                tried.add(ticket_id)
                try:
                    with self._unit_of_work() as store:
                        actions = sweep_ticket(store, ticket_id, now, self.context)
                        deliveries.extend(enqueue_all(store, actions, now))
                except Exception:
                    log.exception("SLA sweep of ticket %d failed; retrying next sweep", ticket_id)

    def kb_gaps(self, platforms: Sequence[str]) -> list[Delivery]:
        """This week's KB gaps for each platform with a ``[kb] gaps_channels`` channel, if it
        is time and no one has posted them yet."""
        now = self._clock()
        deliveries: list[Delivery] = []
        for platform in platforms:
            channel = self.settings.kb.gaps_channels.get(platform)
            if not channel:
                continue
            try:
                with self._unit_of_work() as store:
                    actions = weekly_gaps(store, now, self.context, platform, channel)
                    deliveries.extend(enqueue_all(store, actions, now))
            except Exception:
                log.exception("%s KB gaps failed; the other platforms' go ahead", platform)
        return deliveries

    def digest(self, platforms: Sequence[str]) -> list[Delivery]:
        """Today's digest for each platform, if it is time and no one has posted it yet."""
        now = self._clock()
        deliveries: list[Delivery] = []
        for platform in platforms:
            try:
                with self._unit_of_work() as store:
                    actions = daily_digest(store, now, self.context, platform)
                    deliveries.extend(enqueue_all(store, actions, now))
            except Exception:
                log.exception("%s digest failed; the other platforms' go ahead", platform)
        return deliveries

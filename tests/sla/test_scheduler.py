"""The scheduler only calls the jobs: right away at start-up (catching up after downtime),
then on its interval; and tickets from before SLA clocks existed get theirs."""

from __future__ import annotations

import asyncio
import os
import signal

from bot.actions import PostDigest, PostTicketCard
from bot.jobs.runner import Jobs
from bot.records import TicketClock
from bot.settings import Settings
from storage.db import Database
from tests.sla.conftest import Desk
from tests.wiring.test_service import RecordingAdapter
from tier0.scheduler import JobScheduler
from tier0.service import serve


def test_at_start_up_the_scheduler_catches_up_and_wakes_the_dispatchers(
    desk: Desk, database: Database, settings: Settings
) -> None:
    desk.open()
    desk.at("2026-03-03 10:00")  # tier0 was down when T-1 breached and the digest was due
    scheduler = JobScheduler(Jobs(settings, database.unit_of_work, desk.clock), ["console"])

    async def scenario() -> None:
        woken = asyncio.Event()
        scheduler._stored = woken.set
        scheduler.start()
        try:
            await asyncio.wait_for(woken.wait(), timeout=10)
            for _ in range(100):
                kinds = {type(a) for a in desk.outbox()}
                if {PostTicketCard, PostDigest} <= kinds and len(desk.events()) >= 3:
                    break
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())

    assert desk.events().count("escalated") == 1
    assert sum(isinstance(a, PostDigest) for a in desk.outbox()) == 2


def test_tickets_from_before_sla_clocks_get_theirs_on_the_first_sweep(desk: Desk) -> None:
    desk.open()
    with desk.database.unit_of_work() as store:  # what migration 0003 leaves behind
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        store.set_clock(ticket, TicketClock(next_at=ticket.created_at), desk.clock())
    desk.at("2026-03-02 10:00")

    assert desk.sweep().actions == []

    ticket = desk.ticket()
    assert ticket.sla.first_response_due_at is not None
    assert ticket.sla.next_at is not None and ticket.sla.next_at > desk.clock()


def test_tier0_run_sends_what_the_jobs_decided(desk: Desk, settings: Settings) -> None:
    adapter = RecordingAdapter(desk.chat)
    desk.open()
    desk.at("2026-03-02 13:00")
    jobs = Jobs(settings, desk.database.unit_of_work, desk.clock)
    scheduler = JobScheduler(jobs, ["console"], adapter.dispatcher.wake)

    async def scenario() -> None:
        server = asyncio.create_task(serve([adapter], grace_seconds=5, scheduler=scheduler))
        for _ in range(400):  # until both tiers' digests went out (jobs commit one by one)
            if sum(isinstance(d.action, PostDigest) for d in adapter.sent) == 2:
                break
            await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(server, timeout=5)

    asyncio.run(scenario())

    sent = [type(d.action).__name__ for d in adapter.sent]
    assert sent.count("PostTicketCard") == 2  # opened at tier 1, escalated to tier 2
    assert sent.count("PostDigest") == 2
    assert adapter.events == ["started", "stopped"]

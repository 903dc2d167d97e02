"""One scheduler leads at a time among workers on one database, and another takes over
when the leader dies (stops renewing) or stops cleanly (hands the lease back)."""

from __future__ import annotations

import asyncio

from bot.delivery.outbox import Delivery
from bot.jobs.runner import Jobs
from bot.settings import Settings
from storage.db import Database
from storage.leases import DatabaseLease
from tests.scale.conftest import LEASE, race
from tests.support.chat import FakeClock
from tier0.scheduler import JobScheduler

WORKERS = 8


def leases(database: Database, clock: FakeClock, count: int) -> list[DatabaseLease]:
    return [
        DatabaseLease(database.engine, "scheduler", f"worker-{n}", LEASE, clock)
        for n in range(count)
    ]


def test_of_n_workers_taking_the_lease_at_once_exactly_one_leads(
    database: Database, clock: FakeClock
) -> None:
    workers = leases(database, clock, WORKERS)

    assert sorted(race(WORKERS, lambda n: workers[n].hold())) == [False] * (WORKERS - 1) + [True]


def test_the_leader_keeps_leading_while_it_renews_and_loses_it_when_it_stops(
    database: Database, clock: FakeClock
) -> None:
    leader, other = leases(database, clock, 2)
    assert leader.hold()
    for _ in range(5):  # renewing every third of the lease, for longer than one lease
        clock.advance(seconds=LEASE.total_seconds() / 3)
        assert leader.hold()
        assert not other.hold()

    clock.advance(seconds=LEASE.total_seconds() + 1)  # the leader died: no more renewals
    assert other.hold()
    assert not leader.hold()  # come back to life, it is a follower now


def test_a_leader_stopping_cleanly_hands_over_at_once(database: Database, clock: FakeClock) -> None:
    leader, other = leases(database, clock, 2)
    assert leader.hold()
    leader.let_go()

    assert other.hold()


def test_only_the_leading_scheduler_runs_the_jobs(database: Database, clock: FakeClock) -> None:
    replayed: list[str] = []

    def scheduler(lease: DatabaseLease) -> JobScheduler:
        def replay() -> list[Delivery]:
            replayed.append(lease.holder)
            return []

        jobs = Jobs(Settings(), database.unit_of_work, clock)
        return JobScheduler(jobs, [], replay=replay, leadership=lease)

    first, second = (scheduler(lease) for lease in leases(database, clock, 2))

    async def sweep_both() -> None:
        await first.sweep()
        await second.sweep()

    asyncio.run(sweep_both())
    asyncio.run(sweep_both())
    assert replayed == ["worker-0", "worker-0"]
    assert first.leading and not second.leading

    first.shutdown()  # a clean stop hands the lease back
    asyncio.run(second.sweep())
    assert replayed[-1] == "worker-1"

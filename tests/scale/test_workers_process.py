"""``tier0 run --workers 2`` on PostgreSQL behind Slack's HTTP delivery (one port shared by
both workers): every acknowledged event is answered once, also when a worker is killed
with SIGKILL in the middle of a burst (events acknowledged but not stored, stored but not
answered, replies sent but not marked sent), while it is down and after the supervisor
started it again."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bench.load_world import (
    SIGNING_SECRET,
    Outcome,
    SlackTraffic,
    Tier0Workers,
    TimedFakeSlack,
    config_text,
    free_port,
    read_outcome,
)
from bot.settings import SAMPLE_KB
from tests.service.process import clean_environment
from tests.support import databases

QUESTIONS = ["my vpn won't connect", "how do I reset my password", "printer is jammed"]
KILL_AFTER = 0.3
"""Seconds into a burst: its events are acknowledged and being handled and answered."""


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    with databases.fresh_schema_or_skip("tier0_workers") as schema:
        yield databases.process_url(schema)


@pytest.fixture
def slack() -> Iterator[TimedFakeSlack]:
    with TimedFakeSlack() as fake:
        yield fake


def test_two_workers_answer_every_event_once_even_when_one_is_killed(
    slack: TimedFakeSlack, postgresql_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = clean_environment(
        {
            "DATABASE_URL": postgresql_url,
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        }
    )
    tier0 = Tier0Workers(tmp_path, config_text(SAMPLE_KB, port, delivery_lease=3), env, 2)
    try:
        tier0.ready(timeout=90)
        traffic = SlackTraffic(slack, f"http://127.0.0.1:{port}/slack/events")
        outcome = asyncio.run(talk_while_killing_a_worker(traffic, tier0))
        assert (outcome.lost, outcome.duplicated, outcome.unacknowledged) == ([], 0, 0)
        assert len(outcome.replied) == len(traffic.sent)
        assert tier0.stop() == 0
    finally:
        tier0.stop()


async def talk_while_killing_a_worker(traffic: SlackTraffic, tier0: Tier0Workers) -> Outcome:
    people = traffic.add_people(12)
    async with aiohttp.ClientSession() as session:
        await traffic.open_tickets(session, 3)

        async def burst(round_: int) -> None:
            events = [traffic.question(p, QUESTIONS[n % 3]) for n, p in enumerate(people)]
            events += [traffic.follow_up(t) for t in traffic.tickets]
            events += [traffic.agent_reply(t) for t in traffic.tickets[:2]]
            await asyncio.gather(*(traffic.send(session, e, x) for e, x in events))

        await burst(1)
        await answered(traffic)
        killed = tier0.worker_pids()[0]
        sending = asyncio.create_task(burst(2))
        await asyncio.sleep(KILL_AFTER)
        os.kill(killed, signal.SIGKILL)
        await sending  # what the dead worker did not acknowledge, Slack sends again
        await asyncio.to_thread(tier0.wait_for, rf"worker 1 \(pid {killed}\) exited", 1, 30)
        await asyncio.to_thread(tier0.ready_again)
        await burst(3)
    await answered(traffic)
    await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
    return read_outcome(traffic.slack, traffic.sent)


async def answered(traffic: SlackTraffic, timeout: float = 45.0) -> None:
    """Until every event sent so far has its reply (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(read_outcome(traffic.slack, traffic.sent).replied) == len(traffic.sent):
            return
        await asyncio.sleep(0.5)

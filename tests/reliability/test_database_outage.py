"""A database outage loses nothing: events that arrive while PostgreSQL is unreachable are
spooled, their writers told, and handled once, in order, when it answers again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from adapters.delivery import Dispatcher
from bot.actions import Refuse
from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.delivery.spool import EventSpool
from bot.events import MessageReceived
from bot.i18n.messages import say
from bot.jobs.runner import Jobs
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database, upgrade
from storage.spool import SqliteSpool, is_outage
from tests.reliability.unplug import Unpluggable
from tests.support import databases
from tests.support.chat import Chat, FakeClock
from tier0.scheduler import JobScheduler


@pytest.fixture
def network() -> Iterator[Unpluggable]:
    url = make_url(databases.POSTGRES_URL)
    with Unpluggable(url.host or "127.0.0.1", url.port or 5432) as cable:
        yield cable


@pytest.fixture
def database(network: Unpluggable) -> Iterator[Database]:
    """PostgreSQL reached through the unpluggable cable, in a schema of its own."""
    with ExitStack() as cleanup:
        schema = cleanup.enter_context(databases.fresh_schema_or_skip("tier0_outage"))
        url = make_url(databases.POSTGRES_URL).set(host="127.0.0.1", port=network.port)
        engine = create_engine(
            url, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
        )
        upgrade(engine)
        db = Database(engine)
        cleanup.callback(db.close)
        yield db


@pytest.fixture
def chat(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock, spool: SqliteSpool
) -> Chat:
    engine = Engine(
        Settings(), sample_kb, database.unit_of_work, clock, spool=EventSpool(spool, is_outage)
    )
    return Chat(engine, clock)


def transcript(database: Database) -> list[str]:
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        return [m.text for m in store.transcript(ticket.id) if m.direction == "in"]


def test_messages_during_an_outage_are_kept_and_handled_once_in_order_after_it(
    chat: Chat, database: Database, network: Unpluggable, spool: SqliteSpool
) -> None:
    chat.say("talk to a human")
    chat.command("claim T-1", who="alice")  # what the requester writes now is about T-1

    network.unplug()
    during = [chat.say(f"detail {n}") for n in (1, 2, 3)]
    assert [turn.refusal() for turn in during] == [say("spool.kept")] * 3
    assert len(spool) == 3
    network.plug()
    after = chat.say("detail 4")

    assert not after.of(Refuse) and len(spool) == 0
    assert transcript(database) == [
        "talk to a human",
        "detail 1",
        "detail 2",
        "detail 3",
        "detail 4",
    ]


def test_the_scheduled_replay_drains_the_spool_and_a_later_redelivery_changes_nothing(
    chat: Chat, database: Database, network: Unpluggable, spool: SqliteSpool
) -> None:
    chat.say("talk to a human")
    chat.command("claim T-1", who="alice")
    network.unplug()
    late = MessageReceived(chat.person("you"), chat.place("you"), "still broken", "m-late")
    chat.send(late)
    network.plug()

    replayed = chat.engine.replay_unhandled()  # what every scheduler sweep runs
    again = chat.send(late)  # Slack retrying the same event after the outage

    assert replayed and len(spool) == 0 and again.actions == []
    assert transcript(database) == ["talk to a human", "still broken"]


def test_the_delivery_loop_tells_an_outage_once_and_its_end_without_tracebacks(
    chat: Chat, network: Unpluggable, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[Delivery] = []

    async def send(delivery: Delivery) -> None:
        sent.append(delivery)

    async def outage_then_recovery() -> None:
        dispatcher = Dispatcher(chat.engine.outbox, "console", send, outage=is_outage)
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop, interval=0.05))
        network.unplug()
        await asyncio.sleep(1.5)  # about 30 tries
        network.plug()
        await asyncio.to_thread(chat.say, "my vpn won't connect")
        dispatcher.wake()
        for _ in range(200):
            if sent:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await running

    caplog.set_level(logging.WARNING, logger="adapters.delivery")
    asyncio.run(outage_then_recovery())

    told = [r.getMessage() for r in caplog.records if r.name == "adapters.delivery"]
    assert len(told) == 2, told
    assert told[0].startswith("console delivery loop: database unreachable")
    assert told[1].startswith("console delivery loop: database reachable again after")
    assert not any(r.exc_info for r in caplog.records if r.name == "adapters.delivery")
    assert sent  # and the reply decided after it went out


class FollowerLease:
    """Another worker leads: this one never runs the sweeps (nor their replay)."""

    ttl = timedelta(seconds=30)

    def hold(self) -> bool:
        return False

    def let_go(self) -> None:
        pass


def test_a_worker_that_does_not_lead_answers_what_it_kept_once_the_database_is_back(
    chat: Chat, database: Database, network: Unpluggable, spool: SqliteSpool
) -> None:
    """Nothing else arrives after the outage: the worker's own spool is drained anyway."""
    network.unplug()
    assert chat.say("talk to a human").refusal() == say("spool.kept")
    network.plug()
    jobs = Jobs(Settings(), database.unit_of_work, chat.clock)
    scheduler = JobScheduler(
        jobs, [], leadership=FollowerLease(), drain=chat.engine.drain_spool, drain_seconds=0.1
    )

    async def scenario() -> None:
        scheduler.start()
        try:
            for _ in range(200):
                if not len(spool):
                    return
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())

    assert len(spool) == 0
    assert transcript(database) == ["talk to a human"]

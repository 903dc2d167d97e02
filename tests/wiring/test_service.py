"""`tier0 run` in-process: adapters start, SIGTERM stops them gracefully, queues are flushed."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from adapters.delivery import Dispatcher
from bot.actions import PostTicketCard
from bot.delivery.outbox import Delivery
from bot.errors import ConfigError
from bot.events import MessageReceived, Person, Place
from bot.jobs.runner import Jobs
from bot.settings import Settings
from storage.db import Database
from tests.support.chat import Chat
from tier0.app import App
from tier0.scheduler import JobScheduler
from tier0.service import StartupError, build_adapters, serve


class RecordingAdapter:
    """An adapter double: records its life cycle and 'sends' by remembering deliveries."""

    def __init__(self, chat: Chat, platform: str = "console", fail_start: bool = False) -> None:
        self.platform = platform
        self.events: list[str] = []
        self.sent: list[Delivery] = []
        self.fail_start = fail_start
        self.dispatcher = Dispatcher(chat.engine.outbox, platform, self._send)

    async def _send(self, delivery: Delivery) -> None:
        self.sent.append(delivery)

    async def start(self) -> None:
        if self.fail_start:
            raise ConnectionError("invalid_auth")
        self.events.append("started")

    async def stop(self) -> None:
        self.events.append("stopped")


def test_sigterm_stops_adapters_and_sends_what_is_queued(chat: Chat) -> None:
    adapter = RecordingAdapter(chat)

    async def scenario() -> None:
        server = asyncio.create_task(serve([adapter], grace_seconds=5))
        while adapter.events != ["started"]:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(
            chat.engine.handle,
            MessageReceived(Person("console", "you"), Place("console", "main"), "hi", "m1"),
        )
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(server, timeout=5)

    asyncio.run(scenario())

    assert adapter.events == ["started", "stopped"]
    assert [type(d.action).__name__ for d in adapter.sent] == ["Reply"]


def test_an_adapter_that_cannot_start_stops_the_others_and_says_why(chat: Chat) -> None:
    good, bad = RecordingAdapter(chat), RecordingAdapter(chat, "slack", fail_start=True)

    with pytest.raises(StartupError, match="slack could not start: invalid_auth"):
        asyncio.run(serve([good, bad], grace_seconds=5))

    assert good.events == ["started", "stopped"]


def test_nothing_enabled_is_a_configuration_error(chat: Chat) -> None:
    app = App(Settings(), None, chat.engine.answerer.kb, (), chat.engine)  # type: ignore[arg-type]

    with pytest.raises(ConfigError, match="nothing to run"):
        build_adapters(app, {})


def test_the_scheduler_handles_a_message_a_crash_left_unhandled(
    chat: Chat, database: Database, settings: Settings
) -> None:
    """Stored, then the process died before handling it: the next run's sweep answers it."""
    question = "how do I book a meeting room in Lisbon"
    with database.unit_of_work() as store:
        you = store.save_user(Person("console", "you"), "requester", chat.clock.now)
        here = store.conversation(Place("console", "main"), chat.clock.now)
        store.record_inbound("m-lost", question, you, here, chat.clock.now, event_id="evt-lost")
    chat.clock.advance(minutes=1)
    adapter = RecordingAdapter(chat)
    jobs = Jobs(settings, database.unit_of_work, chat.clock)
    scheduler = JobScheduler(
        jobs, ["console"], adapter.dispatcher.wake, chat.engine.replay_unhandled
    )

    async def scenario() -> None:
        server = asyncio.create_task(serve([adapter], 5, scheduler))
        for _ in range(200):
            if any(isinstance(d.action, PostTicketCard) for d in adapter.sent):
                break
            await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(server, timeout=5)

    asyncio.run(scenario())

    cards = [d.action for d in adapter.sent if isinstance(d.action, PostTicketCard)]
    assert [card.ticket.subject for card in cards] == [question]


def test_events_are_handled_on_as_many_engine_threads_as_configured(chat: Chat) -> None:
    """Few threads: they share the interpreter lock with the loop that acknowledges."""
    adapter = RecordingAdapter(chat)
    used: set[str] = set()

    def handle() -> None:  # as an adapter runs the engine: asyncio.to_thread
        used.add(threading.current_thread().name)
        time.sleep(0.05)

    async def scenario() -> None:
        server = asyncio.create_task(serve([adapter], grace_seconds=5, engine_threads=2))
        while adapter.events != ["started"]:
            await asyncio.sleep(0.01)
        await asyncio.gather(*(asyncio.to_thread(handle) for _ in range(8)))
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(server, timeout=5)

    asyncio.run(scenario())

    assert len(used) == 2 and all(name.startswith("tier0-engine") for name in used)

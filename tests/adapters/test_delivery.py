"""The dispatcher sends stored actions in order per conversation and keeps failures for later."""

from __future__ import annotations

import asyncio

from adapters.delivery import Dispatcher
from bot.actions import Reply
from bot.delivery.outbox import Delivery, place_of
from bot.events import MessageReceived, Person, Place
from tests.support.chat import Chat

QUESTION = "how do I book a meeting room in Lisbon"


class FlakyPlatform:
    """Takes deliveries, except for the first ``failures`` attempts to send into ``down``."""

    def __init__(self, down: str = "", failures: int = 0) -> None:
        self.sent: list[Delivery] = []
        self.down = down
        self.failures = failures

    async def send(self, delivery: Delivery) -> None:
        place = delivery.action.place if isinstance(delivery.action, Reply) else None
        if place is not None and place.channel == self.down and self.failures:
            self.failures -= 1
            raise ConnectionError("HTTP 503")
        self.sent.append(delivery)


def ask(chat: Chat, channel: str, text: str, n: int) -> None:
    """Message ``n`` in ``channel``, from the one person who asks there."""
    asker = Person("console", f"asker-in-{channel}")
    chat.engine.handle(MessageReceived(asker, Place("console", channel), text, f"m{n}"))


def test_flush_sends_everything_pending_once_in_order(chat: Chat) -> None:
    ask(chat, "main", QUESTION, 1)
    platform = FlakyPlatform()
    dispatcher = Dispatcher(chat.engine.outbox, "console", platform.send)

    assert asyncio.run(dispatcher.flush()) == 2
    assert asyncio.run(dispatcher.flush()) == 0
    kinds = [type(d.action).__name__ for d in platform.sent]
    assert kinds == ["Reply", "PostTicketCard"]


def test_a_failure_holds_back_its_conversation_but_not_others(chat: Chat) -> None:
    ask(chat, "down", QUESTION, 1)
    ask(chat, "up", QUESTION, 2)
    platform = FlakyPlatform(down="down", failures=1)
    dispatcher = Dispatcher(chat.engine.outbox, "console", platform.send)

    asyncio.run(dispatcher.flush())
    assert [place_of(d.action).channel for d in platform.sent] == ["up", "up"]

    chat.clock.advance(seconds=2)
    asyncio.run(dispatcher.flush())
    assert [place_of(d.action).channel for d in platform.sent[2:]] == ["down", "down"]


def test_what_follows_a_failure_in_its_conversation_waits_for_the_retry(chat: Chat) -> None:
    ask(chat, "down", QUESTION, 1)
    platform = FlakyPlatform(down="down", failures=1)
    dispatcher = Dispatcher(chat.engine.outbox, "console", platform.send)
    asyncio.run(dispatcher.flush())
    ask(chat, "down", "it is urgent", 2)

    asyncio.run(dispatcher.flush())  # before the failed reply is due again
    assert platform.sent == []

    chat.clock.advance(seconds=2)
    asyncio.run(dispatcher.flush())
    kinds = [type(d.action).__name__ for d in platform.sent]
    assert kinds == ["Reply", "PostTicketCard", "Reply"]  # the last asks: about T-1, or new?


def test_the_delivery_loop_sends_when_woken_and_flushes_on_stop(chat: Chat) -> None:
    platform = FlakyPlatform()

    async def scenario() -> None:
        dispatcher = Dispatcher(chat.engine.outbox, "console", platform.send)
        stop = asyncio.Event()
        loop = asyncio.create_task(dispatcher.run(stop, interval=60))
        await asyncio.sleep(0)
        ask(chat, "main", QUESTION, 1)
        dispatcher.wake()
        for _ in range(100):
            if len(platform.sent) == 2:
                break
            await asyncio.sleep(0.01)
        ask(chat, "main", "it is urgent", 2)  # asked whether it is about T-1
        stop.set()
        await asyncio.wait_for(loop, timeout=5)

    asyncio.run(scenario())
    assert len(platform.sent) == 3


def test_a_slow_conversation_does_not_hold_up_the_others(chat: Chat) -> None:
    """Lanes are sent side by side: the first conversation's reply is only taken once the
    second conversation's was (sent one after another, this flush would never end)."""
    ask(chat, "slow", QUESTION, 1)
    ask(chat, "fast", QUESTION, 2)
    sent: list[str] = []

    async def scenario() -> int:
        fast_went_out = asyncio.Event()

        async def send(delivery: Delivery) -> None:
            channel = place_of(delivery.action).channel
            if channel == "slow":
                await fast_went_out.wait()
            else:
                fast_went_out.set()
            sent.append(channel)

        dispatcher = Dispatcher(chat.engine.outbox, "console", send)
        return await asyncio.wait_for(dispatcher.flush(), timeout=10)

    assert asyncio.run(scenario()) == 4
    assert sent[0] == "fast"
    assert sorted(sent) == ["fast", "fast", "slow", "slow"]
    assert asyncio.run(Dispatcher(chat.engine.outbox, "console", FlakyPlatform().send).flush()) == 0


def test_a_long_conversation_does_not_hold_up_one_that_came_after_its_flush_began(
    chat: Chat,
) -> None:
    """A flood's thirty replies in one conversation, being sent when someone else's reply
    is stored: that reply goes out before the flood's last ones, not after all of them."""
    for n in range(30):
        ask(chat, "flood", f"{QUESTION} ({n})", n)
    pending = chat.engine.outbox.claim("console")
    chat.engine.outbox.release(pending)
    flood = len(pending)
    sent: list[str] = []

    async def scenario() -> None:
        stop = asyncio.Event()

        async def send(delivery: Delivery) -> None:
            channel = place_of(delivery.action).channel
            if not sent:  # the flood's first reply is going out: someone else asks
                ask(chat, "other", QUESTION, 100)
                dispatcher.wake()
            sent.append(channel)
            if sent.count("flood") == flood:
                stop.set()

        dispatcher = Dispatcher(chat.engine.outbox, "console", send)
        dispatcher.wake()
        await asyncio.wait_for(dispatcher.run(stop, interval=60), timeout=30)

    asyncio.run(scenario())
    assert flood >= 30
    assert sent.index("other") < len(sent) - 10, sent

"""Bad input gets a clear message and loses nothing; redelivered events have no further effect."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from bot.actions import PostTicketCard, Refuse, Reply
from bot.conversation.engine import Engine
from bot.events import ButtonPressed, CommandIssued, MessageReceived, Person, Place
from bot.settings import Settings
from kb import KnowledgeBase, Match
from storage.db import Database
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import Chat, FakeClock

YOU = Person("console", "you", "You")
ALICE = Person("console", "alice", "Alice")
HERE = Place("console", "main")


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """These dialogues run on the in-memory store."""
    return memory_chat


def inbound_messages(memory: MemoryDatabase) -> list[tuple[str, bool]]:
    rows = memory.tables.messages.values()
    return [(row.text, row.handled_at is not None) for row in rows if row.direction == "in"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "didn't catch a question"),
        ("   \n\t ", "didn't catch a question"),
        ("🔥🔥🔥", "describe the problem in a sentence"),
        ("¿¿¿ !!! ...", "describe the problem in a sentence"),
    ],
)
def test_messages_without_words_get_a_clear_answer_and_are_kept(
    chat: Chat, memory: MemoryDatabase, text: str, expected: str
) -> None:
    bot = chat.say(text)

    assert expected in bot.one(Reply).text
    assert inbound_messages(memory) == [(text, True)]


@pytest.mark.parametrize(
    "text",
    [
        "vpn " * 10_000,
        "\x01\x02\xff\xfe binary \x7f\x1b[31m red",
        "لا أستطيع الاتصال بالشبكة اللاسلكية",
        "my wifi \u202e keeps dropping",
        "zero\x00byte",
    ],
    ids=["40k-chars", "binary-looking", "right-to-left", "bidi-override", "nul"],
)
def test_odd_messages_are_answered_or_handed_over_and_stored(
    chat: Chat, memory: MemoryDatabase, text: str
) -> None:
    bot = chat.say(text)

    assert bot.actions and not bot.of(Refuse)
    stored = inbound_messages(memory)
    kept = text[: Settings().limits.max_message_chars]  # a 40k paste is cut (test_limits.py)
    assert stored == [(kept.replace("\x00", "\ufffd"), True)]


def test_the_same_delivery_twice_has_no_further_effect(chat: Chat, memory: MemoryDatabase) -> None:
    event = MessageReceived(YOU, HERE, "how do I book a meeting room in Lisbon", "slack-1")

    first = chat.send(event)
    again = chat.send(event)

    assert first.of(PostTicketCard) and again.actions == []
    with memory.unit_of_work() as store:
        assert len(store.list_tickets()) == 1
    assert len(inbound_messages(memory)) == 1


def test_a_redelivered_button_press_acts_once(chat: Chat, memory: MemoryDatabase) -> None:
    chat.say("my vpn won't connect")
    solved = chat.history[-1].buttons()[0]

    press = ButtonPressed(YOU, HERE, solved.action, solved.value, event_id="same-click")
    assert chat.send(press).actions
    assert chat.send(press).actions == []


class BrokenKnowledgeBase(KnowledgeBase):
    """Fails like a bug in matching would, until mended."""

    broken = True

    def rank(self, query: str, **_: object) -> list[Match]:  # type: ignore[override]
        if self.broken:
            raise RuntimeError("matching blew up")
        return []


def test_a_message_is_stored_before_handling_and_handled_once_when_redelivered(
    memory: MemoryDatabase, clock: FakeClock
) -> None:
    kb = BrokenKnowledgeBase.build([])
    engine = Engine(Settings(), kb, memory.unit_of_work, clock)
    event = MessageReceived(YOU, HERE, "my printer is on fire", "m-crash")

    failed = engine.handle(event)

    assert "something went wrong" in failed[0].action.reason  # type: ignore[union-attr]
    assert inbound_messages(memory) == [("my printer is on fire", False)]

    BrokenKnowledgeBase.broken = False
    try:
        retried = engine.handle(event)
    finally:
        BrokenKnowledgeBase.broken = True

    assert any(isinstance(d.action, PostTicketCard) for d in retried)
    assert inbound_messages(memory) == [("my printer is on fire", True)]
    assert engine.handle(event) == []


def test_a_failure_before_the_message_is_stored_never_says_it_was_saved(
    clock: FakeClock,
) -> None:
    def failing_unit_of_work() -> Any:
        raise RuntimeError("a bug before anything is stored")

    engine = Engine(Settings(), KnowledgeBase.build([]), failing_unit_of_work, clock)

    (failed,) = engine.handle(MessageReceived(YOU, HERE, "my printer is on fire", "m-lost"))

    assert isinstance(failed.action, Refuse)
    assert "saved" not in failed.action.reason and "try again" in failed.action.reason


def test_events_of_one_conversation_handled_at_once_take_turns(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    """Six people write into one thread at the same moment: one ticket, five follow-ups.
    The database's lock on the conversation's row makes them take turns."""
    engine = Engine(Settings(), sample_kb, database.unit_of_work, clock)
    start = threading.Barrier(6)

    def write(n: int) -> None:
        start.wait()
        engine.handle(
            MessageReceived(Person("console", f"p{n}"), HERE, "the kitchen tap is leaking", f"c{n}")
        )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    with database.unit_of_work() as store:
        assert len(store.list_tickets()) == 1
        assert store.unhandled_inbound(clock() + timedelta(days=1), 10) == []


def test_a_message_left_unhandled_by_a_crash_is_handled_once_after_restart(
    memory: MemoryDatabase, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    kb = BrokenKnowledgeBase.build([])
    crashed = Engine(Settings(), kb, memory.unit_of_work, clock)
    event = MessageReceived(
        YOU, HERE, "how do I book a meeting room in Lisbon", "m-crash", event_id="evt-7"
    )
    command = CommandIssued(ALICE, Place("console", "agent:alice"), "tickets", (), "evt-8")
    crashed.handle(event)
    assert inbound_messages(memory) == [("how do I book a meeting room in Lisbon", False)]

    restarted = Engine(Settings(), sample_kb, memory.unit_of_work, clock)
    assert restarted.replay_unhandled() == []  # too recent: it may still be in flight
    clock.advance(minutes=1)
    replayed = restarted.replay_unhandled()

    assert any(isinstance(d.action, PostTicketCard) for d in replayed)
    assert inbound_messages(memory) == [("how do I book a meeting room in Lisbon", True)]
    assert restarted.replay_unhandled() == []
    assert restarted.handle(event) == []  # the platform's own redelivery changes nothing
    assert restarted.handle(command)  # commands are stored and handled like messages

"""A lone surrogate (JSON ``"\\ud800"`` from Slack or Discord) is text no database can
hold: the message is stored with U+FFFD in its place and handled like any other."""

from __future__ import annotations

from bot.actions import Refuse
from bot.events import MessageReceived, Person, Place
from storage.db import Database
from tests.support.chat import PLATFORM, Chat

PLACE = Place(PLATFORM, "general", "1700000000.000200")


def test_a_message_with_a_lone_surrogate_is_stored_replaced_and_handled(
    chat: Chat, database: Database
) -> None:
    writer = Person(PLATFORM, "dana", "Dana \udc00")

    text = "talk to a human, my screen shows \ud800"
    bot = chat.send(MessageReceived(writer, PLACE, text, "m-1"))

    assert not bot.of(Refuse), bot.actions
    assert bot.card().ticket.subject == "my screen shows \ufffd"
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None and ticket.requester.name == "Dana \ufffd"
        inbound = [m.text for m in store.transcript(ticket.id) if m.direction == "in"]
    assert inbound == ["talk to a human, my screen shows \ufffd"]


def test_a_surrogate_pair_written_as_two_code_points_becomes_its_character(chat: Chat) -> None:
    writer = Person(PLATFORM, "carl")

    text = "talk to a human, my screen shows \ud83d\ude00"
    bot = chat.send(MessageReceived(writer, PLACE, text, "m-2"))

    assert bot.card().ticket.subject == "my screen shows \U0001f600"

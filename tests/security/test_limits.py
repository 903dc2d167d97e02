"""Floods and huge pastes: cut or slowed down politely, and never lost.

Limits here: 100 characters a message, 3 messages a minute per person.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.actions import RelayToAgents, RelayToRequester
from bot.settings import LimitSettings, Settings
from storage.db import Database
from storage.models import MessageRow
from tests.support.chat import Chat

VPN_QUESTION = "my vpn won't connect"
PASTE = "my laptop shows this error: " + "0xDEADBEEF " * 50


@pytest.fixture
def settings() -> Settings:
    return Settings(limits=LimitSettings(max_message_chars=100, messages_per_minute=3))


def stored(database: Database) -> list[tuple[str, int | None]]:
    """What people wrote, as stored: text and ticket."""
    with database.session() as session:
        rows = session.scalars(
            select(MessageRow).where(MessageRow.direction == "in").order_by(MessageRow.id)
        )
        return [(row.text, row.ticket_id) for row in rows]


def test_a_huge_paste_is_cut_and_the_writer_told_where(chat: Chat, database: Database) -> None:
    bot = chat.say(PASTE)

    assert bot.texts()[0] == (
        f"Your message was {len(PASTE)} characters long, more than I can take; "
        "I kept the first 100."
    )
    assert len(bot.texts()) > 1  # and the first 100 characters are answered as usual
    assert [text for text, _ in stored(database)] == [PASTE[:100]]


def test_a_long_command_is_cut_too(chat: Chat, database: Database) -> None:
    chat.say("how do I book a meeting room in Lisbon")

    bot = chat.command(f"reply T-1 '{PASTE}'", who="alice")

    assert bot.one(RelayToRequester).text == PASTE[: 100 - len("T-1")]


def test_past_the_rate_the_writer_hears_once_when_the_bot_listens_again(chat: Chat) -> None:
    answered = [chat.say(f"question number {n} about the vpn") for n in range(3)]
    chat.clock.advance(seconds=20)

    slowed = chat.say("and another question")
    silent = chat.say("and yet another")

    assert all(turn.actions for turn in answered)
    assert slowed.texts() == [
        "You are writing faster than I can follow. I have kept your messages; "
        "I will answer again in 40 seconds."
    ]
    assert silent.actions == []
    chat.clock.advance(seconds=41)
    assert chat.say("is the vpn down?").actions


def test_messages_past_the_rate_still_join_the_requesters_ticket(
    chat: Chat, database: Database
) -> None:
    chat.say("talk to a human")
    chat.command("claim T-1", who="alice")  # what the requester writes now is about T-1
    follow_ups = [chat.say(f"detail {n}") for n in range(4)]

    assert [bool(turn.of(RelayToAgents)) for turn in follow_ups] == [True, True, False, False]
    assert [ticket for text, ticket in stored(database) if text.startswith("detail")] == [1] * 4


def test_agents_are_never_slowed_down(chat: Chat) -> None:
    chat.say("how do I book a meeting room in Lisbon")

    turns = [chat.command("tickets", who="alice") for _ in range(3)]
    turns += [chat.say(f"note to self {n}", who="alice") for n in range(5)]

    assert all(turn.actions for turn in turns)


IGNORED = "You are sending me more than I can follow, so I did not act on that."


def test_a_flood_of_commands_gets_the_limit_answered_and_one_slow_down(chat: Chat) -> None:
    turns = [chat.command("status") for _ in range(600)]

    assert all(turn.actions for turn in turns[:3])
    assert turns[3].refusal() == f"{IGNORED} I will listen again in 60 seconds."
    assert [turn for turn in turns[4:] if turn.actions] == []
    assert chat.say("is the vpn down?", who="carol").actions  # someone else is answered


def test_commands_and_messages_share_one_rate(chat: Chat) -> None:
    chat.say("how do I book a meeting room in Lisbon")
    chat.command("status")
    chat.say("and the printer?")

    assert chat.command("help").refusal().startswith(IGNORED)
    assert chat.say("anyone?").actions == []  # told once a window, whatever came first


def test_a_press_past_the_rate_changes_nothing_and_is_refused_once(
    chat: Chat, database: Database
) -> None:
    chat.say(VPN_QUESTION)
    buttons = chat.history[-1].buttons()
    chat.command("status")
    chat.command("status")

    pressed = chat.press("Still need help", among=buttons)
    again = chat.press("Still need help", among=buttons)

    assert pressed.refusal() == f"{IGNORED} I will listen again in 60 seconds."
    assert again.actions == []
    assert chat.engine.ticket("T-1") is None  # no ticket opened
    chat.clock.advance(seconds=61)
    assert chat.press("Still need help", among=buttons).card()


def test_a_flood_of_presses_gets_the_limit_answered_and_one_slow_down(chat: Chat) -> None:
    chat.say(VPN_QUESTION)
    buttons = chat.history[-1].buttons()

    turns = [chat.press("Solved", among=buttons) for _ in range(600)]

    assert all(turn.actions for turn in turns[:2])
    assert turns[2].refusal().startswith(IGNORED)
    assert [turn for turn in turns[3:] if turn.actions] == []
    assert chat.say("is the vpn down?", who="carol").actions

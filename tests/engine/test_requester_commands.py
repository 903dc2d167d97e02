"""Requesters who skip the bot, look up their tickets, and the limits against ticket spam."""

from __future__ import annotations

import pytest

from bot.actions import PostTicketCard, Reply
from tests.support.chat import Chat


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """These dialogues run on the in-memory store."""
    return memory_chat


def test_new_opens_a_ticket_directly_without_searching(chat: Chat) -> None:
    bot = chat.command('new "my vpn won\'t connect since this morning"')

    assert bot.card().ticket.subject == "my vpn won't connect since this morning"


def test_new_without_a_description_explains_itself(chat: Chat) -> None:
    assert "Usage: /new DESCRIPTION" in chat.command("new").refusal()


def test_mytickets_lists_only_the_requesters_own_tickets(chat: Chat) -> None:
    chat.command("new printer jammed")
    chat.clock.advance(minutes=5)
    chat.command("new 'monitor flickers'", who="carol")

    listing = chat.command("mytickets").one(Reply).text

    assert "T-1" in listing and "printer jammed" in listing
    assert "T-2" not in listing


def test_status_shows_ones_own_ticket_but_not_someone_elses(chat: Chat) -> None:
    chat.command("new printer jammed", who="carol")

    assert "There is no ticket T-1" in chat.command("status T-1").refusal()
    assert "T-1: open" in chat.command("status T-1", who="carol").one(Reply).text
    assert "T-1: open" in chat.command("status T-1", who="alice").one(Reply).text


def test_a_second_ticket_moments_after_the_first_is_held_back(chat: Chat) -> None:
    chat.command("new printer jammed")

    bot = chat.command("new 'and the scanner too'")

    assert "You opened ticket T-1 a moment ago" in bot.one(Reply).text
    assert not bot.of(PostTicketCard)
    chat.clock.advance(seconds=61)
    assert chat.command("new 'and the scanner too'").card().ticket.key == "T-2"


def test_nobody_gets_more_open_tickets_than_the_limit(chat: Chat) -> None:
    for n in range(3):
        chat.command(f"new 'problem number {n}'")
        chat.clock.advance(minutes=2)

    bot = chat.command("new 'problem number 4'")

    assert "You already have 3 open tickets (T-3, T-2, T-1)" in bot.one(Reply).text
    assert not bot.of(PostTicketCard)

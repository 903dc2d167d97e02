"""No requester hears another requester's conversation.

Ann (T-1) and Cat (T-2) report the same VPN problem; alice (Service desk) answers Ann with
Ann's own details and links Cat's ticket to Ann's. What reaches Cat is only what was written
for sharing: the summary the agent gives when resolving T-1, or else a sentence with no
word of T-1's conversation in it.
"""

from __future__ import annotations

import pytest

from bot.actions import AskRating, RelayToRequester, RemindAgents
from bot.i18n.messages import say
from bot.settings import Settings, TicketSettings
from storage.db import Database
from tests.support.chat import BotTurn, Chat

PRIVATE = "Ann, I reset your password to Temp#4417 and your home address is fixed"


@pytest.fixture
def settings() -> Settings:
    return Settings(tickets=TicketSettings(duplicate_hints=True))


def ann_answered_and_cat_linked(chat: Chat) -> None:
    chat.command("new the vpn drops every hour", "ann")
    chat.command("new vpn keeps dropping every hour", "cat")
    chat.command(f"reply T-1 '{PRIVATE}'", "alice")
    chat.command("link T-2 T-1", "alice")


def told_cat(chat: Chat, bot: BotTurn) -> list[str]:
    """What appeared in Cat's conversation during ``bot``."""
    return [
        action.text
        for action in bot.shown_in(chat.place("cat"))
        if isinstance(action, RelayToRequester | AskRating)
    ]


def cat_transcript(database: Database) -> str:
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-2")
        assert ticket is not None
        said = [m.text for m in store.transcript(ticket.id)]
        said += [e.detail for e in store.ticket_events(ticket.id)]
        return "\n".join(said)


def test_resolving_without_a_summary_tells_linked_requesters_nothing_of_the_parent_s_conversation(
    chat: Chat, database: Database
) -> None:
    ann_answered_and_cat_linked(chat)

    resolved = chat.command("resolve T-1", "alice")

    assert "Temp#4417" not in "\n".join(told_cat(chat, resolved))
    assert "Temp#4417" not in cat_transcript(database)
    assert told_cat(chat, resolved)[0] == say("duplicates.resolved_generic", "en", parent="T-1")


def test_resolving_with_a_summary_tells_linked_requesters_the_summary_only(
    chat: Chat, database: Database
) -> None:
    ann_answered_and_cat_linked(chat)

    resolved = chat.command("resolve T-1 'update the VPN client to 5.2'", "alice")

    assert told_cat(chat, resolved)[0] == (
        "T-1, the same problem as yours, is resolved: update the VPN client to 5.2"
    )
    assert "Temp#4417" not in cat_transcript(database)


def test_a_duplicate_s_requester_hears_in_their_own_language_without_the_parent_s_words(
    chat: Chat,
) -> None:
    chat.command("new the vpn drops every hour", "ann")
    chat.command("language pt-BR", "cat")
    chat.command("new vpn keeps dropping every hour", "cat")
    chat.command(f"reply T-1 '{PRIVATE}'", "alice")
    chat.command("link T-2 T-1", "alice")

    resolved = chat.command("resolve T-1", "alice")

    assert told_cat(chat, resolved)[0] == say("duplicates.resolved_generic", "pt-BR", parent="T-1")


def test_the_duplicate_hint_names_only_tickets_the_new_ticket_s_agents_may_see(chat: Chat) -> None:
    chat.command("new the vpn drops every hour", "ann")
    chat.command("escalate T-1 'needs the network team'", "alice")
    chat.command("new the vpn drops every single hour", "ben")

    third = chat.command("new vpn keeps dropping every hour", "cat")

    hint = third.one(RemindAgents)
    assert hint.ticket.tier == 1
    assert "T-2" in hint.text and "T-1" not in hint.text

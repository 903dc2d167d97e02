"""Duplicate tickets: spotted when opened, linked by an agent, answered with their parent."""

from __future__ import annotations

import pytest

from bot.actions import AskRating, RelayToRequester, RemindAgents, Reply, UpdateTicketCard
from bot.conversation.engine import Engine
from bot.events import CommandIssued, Person, Place
from bot.settings import Settings, TicketSettings
from kb import KnowledgeBase
from storage.db import Database
from tests.support.chat import BotTurn, Chat, FakeClock


@pytest.fixture
def settings() -> Settings:
    return Settings(tickets=TicketSettings(duplicate_hints=True))


def open_ticket(chat: Chat, who: str, text: str) -> BotTurn:
    return chat.command(f"new {text}", who)


def status(database: Database, key: str) -> str:
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key(key)
        assert ticket is not None
        return ticket.status


def test_a_new_ticket_like_an_open_one_is_pointed_out_to_the_agents(chat: Chat) -> None:
    assert not open_ticket(chat, "ann", "the vpn drops every hour").of(RemindAgents)
    open_ticket(chat, "ben", "printer on floor 2 jammed")

    second = open_ticket(chat, "cat", "vpn keeps dropping every hour")

    hint = second.one(RemindAgents)
    assert hint.ticket.key == "T-3" and hint.kind == "reminder"
    assert hint.text == (
        "Looks like T-1 (1 similar open ticket(s): T-1). Same problem? /link T-3 T-1"
    )


def test_the_hint_spells_the_command_as_agents_type_it_on_the_platform(chat: Chat) -> None:
    def new_on_slack(who: str, text: str) -> list[RemindAgents]:
        requester, dm = Person("slack", who, who), Place("slack", f"D{who}")
        command = CommandIssued(requester, dm, "new", tuple(text.split()), f"e{who}")
        handled = [d.action for d in chat.engine.handle(command)]
        return [action for action in handled if isinstance(action, RemindAgents)]

    new_on_slack("U1", "the vpn drops every hour")
    (hint,) = new_on_slack("U2", "vpn keeps dropping every hour")

    assert hint.text.endswith("Same problem? /tier0 link T-2 T-1")


def test_no_hints_unless_configured(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    chat = Chat(Engine(Settings(), sample_kb, database.unit_of_work, clock), clock)
    open_ticket(chat, "ann", "the vpn drops every hour")

    assert not open_ticket(chat, "cat", "vpn keeps dropping every hour").of(RemindAgents)


def test_resolved_tickets_and_other_platforms_are_not_duplicates(chat: Chat) -> None:
    open_ticket(chat, "ann", "the vpn drops every hour")
    chat.command("resolve T-1 fixed", "alice")
    customer = Person("discord", "42", "zed")
    chat.engine.handle(
        CommandIssued(customer, Place("discord", "c"), "new", ("vpn", "drops", "hourly"), "d1")
    )

    again = open_ticket(chat, "cat", "vpn keeps dropping every hour")

    assert not again.of(RemindAgents)


def test_resolving_the_parent_answers_every_linked_requester(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat, "ann", "the vpn drops every hour")
    open_ticket(chat, "cat", "vpn keeps dropping every hour")

    linked = chat.command("link T-2 T-1", "alice")

    assert "T-2 is linked to T-1" in linked.text()
    told = [a for a in linked.shown_in(chat.place("cat")) if isinstance(a, Reply)]
    assert told[0].text.startswith("Your ticket T-2 is the same problem as T-1")
    assert linked.one(UpdateTicketCard).change == "duplicate of T-1"

    resolved = chat.command("resolve T-1 restart the VPN client after the update", "alice")

    relayed = [a for a in resolved.of(RelayToRequester) if a.ticket.key == "T-2"]
    assert [r.text for r in relayed] == [
        "T-1, the same problem as yours, is resolved: restart the VPN client after the update"
    ]
    assert sorted(a.ticket.key for a in resolved.of(AskRating)) == ["T-1", "T-2"]
    assert (status(database, "T-1"), status(database, "T-2")) == ("resolved", "resolved")


def test_links_stay_one_level_deep_and_need_agents(chat: Chat, database: Database) -> None:
    for who, text in (("ann", "vpn drops"), ("ben", "vpn drops a lot"), ("cat", "vpn drops!")):
        open_ticket(chat, who, text)
    chat.command("link T-2 T-1", "alice")

    assert "T-1 is itself" not in chat.command("link T-3 T-1", "alice").text()
    assert chat.command("link T-1 T-1", "alice").refusal() == "T-1 can't be a duplicate of itself."
    assert chat.command("link T-3 T-2", "alice").refusal() == (
        "T-2 is itself a duplicate of T-1: link to T-1 instead."
    )
    open_ticket(chat, "dan", "the printer on floor 2 jammed")
    assert chat.command("link T-1 T-4", "alice").refusal() == (
        "Other tickets are linked to T-1, so it can't become a duplicate itself."
    )
    assert chat.command("link T-3 T-4", "alice").refusal() == ("T-3 is already a duplicate of T-1.")
    assert "agent" in chat.command("link T-3 T-1", "ann").refusal().lower()
    assert status(database, "T-3") == "open"


def test_a_resolved_ticket_is_neither_linked_nor_linked_to(chat: Chat, database: Database) -> None:
    for who, text in (("ann", "vpn drops"), ("ben", "vpn drops a lot"), ("cat", "vpn drops!")):
        open_ticket(chat, who, text)
    chat.command("resolve T-1 restarted the client", "alice")

    assert chat.command("link T-1 T-2", "alice").refusal() == (
        "T-1 is resolved; it can't be linked now."
    )
    assert chat.command("link T-3 T-1", "alice").refusal() == (
        "T-1 is resolved; it can't be linked to now."
    )
    assert (status(database, "T-2"), status(database, "T-3")) == ("open", "open")

"""Tickets from the agents' side: claim, reply, note, escalate, priority, resolve, rate, reopen.

Console people: "you" is the requester; alice is a Service desk (tier 1) agent and bob a
Specialists (tier 2) agent, as in the default configuration.
"""

from __future__ import annotations

from bot.actions import (
    AskRating,
    PostTicketCard,
    RelayToAgents,
    RelayToRequester,
    UpdateTicketCard,
)
from bot.events import ButtonPressed, MessageReceived, Person
from storage.db import Database
from tests.support.chat import Chat

QUESTION = "how do I book a meeting room in Lisbon"


def stored(database: Database, key: str = "T-1"):  # type: ignore[no-untyped-def]
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key(key)
        assert ticket is not None
        return ticket, list(store.ticket_events(ticket.id)), list(store.transcript(ticket.id))


def open_ticket(chat: Chat) -> None:
    chat.say(QUESTION)


def test_an_agent_claims_a_ticket_and_the_requester_hears_who_took_it(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)

    bot = chat.command("claim T-1", who="alice")

    assert bot.update().ticket.status == "claimed"
    assert bot.update().ticket.assignee is not None
    requester_notices = bot.shown_in(chat.place("you"))
    assert any("Alice" in a.text for a in requester_notices)  # type: ignore[union-attr]
    ticket, events, _ = stored(database)
    assert ticket.status == "claimed" and ticket.assignee and ticket.assignee.platform_id == "alice"
    assert [(e.kind, e.from_status, e.to_status) for e in events][-1] == (
        "claimed",
        "open",
        "claimed",
    )


def test_a_second_claim_is_refused_politely_and_changes_nothing(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")

    bot = chat.command("claim T-1", who="bob")

    assert "already claimed by Alice" in bot.refusal()
    ticket, _, _ = stored(database)
    assert ticket.assignee and ticket.assignee.platform_id == "alice"


def test_requesters_cannot_act_on_tickets(chat: Chat, database: Database) -> None:
    open_ticket(chat)

    for command in ("claim T-1", "resolve T-1", "note T-1 hi", "escalate T-1 why"):
        assert "Only support agents" in chat.command(command).refusal()
    ticket, events, _ = stored(database)
    assert ticket.status == "open" and [e.kind for e in events] == ["opened"]


def test_only_agents_of_the_tickets_tier_or_above_may_claim_it(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")
    escalated = chat.command("escalate T-1 needs the network team", who="alice")
    assert escalated.of(PostTicketCard)[0].ticket.tier_name == "Specialists"

    refused = chat.command("claim T-1", who="alice")
    claimed = chat.command("claim T-1", who="bob")

    assert refused.refusal() == "There is no ticket T-1."  # not alice's tier: not hers to see
    assert claimed.update().ticket.status == "claimed"
    ticket, events, _ = stored(database)
    assert ticket.tier == 2 and ticket.assignee and ticket.assignee.platform_id == "bob"
    assert ("escalated", "needs the network team") in [(e.kind, e.detail) for e in events]


def test_escalating_beyond_the_top_tier_is_refused(chat: Chat) -> None:
    open_ticket(chat)
    chat.command("escalate T-1 first", who="bob")

    assert "highest tier" in chat.command("escalate T-1 again", who="bob").refusal()


def test_an_agent_reply_reaches_the_requester_and_waits_for_them(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")

    bot = chat.command("reply T-1 'Rooms are booked in the Lisbon office calendar'", who="alice")

    relay = bot.one(RelayToRequester)
    assert relay.text == "Rooms are booked in the Lisbon office calendar"
    assert relay.ticket.place == chat.place("you")
    ticket, _, transcript = stored(database)
    assert ticket.status == "waiting_on_user" and ticket.first_response_at is not None
    assert transcript[-1].text == relay.text and transcript[-1].author == "Alice"


def test_the_requesters_answer_goes_back_to_the_agents_and_reactivates_the_ticket(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)
    chat.command("reply T-1 which floor?", who="alice")

    bot = chat.say("the third floor")

    assert bot.one(RelayToAgents).text == "the third floor"
    assert bot.update().ticket.status == "claimed"
    ticket, events, transcript = stored(database)
    assert ticket.status == "claimed"
    assert events[-1].kind == "requester_replied"
    assert [m.text for m in transcript if m.direction == "in"] == [QUESTION, "the third floor"]


def test_replying_to_an_unclaimed_ticket_claims_it(chat: Chat, database: Database) -> None:
    open_ticket(chat)

    chat.command("reply T-1 looking into it", who="alice")

    ticket, _, _ = stored(database)
    assert ticket.assignee and ticket.assignee.platform_id == "alice"


def test_a_reply_to_a_resolved_ticket_is_refused_and_never_reaches_the_requester(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")
    chat.command("resolve T-1", who="alice")
    _, events_before, transcript_before = stored(database)

    bot = chat.command("reply T-1 'one more thing'", who="alice")

    assert "T-1 is resolved" in bot.refusal()
    assert not bot.of(RelayToRequester) and "Sent" not in bot.text()
    ticket, events, transcript = stored(database)
    assert ticket.status == "resolved"
    assert events == events_before and transcript == transcript_before


def test_another_agent_cannot_reply_on_a_claimed_ticket_of_their_tier(chat: Chat) -> None:
    chat.engine.settings.tickets.tiers[0].agents.append("console:carol")
    open_ticket(chat)
    chat.command("claim T-1", who="alice")

    assert "assigned to Alice" in chat.command("reply T-1 hi", who="carol").refusal()


def test_internal_notes_never_reach_the_requester(chat: Chat, database: Database) -> None:
    open_ticket(chat)

    bot = chat.command("note T-1 'probably the booking tool again'", who="alice")

    note = bot.one(RelayToAgents)
    assert note.internal
    assert bot.shown_in(chat.place("you")) == []
    _, _, transcript = stored(database)
    assert (transcript[-1].direction, transcript[-1].text) == (
        "note",
        "probably the booking tool again",
    )


def test_priority_changes_and_unknown_priorities_are_refused(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)

    assert chat.command("priority T-1 urgent", who="alice").update().ticket.priority == "urgent"
    assert (
        "Unknown priority 'whenever'"
        in chat.command("priority T-1 whenever", who="alice").refusal()
    )
    ticket, _, _ = stored(database)
    assert ticket.priority == "urgent"


def test_assigning_to_an_agent_and_refusing_a_non_agent(chat: Chat, database: Database) -> None:
    open_ticket(chat)

    chat.command("assign T-1 bob", who="alice")
    refused = chat.command("assign T-1 mallory", who="alice")

    assert "mallory is not an agent" in refused.refusal()
    ticket, _, _ = stored(database)
    assert ticket.status == "claimed" and ticket.assignee and ticket.assignee.platform_id == "bob"


def test_unclaim_puts_the_ticket_back_in_the_queue(chat: Chat, database: Database) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")

    chat.command("unclaim T-1", who="alice")

    ticket, _, _ = stored(database)
    assert ticket.status == "open" and ticket.assignee is None


def test_resolving_asks_the_requester_for_a_rating_and_a_comment(
    chat: Chat, database: Database
) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")

    bot = chat.command("resolve T-1 'Booked room 3.14 for you'", who="alice")

    ask = bot.one(AskRating)
    assert [b.label for b in ask.buttons] == ["1", "2", "3", "4", "5", "Reopen"]
    assert bot.one(RelayToRequester).text == "Booked room 3.14 for you"
    rated = chat.press("4")
    assert "4/5" in rated.text()
    chat.say("quick and friendly, thanks")
    with database.unit_of_work() as store:
        rows = [(f.kind, f.rating, f.comment) for f in store.feedback()]
    assert rows == [("rating", 4, None), ("comment", None, "quick and friendly, thanks")]
    ticket, _, _ = stored(database)
    assert ticket.status == "resolved" and ticket.resolved_at is not None


def test_after_rating_a_new_question_is_searched_again(chat: Chat) -> None:
    open_ticket(chat)
    chat.command("resolve T-1", who="alice")
    chat.press("5")
    chat.press("Skip")

    assert chat.say("my vpn won't connect").answer().article.id == "vpn-cannot-connect"


def test_the_requester_may_reopen_within_the_window(chat: Chat, database: Database) -> None:
    open_ticket(chat)
    chat.command("claim T-1", who="alice")
    chat.command("resolve T-1", who="alice")
    chat.clock.advance(days=6)

    bot = chat.press("Reopen")

    assert bot.update().ticket.status == "claimed"
    ticket, events, _ = stored(database)
    assert ticket.status == "claimed" and ticket.resolved_at is None
    assert events[-1].kind == "reopened"
    follow_up = chat.say("it happened again")
    assert follow_up.of(RelayToAgents)


def test_after_the_reopen_window_only_agents_may_reopen(chat: Chat, database: Database) -> None:
    open_ticket(chat)
    chat.command("resolve T-1", who="alice")
    chat.clock.advance(days=8)

    refused = chat.command("reopen T-1")
    reopened = chat.command("reopen T-1", who="alice")

    assert "can no longer be reopened" in refused.refusal()
    assert reopened.update().ticket.status == "open"


def test_acting_on_a_missing_or_finished_ticket_gets_a_clear_message(chat: Chat) -> None:
    open_ticket(chat)
    chat.command("resolve T-1", who="alice")

    assert "no ticket T-999" in chat.command("claim T-999", who="alice").refusal()
    assert "T-1 is resolved" in chat.command("claim T-1", who="alice").refusal()
    assert "Which ticket?" in chat.command("claim", who="alice").refusal()
    assert "Usage: /reply KEY TEXT" in chat.command("reply T-1", who="alice").refusal()
    assert "don't know the command /frobnicate" in chat.command("frobnicate").refusal()


def test_cards_follow_every_change(chat: Chat) -> None:
    open_ticket(chat)
    changes = [
        chat.command(line, who="alice").update().change
        for line in ("claim T-1", "priority T-1 high", "resolve T-1")
    ]

    assert changes == ["claimed", "priority high", "resolved"]
    assert all(isinstance(u, UpdateTicketCard) for u in chat.history[-1].of(UpdateTicketCard))


def test_agents_list_the_open_tickets_of_their_tiers(chat: Chat) -> None:
    open_ticket(chat)

    listing = chat.command("tickets", who="alice").text()

    assert "T-1" in listing and "unclaimed" in listing


def test_an_agent_known_only_by_role_can_be_assigned_once_seen(
    chat: Chat, database: Database
) -> None:
    chat.engine.settings.tickets.tiers[0].roles.append("console:staff")
    open_ticket(chat)
    refused = chat.command("assign T-1 dana", who="alice")
    dana = Person("console", "dana", "Dana", roles=frozenset({"staff"}))
    chat.send(MessageReceived(dana, chat.place("dana"), "hi", "dana-1"))

    chat.command("assign T-1 dana", who="alice")

    assert "dana is not an agent" in refused.refusal()
    ticket, _, _ = stored(database)
    assert ticket.assignee and ticket.assignee.platform_id == "dana"


def test_only_the_requester_can_skip_the_rating_comment(chat: Chat) -> None:
    """In a shared thread, a bystander pressing Skip does not end the requester's comment."""
    open_ticket(chat)
    chat.command("resolve T-1", who="alice")
    chat.press("4")
    skip = chat.history[-1].buttons()[0]
    carol = Person("console", "carol", "Carol")

    refused = chat.send(ButtonPressed(carol, chat.place("you"), skip.action, skip.value, "b-carol"))

    assert "someone else's question" in refused.refusal()
    assert "Thanks" in chat.press_button(skip).text()

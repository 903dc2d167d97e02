"""Durable delivery (the outbox) and the agents' workspace in a ticket card's thread."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot import actions
from bot.actions import ArticleRef, Button, RelayToRequester, TicketView
from bot.attempts import Attempt
from bot.delivery.outbox import decode_action, encode_action, lane_of
from bot.events import MessageReceived, Person, Place
from bot.records import Card
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import Chat

QUESTION = "how do I book a meeting room in Lisbon"
CARD_THREAD = Place("console", "triage-1", "card-1")
ALICE = Person("console", "alice", "Alice")

PLACE = Place("slack", "C1", "171.1")
PERSON = Person("slack", "U1", "Ann", "pt-BR", frozenset({"S1"}))
VIEW = TicketView(
    "T-7", "open", 1, "Service desk", "normal", "printer", PERSON, PLACE, None,
    datetime(2026, 3, 2, 9, tzinfo=UTC),
    (Attempt("printer-add", "Add a printer", 0.62, "answered", "did_not_help"),),
)  # fmt: skip
EVERY_ACTION = [
    actions.Reply(PLACE, "hi <@U2>", (Button("OK", "ok", "1", "primary"),)),
    actions.AnswerArticle(PLACE, ArticleRef("a", "A", "sum", 0.9, "pt-BR"), "ok?", ()),
    actions.OfferArticles(
        PLACE, "pick", (ArticleRef("a", "A", "s", 0.4),), (Button("A", "pick", "a"),)
    ),
    actions.PostTicketCard(VIEW),
    actions.UpdateTicketCard(VIEW, "claimed"),
    actions.RelayToRequester(VIEW, "try this", PERSON),
    actions.RelayToAgents(VIEW, "note", PERSON, internal=True),
    actions.AskRating(VIEW, "rate", (Button("1", "rate", "T-7:1"),)),
    actions.Refuse(PERSON, PLACE, "no"),
]


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """These dialogues run on the in-memory store."""
    return memory_chat


@pytest.mark.parametrize("action", EVERY_ACTION, ids=lambda a: type(a).__name__)
def test_every_action_survives_storage_unchanged(action: actions.Action) -> None:
    assert decode_action(encode_action(action)) == action


def test_a_card_queued_before_tickets_kept_attempts_is_still_sent() -> None:
    """Such a card named the article that did not help, which its ticket still keeps."""
    stored = json.loads(encode_action(actions.PostTicketCard(VIEW)))
    view = stored["data"]["ticket"]
    del view["attempts"]
    view["failed_article_id"] = "printer-add"

    assert decode_action(json.dumps(stored)) == actions.PostTicketCard(replace(VIEW, attempts=()))


def test_a_conversation_and_its_ticket_share_one_lane() -> None:
    lanes = {lane_of(action) for action in EVERY_ACTION}
    assert lanes == {"slack:C1:171.1"}


def test_what_the_bot_decides_waits_in_the_outbox_until_delivered(chat: Chat) -> None:
    deliveries = chat.engine.handle(
        MessageReceived(chat.person("you"), chat.place("you"), QUESTION, "m-1")
    )
    outbox = chat.engine.outbox

    pending = outbox.pending("console")
    assert [(d.id, d.action) for d in pending] == [(d.id, d.action) for d in deliveries]

    outbox.delivered(d.id for d in pending)
    assert outbox.pending("console") == []


def test_a_failed_delivery_is_kept_and_retried_later_with_back_off(chat: Chat) -> None:
    chat.say(QUESTION)
    outbox = chat.engine.outbox
    first = outbox.pending("console")[0]

    outbox.failed(first, "HTTP 503 from the platform")
    assert first.id not in [d.id for d in outbox.pending("console")]

    chat.clock.advance(seconds=2)
    again = [d for d in outbox.pending("console") if d.id == first.id]
    assert again and again[0].attempts == 1 and again[0].action == first.action

    outbox.failed(again[0], "still down")
    chat.clock.advance(seconds=3)
    assert first.id not in [d.id for d in outbox.pending("console")]
    chat.clock.advance(seconds=1)
    assert first.id in [d.id for d in outbox.pending("console")]


def open_ticket_with_card(chat: Chat) -> None:
    chat.say(QUESTION)
    chat.engine.attach_card("T-1", Card("console", 1, "triage-1", "card-1", "card-1"), CARD_THREAD)


def in_card_thread(chat: Chat, text: str, who: Person = ALICE, n: int = 1) -> list[actions.Action]:
    event = MessageReceived(who, CARD_THREAD, text, f"thread-{who.id}-{n}")
    return [delivery.action for delivery in chat.engine.handle(event)]


def test_cards_are_remembered_for_editing_in_place(chat: Chat) -> None:
    open_ticket_with_card(chat)

    assert chat.engine.cards("T-1") == [Card("console", 1, "triage-1", "card-1", "card-1")]
    assert chat.engine.cards("T-404") == []


def test_an_agents_message_in_the_card_thread_goes_to_the_requester(
    chat: Chat, memory: MemoryDatabase
) -> None:
    open_ticket_with_card(chat)

    shown = in_card_thread(chat, "Rooms are in the Lisbon calendar")

    relay = [a for a in shown if isinstance(a, RelayToRequester)]
    assert relay and relay[0].text == "Rooms are in the Lisbon calendar"
    assert relay[0].ticket.place == chat.place("you")
    assert not [a for a in shown if isinstance(a, actions.Reply) and a.place == CARD_THREAD]
    with memory.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None and ticket.status == "waiting_on_user"


def test_a_note_in_the_card_thread_never_reaches_the_requester(
    chat: Chat, memory: MemoryDatabase
) -> None:
    open_ticket_with_card(chat)

    shown = in_card_thread(chat, "!note probably the booking tool again")

    assert shown == []
    with memory.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        transcript = [(m.direction, m.text) for m in store.transcript(ticket.id)]
    assert ("note", "probably the booking tool again") in transcript
    assert not [t for d, t in transcript if d != "note" and "booking tool" in t]


def test_requesters_cannot_speak_for_agents_in_a_card_thread(chat: Chat) -> None:
    open_ticket_with_card(chat)

    shown = in_card_thread(chat, "close my own ticket", who=Person("console", "mallory"))

    assert [type(a).__name__ for a in shown] == ["Refuse"]


def test_a_ticket_can_move_to_a_place_made_for_it(chat: Chat, memory: MemoryDatabase) -> None:
    chat.say(QUESTION)
    private_thread = Place("console", "support", "private-7")

    chat.engine.move_ticket("T-1", private_thread)

    follow_up = chat.engine.handle(
        MessageReceived(chat.person("you"), private_thread, "any news?", "m-moved")
    )
    assert [type(d.action).__name__ for d in follow_up] == ["RelayToAgents", "Reply"]
    assert chat.say("my vpn won't connect").answer().article.id == "vpn-cannot-connect"
    with memory.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None and ticket.place == private_thread
        assert store.ticket_events(ticket.id)[-1].kind == "moved"

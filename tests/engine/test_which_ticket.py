"""One question, one thread: what a person with an open ticket writes next goes where they meant.

Where a ticket shares its conversation with new questions (the console, a Discord DM), the
knowledge base answers a new question first and offers "Add to T-1 instead"; an answer to
an agent, or a message soon after an agent wrote, joins the ticket; when nothing fits, the
person is asked once. In a thread made for the ticket everything joins it.
"""

from __future__ import annotations

import pytest

from bot.actions import PostTicketCard, RelayToAgents, Reply
from bot.events import ButtonPressed, MessageReceived, Person, Place
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import Chat

OUT_OF_SCOPE = "how do I book a meeting room in Lisbon"
VPN_QUESTION = "my vpn won't connect"
NOTHING_FITS = "the coffee machine on floor 3 is leaking"


DM = Place("slack", "D1")
DM_THREAD = Place("slack", "D1", "1700000000.000100")


def slack_dm_ticket(chat: Chat) -> Person:
    """Someone opens T-1 at the top of their Slack DM: its announcement was posted and the
    ticket went on in that message's thread (as the Slack adapter does). Returns them."""
    asker = chat.person("you")
    opened = chat.send(MessageReceived(asker, DM, OUT_OF_SCOPE, message_id="q1"))
    assert opened.one(Reply).ticket_key == "T-1"
    chat.engine.move_ticket("T-1", DM_THREAD)
    return asker


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """A person on the console (no threads) whose first question opened T-1."""
    memory_chat.say(OUT_OF_SCOPE)
    return memory_chat


def transcript(memory: MemoryDatabase, key: str = "T-1") -> list[tuple[str, str]]:
    with memory.unit_of_work() as store:
        ticket = store.ticket_by_key(key)
        assert ticket is not None
        return [(m.direction, m.text) for m in store.transcript(ticket.id)]


def test_a_question_the_kb_answers_is_answered_with_a_one_tap_add_to_the_open_ticket(
    chat: Chat,
) -> None:
    bot = chat.say(VPN_QUESTION)

    answer = bot.answer()
    assert answer.article.id == "vpn-cannot-connect"
    assert [b.label for b in answer.buttons] == ["Solved", "Still need help", "Add to T-1 instead"]
    assert not bot.of(RelayToAgents)


def test_add_to_the_ticket_instead_hands_the_question_to_its_agents(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(VPN_QUESTION)

    bot = chat.press("Add to T-1 instead")

    relay = bot.one(RelayToAgents)
    assert relay.ticket.key == "T-1" and relay.text == VPN_QUESTION and not relay.internal
    assert "Added to ticket T-1" in bot.text()
    assert ("in", VPN_QUESTION) in transcript(memory)
    assert [q.outcome for q in memory.tables.questions][-1] == "added_to_ticket"


def test_when_nothing_fits_the_person_is_asked_once_whether_it_is_about_the_ticket(
    chat: Chat,
) -> None:
    bot = chat.say(NOTHING_FITS)

    asked = bot.one(Reply)
    assert "your ticket T-1" in asked.text
    assert OUT_OF_SCOPE not in asked.text  # others may read this: the subject stays out
    assert [b.label for b in asked.buttons] == ["Add to T-1", "Open a new ticket"]
    assert not bot.of(RelayToAgents) and not bot.of(PostTicketCard)


def test_writing_on_instead_of_answering_adds_both_messages_to_the_ticket(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(NOTHING_FITS)

    again = chat.say("it is making a puddle")

    assert [r.text for r in again.of(RelayToAgents)] == [NOTHING_FITS, "it is making a puddle"]
    assert "Added to ticket T-1" in again.text()
    assert ("in", NOTHING_FITS) in transcript(memory)
    assert chat.say(VPN_QUESTION).answer()  # asked once: the next question is a question


def test_a_new_ticket_for_the_new_question_carries_its_words(chat: Chat) -> None:
    chat.clock.advance(minutes=5)
    chat.say(NOTHING_FITS)

    bot = chat.press("Open a new ticket")

    assert bot.card().ticket.key == "T-2"
    assert bot.card().ticket.subject == NOTHING_FITS


def test_asking_for_a_person_with_a_ticket_open_points_at_it_rather_than_opening_another(
    chat: Chat,
) -> None:
    bot = chat.say("talk to a human")

    assert "Your ticket T-1 is already with our team, who will answer you there" in bot.text()
    assert not bot.buttons() and not bot.of(PostTicketCard)


def test_asking_for_a_person_about_something_new_asks_which_ticket_it_is_for(
    chat: Chat,
) -> None:
    bot = chat.say("talk to a human, my printer is on fire")

    assert "Your ticket T-1 is already with our team" in bot.text()
    assert "knowledge base" not in bot.text()
    assert [b.label for b in bot.buttons()] == ["Add to T-1", "Open a new ticket"]
    chat.clock.advance(minutes=2)
    assert chat.press("Open a new ticket").card().ticket.subject == "my printer is on fire"


def test_an_answer_to_an_agents_question_joins_the_ticket_even_when_the_kb_knows_the_words(
    chat: Chat,
) -> None:
    chat.command("claim T-1", who="alice")
    chat.command("reply T-1 Which VPN client do you use?", who="alice")

    bot = chat.say(VPN_QUESTION)

    assert bot.one(RelayToAgents).text == VPN_QUESTION
    assert not bot.of(PostTicketCard) and not [b for b in bot.buttons() if b.action == "solved"]


def test_a_message_soon_after_an_agent_wrote_joins_the_ticket_and_later_it_is_a_question(
    chat: Chat,
) -> None:
    chat.command("claim T-1", who="alice")
    chat.command("reply T-1 I booked room 2 for you", who="alice")
    chat.say("thanks, and for tomorrow too?")  # answers the agent: the ticket is claimed again
    chat.clock.advance(minutes=10)

    soon = chat.say(VPN_QUESTION)
    chat.clock.advance(minutes=31)
    later = chat.say(VPN_QUESTION)

    assert soon.one(RelayToAgents).text == VPN_QUESTION
    assert "Added to ticket T-1" in soon.text()  # it was not asked for: say where it went
    assert later.answer().article.id == "vpn-cannot-connect" and not later.of(RelayToAgents)


def test_adding_to_a_ticket_resolved_meanwhile_says_so_and_adds_nothing(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(VPN_QUESTION)
    chat.command("claim T-1", who="alice")
    chat.command("resolve T-1 booked", who="alice")

    bot = chat.press("Add to T-1 instead", among=chat.history[1].buttons())

    assert "T-1 is resolved now" in bot.refusal()
    assert not bot.of(RelayToAgents)
    assert ("in", VPN_QUESTION) not in transcript(memory)


def test_nobody_else_can_add_a_question_to_someone_elses_ticket(chat: Chat) -> None:
    chat.say(VPN_QUESTION)
    add = next(b for b in chat.history[-1].buttons() if b.action == "add_to_ticket")

    bot = chat.press_button(add, who="mallory")

    assert bot.refusal() and not bot.of(RelayToAgents)


def test_after_the_ticket_is_resolved_asking_for_a_person_opens_one_without_a_wrong_reason(
    chat: Chat,
) -> None:
    chat.command("claim T-1", who="alice")
    chat.command("resolve T-1", who="alice")

    bot = chat.say("talk to a human")

    assert bot.card().ticket.key == "T-2"
    assert "a moment ago" not in bot.text()


def test_the_cooldown_names_the_ticket_that_is_still_open(chat: Chat) -> None:
    bot = chat.command("new the printer is on fire")

    assert "You opened ticket T-1 a moment ago and it is still open" in bot.text()
    assert not bot.of(PostTicketCard)


def test_a_new_ticket_asked_for_right_after_asking_for_a_person_says_what_that_is_about(
    memory_chat: Chat,
) -> None:
    memory_chat.say("talk to a human")

    bot = memory_chat.command("new my laptop is broken")

    assert not bot.of(PostTicketCard)
    assert bot.update().ticket.subject == "my laptop is broken"
    assert "Added to ticket T-1" in bot.text()


def test_a_new_ticket_chosen_when_asked_is_not_held_back_by_the_cooldown(chat: Chat) -> None:
    chat.say(NOTHING_FITS)

    bot = chat.press("Open a new ticket")

    assert bot.card().ticket.key == "T-2"


def test_an_older_add_button_never_adds_a_newer_question(chat: Chat) -> None:
    first = chat.say(VPN_QUESTION)
    chat.say("how do I reset my vpn password")

    bot = chat.press("Add to T-1 instead", among=first.buttons())

    assert bot.refusal() and not bot.of(RelayToAgents)


def test_in_a_thread_made_for_the_ticket_everything_is_about_the_ticket(
    memory_chat: Chat,
) -> None:
    asker = slack_dm_ticket(memory_chat)

    in_thread = memory_chat.send(MessageReceived(asker, DM_THREAD, VPN_QUESTION, message_id="q2"))
    top_level = memory_chat.send(MessageReceived(asker, DM, VPN_QUESTION, message_id="q3"))

    assert in_thread.one(RelayToAgents).text == VPN_QUESTION
    assert top_level.answer().place == DM and not top_level.of(RelayToAgents)
    assert "Add to T-1 instead" in [b.label for b in top_level.buttons()]


def test_a_bystander_can_neither_answer_nor_take_over_someone_elses_question(
    memory_chat: Chat,
) -> None:
    dan, carol = memory_chat.person("dan"), memory_chat.person("carol")
    memory_chat.send(MessageReceived(dan, Place("slack", "D1"), OUT_OF_SCOPE, message_id="q1"))
    thread = Place("slack", "C1", "1700000000.000200")
    asked = memory_chat.send(MessageReceived(dan, thread, NOTHING_FITS, message_id="q2"))
    new_ticket = next(b for b in asked.buttons() if b.action == "new_ticket")

    written = memory_chat.send(MessageReceived(carol, thread, "my salary slip", message_id="q3"))
    pressed = memory_chat.press_button(new_ticket, who="carol")

    assert written.refusal() and not written.of(PostTicketCard)
    assert pressed.refusal() and not pressed.of(PostTicketCard)


def test_moving_the_ticket_into_its_thread_keeps_a_question_asked_meanwhile(
    memory_chat: Chat,
) -> None:
    asker = memory_chat.person("you")
    memory_chat.send(MessageReceived(asker, DM, OUT_OF_SCOPE, message_id="q1"))
    answered = memory_chat.send(MessageReceived(asker, DM, VPN_QUESTION, message_id="q2"))
    memory_chat.engine.move_ticket("T-1", DM_THREAD)  # its announcement was slow to post

    add = next(b for b in answered.buttons() if b.action == "add_to_ticket")
    bot = memory_chat.send(ButtonPressed(asker, DM, add.action, add.value, event_id="b1"))

    assert bot.one(RelayToAgents).text == VPN_QUESTION


def test_at_the_top_of_a_dm_the_answer_to_an_agents_question_joins_the_ticket_in_its_thread(
    memory_chat: Chat,
) -> None:
    asker = slack_dm_ticket(memory_chat)
    memory_chat.command("claim T-1", who="alice")
    memory_chat.command("reply T-1 Which day do you need it?", who="alice")

    bot = memory_chat.send(MessageReceived(asker, DM, "Tuesday, six people", message_id="q2"))

    assert bot.one(RelayToAgents).text == "Tuesday, six people"
    assert "Added to ticket T-1" in bot.text()

"""In a shared place (a Slack channel thread, a Discord ticket thread), the buttons and the
follow-ups of someone's question act only for them: anyone else is told, privately, that it
is not theirs, and nothing changes.

Dana asks in a channel thread; Carl is a colleague reading along (neither is an agent).
"""

from __future__ import annotations

import pytest

from bot.actions import Button, Refuse, RelayToAgents
from bot.conversation.engine import Engine
from bot.events import ButtonPressed, CommandIssued, MessageReceived, Person, Place
from bot.i18n.messages import say
from bot.settings import LimitSettings, Settings
from kb import KnowledgeBase
from storage.db import Database
from tests.support.chat import PLATFORM, BotTurn, Chat, FakeClock

THREAD = Place(PLATFORM, "general", "1700000000.000100")
VPN_QUESTION = "my vpn won't connect"
NOT_YOURS = say("conversation.not_yours")


def person(name: str) -> Person:
    return Person(PLATFORM, name, name.title())


def says(chat: Chat, who: str, text: str) -> BotTurn:
    n = len(chat.history)
    return chat.send(MessageReceived(person(who), THREAD, text, message_id=f"{who}-{n}"))


def presses(chat: Chat, who: str, label: str) -> BotTurn:
    """``who`` presses the button labelled ``label`` among the last ones shown in the thread."""
    button = next(b for b in last_buttons(chat) if b.label == label)
    return press(chat, who, button)


def press(chat: Chat, who: str, button: Button) -> BotTurn:
    n = len(chat.history)
    event = ButtonPressed(person(who), THREAD, button.action, button.value, f"{who}-b{n}")
    return chat.send(event)


def last_buttons(chat: Chat) -> list[Button]:
    for turn in reversed(chat.history):
        shown = BotTurn(turn.shown_in(THREAD)).buttons()
        if shown:
            return shown
    return []


def refused_privately(turn: BotTurn, who: str) -> None:
    """Only a refusal, addressed to ``who``: nothing posted in the thread, no card."""
    assert [type(a) for a in turn.actions] == [Refuse], turn.actions
    refusal = turn.one(Refuse)
    assert refusal.person.id == who and refusal.reason == NOT_YOURS


def tickets(database: Database) -> list[tuple[str, str]]:
    """(key, requester) of every ticket."""
    with database.unit_of_work() as store:
        return [(t.key, t.requester.platform_id) for t in store.list_tickets(None, 50)]


def feedback(database: Database) -> list[tuple[str, int, str | None]]:
    """(kind, user id, comment) of every answer feedback, rating and comment."""
    with database.unit_of_work() as store:
        return [(f.kind, f.user_id, f.comment) for f in store.feedback()]


@pytest.mark.parametrize("label", ["Solved", "Still need help"])
def test_someone_else_cannot_answer_for_the_asker(
    chat: Chat, database: Database, label: str
) -> None:
    says(chat, "dana", VPN_QUESTION).answer()

    refused_privately(presses(chat, "carl", label), "carl")

    assert tickets(database) == [] and feedback(database) == []
    opened = presses(chat, "dana", "Still need help")
    assert opened.card().ticket.requester.id == "dana"
    assert tickets(database) == [("T-1", "dana")]


def test_someone_else_cannot_pick_from_the_askers_choices(
    choosing_chat: Chat, database: Database
) -> None:
    offer = says(choosing_chat, "dana", "printer").offer()

    refused_privately(presses(choosing_chat, "carl", offer.articles[0].title), "carl")
    refused_privately(presses(choosing_chat, "carl", "None of these"), "carl")

    assert tickets(database) == []
    assert presses(choosing_chat, "dana", offer.articles[0].title).answer()


def test_a_bystanders_message_does_not_take_over_an_answer_awaiting_the_asker(
    chat: Chat, database: Database
) -> None:
    says(chat, "dana", VPN_QUESTION).answer()

    refused_privately(says(chat, "carl", "talk to a human"), "carl")

    assert tickets(database) == []
    assert presses(chat, "dana", "Solved").texts() == [say("solved.thanks")]


def test_a_bystanders_message_is_not_added_to_the_askers_ticket(
    chat: Chat, database: Database
) -> None:
    says(chat, "dana", "talk to a human").card()

    bystander = says(chat, "carl", "my home address is 1 Secret Lane")

    refused_privately(bystander, "carl")
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        transcript = [m.text for m in store.transcript(ticket.id)]
    assert not any("Secret Lane" in text for text in transcript)
    assert says(chat, "dana", "it is urgent").of(RelayToAgents)


def test_a_bystander_asking_for_a_person_in_a_ticket_thread_adds_nothing(chat: Chat) -> None:
    says(chat, "dana", "talk to a human").card()

    bot = chat.send(CommandIssued(person("carl"), THREAD, "human", ("call me",), "carl-c"))

    refused_privately(bot, "carl")


def resolved_for_dana(chat: Chat) -> None:
    says(chat, "dana", "talk to a human").card()
    chat.command("resolve T-1", who="alice")


def test_someone_else_cannot_rate_skip_or_comment_for_the_requester(
    chat: Chat, database: Database
) -> None:
    resolved_for_dana(chat)

    refused_privately(presses(chat, "carl", "1"), "carl")
    presses(chat, "dana", "4")
    refused_privately(presses(chat, "carl", "Skip"), "carl")
    refused_privately(says(chat, "carl", "awful service, and here is my phone"), "carl")

    [(_, dana, _)] = feedback(database)
    says(chat, "dana", "quick and friendly")
    assert feedback(database) == [("rating", dana, None), ("comment", dana, "quick and friendly")]


def test_someone_else_cannot_reopen_the_requesters_ticket(chat: Chat) -> None:
    resolved_for_dana(chat)

    refused = presses(chat, "carl", "Reopen")

    assert refused.refusal() == say("agent.not_requester", key="T-1")
    assert presses(chat, "dana", "Reopen").update().ticket.status == "open"


def test_an_agent_in_the_requesters_thread_still_works_the_ticket(chat: Chat) -> None:
    says(chat, "dana", "talk to a human").card()
    chat.command("claim T-1", who="alice")

    bot = chat.send(MessageReceived(Person(PLATFORM, "alice", "Alice"), THREAD, "on it", "a-1"))

    assert not bot.of(Refuse) and bot.update().ticket.status == "waiting_on_user"


def test_once_the_askers_question_is_done_anyone_may_ask_in_the_thread(
    chat: Chat, database: Database
) -> None:
    says(chat, "dana", VPN_QUESTION)
    presses(chat, "dana", "Solved")

    assert says(chat, "carl", "talk to a human").card().ticket.requester.id == "carl"


@pytest.fixture
def strict_chat(database: Database, sample_kb: KnowledgeBase, clock: FakeClock) -> Chat:
    """At most two messages a minute a person."""
    settings = Settings(limits=LimitSettings(messages_per_minute=2))
    return Chat(Engine(settings, sample_kb, database.unit_of_work, clock), clock)


def test_a_bystanders_messages_over_the_rate_stay_off_the_askers_ticket(
    strict_chat: Chat, database: Database
) -> None:
    says(strict_chat, "dana", "talk to a human").card()

    for n in range(3):
        says(strict_chat, "carl", f"my card number is 4111 0000 0000 000{n}")

    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        transcript = [m.text for m in store.transcript(ticket.id)]
    assert not any("4111" in text for text in transcript)


def test_a_bystanders_new_ticket_command_does_not_change_the_askers_question(chat: Chat) -> None:
    says(chat, "dana", VPN_QUESTION).answer()

    carl = chat.send(CommandIssued(person("carl"), THREAD, "new", ("my salary is wrong",), "c-n"))
    refused_privately(carl, "carl")

    opened = presses(chat, "dana", "Still need help")
    assert opened.card().ticket.subject == VPN_QUESTION

"""However a ticket is opened ("Still need help", "None of these", asking for a person,
``/human``, ``/new``), it is about the person's question, never the words that asked for
a person, and it lists the articles the bot tried with how each went: whoever picks it up
never has to ask "what did you already try?"."""

from __future__ import annotations

import pytest

from bot.actions import AnswerArticle, ArticleRef, TicketView
from bot.attempts import Attempt, Shown, Verdict
from bot.events import CommandIssued, Place
from bot.i18n.messages import say
from bot.tickets.tried import tried_lines
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import BotTurn, Chat

MONITOR = "my monitor is blank after docking"
VPN = "my vpn won't connect"
NOTHING_FITS = "how do I book a meeting room in Lisbon"
NO_QUESTION = say("ticket.no_question")


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """These dialogues run on the in-memory store."""
    return memory_chat


@pytest.fixture
def choosing_chat(memory_choosing_chat: Chat) -> Chat:
    """Offers instead of answers, on the in-memory store."""
    return memory_choosing_chat


def opened(bot: BotTurn, memory: MemoryDatabase) -> TicketView:
    """The new ticket's card, once checked to say what the stored ticket says."""
    card = bot.card().ticket
    with memory.unit_of_work() as store:
        ticket = store.ticket_by_key(card.key)
        conversation = store.conversation(ticket.place, ticket.created_at) if ticket else None
    assert ticket is not None and conversation is not None
    assert (ticket.subject, ticket.attempts) == (card.subject, card.attempts)
    assert conversation.attempts == ()  # the ticket has them now
    return card


def tried(article: ArticleRef, shown: Shown, verdict: Verdict) -> Attempt:
    return Attempt(article.id, article.title, article.confidence, shown, verdict)


# -- the buttons --------------------------------------------------------------------------


def test_still_need_help_files_the_question_and_the_answer_that_did_not_help(
    chat: Chat, memory: MemoryDatabase
) -> None:
    answer = chat.say(MONITOR).answer().article

    card = opened(chat.press("Still need help"), memory)

    assert card.subject == MONITOR
    assert card.attempts == (tried(answer, "answered", "did_not_help"),)


def test_none_of_these_files_every_article_offered_as_not_fitting(
    choosing_chat: Chat, memory: MemoryDatabase
) -> None:
    offer = choosing_chat.say(MONITOR).offer()

    card = opened(choosing_chat.press("None of these"), memory)

    assert card.subject == MONITOR
    assert card.attempts == tuple(tried(a, "offered", "none_fit") for a in offer.articles)


def test_an_article_picked_from_a_list_keeps_the_confidence_it_was_offered_with(
    choosing_chat: Chat, memory: MemoryDatabase
) -> None:
    first, *others = choosing_chat.say(MONITOR).offer().articles
    choosing_chat.press(first.title)

    card = opened(choosing_chat.press("Still need help"), memory)

    assert card.attempts == (
        tried(first, "picked", "did_not_help"),
        *(tried(other, "offered", "not_picked") for other in others),
    )


def test_what_was_tried_waits_with_the_question_while_no_ticket_may_be_opened(
    chat: Chat, memory: MemoryDatabase
) -> None:
    elsewhere = Place("console", "another-channel")
    chat.send(CommandIssued(chat.person("you"), elsewhere, "new", ("the scanner jams",), "c1"))
    answer = chat.say(MONITOR).answer().article
    assert "a moment ago" in chat.press("Still need help").text()
    chat.clock.advance(minutes=2)

    card = opened(chat.press("Still need help"), memory)

    assert (card.key, card.subject) == ("T-2", MONITOR)
    assert card.attempts == (tried(answer, "answered", "did_not_help"),)


# -- asking for a person ------------------------------------------------------------------


@pytest.mark.parametrize("request_", ["talk to a human", "Can I speak to someone please?"])
def test_asking_for_a_person_after_an_answer_escalates_the_question_not_the_request(
    chat: Chat, memory: MemoryDatabase, request_: str
) -> None:
    answer = chat.say(MONITOR).answer().article

    bot = chat.say(request_)

    assert "Sure, I opened ticket T-1" in bot.text()
    card = opened(bot, memory)
    assert card.subject == MONITOR
    assert card.attempts == (tried(answer, "answered", "asked_for_person"),)


def test_asking_for_a_person_instead_of_choosing_passes_the_whole_list_over(
    choosing_chat: Chat, memory: MemoryDatabase
) -> None:
    offer = choosing_chat.say(MONITOR).offer()

    card = opened(choosing_chat.say("talk to a human"), memory)

    assert card.subject == MONITOR
    assert card.attempts == tuple(tried(a, "offered", "asked_for_person") for a in offer.articles)


def test_what_they_add_when_asking_for_a_person_is_kept_after_the_question(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(MONITOR)

    card = opened(chat.say("Still black after a restart. Talk to a human please"), memory)

    assert card.subject == f"{MONITOR} \u2014 Still black after a restart."
    assert [a.verdict for a in card.attempts] == ["asked_for_person"]


@pytest.mark.parametrize(
    ("first_words", "subject"),
    [
        ("talk to a human", NO_QUESTION),
        ("agent", NO_QUESTION),
        ("Hi! Can I speak to someone please?", NO_QUESTION),
        ("talk to a human, please", NO_QUESTION),
        ("quero falar com atendente", NO_QUESTION),
        ("talk to a human, my printer is on fire", "my printer is on fire"),
        ("talk to a human my printer is on fire", "my printer is on fire"),
        ("My printer is on fire! Talk to a human, now.", "My printer is on fire!"),
        ("Hello, I need to talk to a person\nthe printer is on fire", "the printer is on fire"),
    ],
)
def test_asking_for_a_person_first_keeps_only_the_words_that_are_the_question(
    chat: Chat, memory: MemoryDatabase, first_words: str, subject: str
) -> None:
    card = opened(chat.say(first_words), memory)

    assert card.subject == subject
    assert card.attempts == ()


def test_a_solved_question_is_not_what_a_later_request_for_a_person_is_about(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(VPN)
    chat.press("Solved")
    chat.clock.advance(hours=1)

    card = opened(chat.say("talk to a human"), memory)

    assert (card.subject, card.attempts) == (NO_QUESTION, ())


def test_a_new_question_starts_with_nothing_tried(chat: Chat, memory: MemoryDatabase) -> None:
    chat.say(MONITOR)

    card = opened(chat.say(NOTHING_FITS), memory)

    assert (card.subject, card.attempts) == (NOTHING_FITS, ())


# -- commands -----------------------------------------------------------------------------


def test_the_human_command_after_an_answer_escalates_the_question(
    chat: Chat, memory: MemoryDatabase
) -> None:
    answer = chat.say(MONITOR).answer().article

    card = opened(chat.command("human"), memory)

    assert card.subject == MONITOR
    assert card.attempts == (tried(answer, "answered", "asked_for_person"),)


def test_new_with_nothing_pending_is_about_its_description_alone(
    chat: Chat, memory: MemoryDatabase
) -> None:
    card = opened(chat.command("new 'the badge reader at door 3 beeps red'"), memory)

    assert (card.subject, card.attempts) == ("the badge reader at door 3 beeps red", ())


def test_an_agents_new_after_an_answer_keeps_the_question_and_what_was_tried(
    chat: Chat, memory: MemoryDatabase
) -> None:
    answer = chat.say(MONITOR, who="alice").answer().article

    card = opened(chat.command("new 'only on the left screen'", who="alice"), memory)

    assert card.requester.id == "alice"
    assert card.subject == f"{MONITOR} \u2014 only on the left screen"
    assert card.attempts == (tried(answer, "answered", "asked_for_person"),)


@pytest.mark.parametrize(
    "request_",
    [
        "my printer is on fire and I need to talk to a human",
        "I would like to speak to someone about my VPN password expiring",
        "preciso falar com uma pessoa sobre a minha impressora que não imprime",
    ],
)
def test_a_request_for_a_person_inside_the_question_keeps_the_question(
    chat: Chat, memory: MemoryDatabase, request_: str
) -> None:
    card = opened(chat.say(request_), memory)

    assert card.subject == request_


def test_a_ticket_opened_without_a_question_takes_the_next_words_as_its_subject(
    chat: Chat, memory: MemoryDatabase
) -> None:
    opened(chat.say("talk to a human"), memory)

    bot = chat.say("my printer on floor 3 is on fire")

    assert bot.update().ticket.subject == "my printer on floor 3 is on fire"
    assert "Added to ticket T-1" in bot.text()
    assert not bot.of(AnswerArticle)
    with memory.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None and ticket.subject == "my printer on floor 3 is on fire"


def test_a_requester_reads_a_missing_question_in_their_own_language(chat: Chat) -> None:
    chat.command("language pt-BR")
    chat.say("falar com atendente")

    mine = chat.command("mytickets")

    assert say("ticket.no_question", "pt-BR") in mine.text()
    assert say("ticket.no_question", "en") not in mine.text()


def test_a_ticket_older_than_the_record_says_so_rather_than_that_nothing_was_tried() -> None:
    assert tried_lines(None, "en") == ["not recorded: the ticket is older than this record"]
    assert tried_lines((), "en") == []  # nothing was tried: each card says that its own way


@pytest.mark.parametrize("pleasantry", ["thanks", "help", "ok", "hello?", "talk to a human"])
def test_a_pleasantry_after_asking_for_a_person_is_not_what_the_ticket_is_about(
    chat: Chat, memory: MemoryDatabase, pleasantry: str
) -> None:
    opened(chat.say("talk to a human"), memory)

    chat.say(pleasantry)
    described = chat.say("my printer is jammed")

    assert described.update().ticket.subject == "my printer is jammed"


@pytest.mark.parametrize(
    ("request_", "subject"),
    [
        ("agent please", NO_QUESTION),
        ("connect me to support", NO_QUESTION),
        ("quero falar com um humano", NO_QUESTION),
        ("can I speak to a real person", NO_QUESTION),
        ("talk to a human about my laptop", "my laptop"),
    ],
)
def test_the_ways_people_ask_for_a_person_open_a_ticket_about_what_they_said(
    chat: Chat, memory: MemoryDatabase, request_: str, subject: str
) -> None:
    assert opened(chat.say(request_), memory).subject == subject

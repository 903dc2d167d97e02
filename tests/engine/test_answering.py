"""The bot's first line: answers from the knowledge base, choices, and handing over to people."""

from __future__ import annotations

import pytest

from bot.actions import AnswerArticle, PostTicketCard, RelayToAgents, Reply
from bot.conversation.engine import Engine
from bot.events import MessageReceived, Person, Place
from bot.settings import Settings
from kb import KnowledgeBase
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import Chat, FakeClock

VPN_QUESTION = "my vpn won't connect"
OUT_OF_SCOPE = "how do I book a meeting room in Lisbon"


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """These dialogues run on the in-memory store."""
    return memory_chat


def feedback_kinds(memory: MemoryDatabase) -> list[tuple[str, str | None, bool | None]]:
    return [(row.kind, row.article_id, row.helpful) for row in memory.tables.feedback]


def test_a_confident_match_is_answered_with_the_article_and_a_solved_question(chat: Chat) -> None:
    bot = chat.say(VPN_QUESTION)

    answer = bot.answer()
    assert answer.article.id == "vpn-cannot-connect"
    assert answer.article.summary
    assert "solve" in answer.text
    assert [b.label for b in answer.buttons] == ["Solved", "Still need help"]
    assert not bot.of(PostTicketCard)


def test_solved_records_a_deflection_and_opens_no_ticket(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(VPN_QUESTION)

    bot = chat.press("Solved")

    assert "Glad" in bot.text()
    assert feedback_kinds(memory) == [("solved", "vpn-cannot-connect", True)]
    with memory.unit_of_work() as store:
        assert store.list_tickets() == []


def test_still_need_help_opens_a_ticket_carrying_the_question_and_the_article(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(VPN_QUESTION)

    bot = chat.press("Still need help")

    card = bot.card().ticket
    assert card.key == "T-1"
    assert card.subject == VPN_QUESTION
    assert [(a.article_id, a.verdict) for a in card.attempts] == [
        ("vpn-cannot-connect", "did_not_help")
    ]
    assert card.status == "open" and card.tier_name == "Service desk"
    assert "T-1" in bot.text() and "Service desk" in bot.text()
    assert feedback_kinds(memory) == [("still_need_help", "vpn-cannot-connect", False)]


def test_pressing_an_old_answer_button_again_changes_nothing(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(VPN_QUESTION)
    buttons = chat.history[-1].buttons()
    chat.press("Solved", among=buttons)

    bot = chat.press("Still need help", among=buttons)

    assert "no longer open" in bot.refusal()
    assert feedback_kinds(memory) == [("solved", "vpn-cannot-connect", True)]


def test_a_question_nothing_fits_opens_a_ticket_and_says_what_happens_next(chat: Chat) -> None:
    bot = chat.say(OUT_OF_SCOPE)

    card = bot.card().ticket
    assert card.subject == OUT_OF_SCOPE
    assert card.attempts == ()
    reply = bot.one(Reply).text
    assert "T-1" in reply and "reply here" in reply


@pytest.mark.parametrize(
    ("text", "sure"),
    [
        ("talk to a human", "Sure"),
        ("Can I speak to someone please?", "Sure"),
        ("agent", "Sure"),
        ("HUMAN!", "Sure"),
        ("quero falar com atendente", "Claro"),  # and told so in the language asked in
    ],
)
def test_asking_for_a_person_opens_a_ticket_without_searching(
    chat: Chat, text: str, sure: str
) -> None:
    bot = chat.say(text)

    assert bot.card().ticket.key == "T-1"
    assert bot.text().startswith(sure)


def test_a_word_like_agent_inside_a_question_is_not_a_request_for_a_person(chat: Chat) -> None:
    assert not chat.engine.answerer.handover.asks_for_person("the VPN agent on my laptop crashed")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi", "Tell me what's wrong"),
        ("Hello!", "Tell me what's wrong"),
        ("thanks!", "welcome"),
        ("help", "What do you need help with?"),
        ("I need help!", "What do you need help with?"),
    ],
)
def test_small_talk_and_bare_requests_for_help_get_a_friendly_answer_and_no_ticket(
    chat: Chat, text: str, expected: str
) -> None:
    bot = chat.say(text)

    assert expected in bot.one(Reply).text
    assert not bot.of(PostTicketCard)


def test_an_answer_to_the_agent_goes_to_the_open_ticket_not_to_the_knowledge_base(
    chat: Chat,
) -> None:
    chat.say(OUT_OF_SCOPE)
    chat.command("claim T-1", who="alice")
    chat.command("reply T-1 What happens when you try?", who="alice")

    bot = chat.say(VPN_QUESTION)

    relay = bot.one(RelayToAgents)
    assert relay.text == VPN_QUESTION and not relay.internal
    assert not bot.of(PostTicketCard) and not bot.of(AnswerArticle)


@pytest.fixture
def choosing_chat(memory_choosing_chat: Chat) -> Chat:
    """The choice flow, on the in-memory store."""
    return memory_choosing_chat


def test_an_ambiguous_question_offers_up_to_three_articles_and_none_of_these(
    choosing_chat: Chat,
) -> None:
    offer = choosing_chat.say("printer").offer()

    assert 1 <= len(offer.articles) <= 3
    assert [b.label for b in offer.buttons][-1] == "None of these"
    assert [b.value for b in offer.buttons[:-1]] == [a.id for a in offer.articles]


def test_picking_an_offered_article_answers_with_it(choosing_chat: Chat) -> None:
    offer = choosing_chat.say("printer").offer()

    bot = choosing_chat.press(offer.articles[0].title)

    assert bot.answer().article.id == offer.articles[0].id


def test_none_of_these_opens_a_ticket(choosing_chat: Chat, memory: MemoryDatabase) -> None:
    choosing_chat.say("printer")

    bot = choosing_chat.press("None of these")

    assert bot.card().ticket.subject == "printer"
    assert feedback_kinds(memory) == [("none_of_these", None, False)]


def test_customers_on_discord_never_see_internal_articles(
    memory: MemoryDatabase, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    engine = Engine(Settings(), sample_kb, memory.unit_of_work, clock)
    actions = engine.handle(
        MessageReceived(Person("discord", "42"), Place("discord", "c1"), VPN_QUESTION, "d1")
    )

    shown = [d.action.article for d in actions if isinstance(d.action, AnswerArticle)]
    assert all(
        article.id == "browser-certificate-error" or "account" in article.id for article in shown
    )
    assert "vpn-cannot-connect" not in [article.id for article in shown]


def test_a_portuguese_question_without_accents_finds_the_portuguese_article(
    memory: MemoryDatabase, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    engine = Engine(Settings(), sample_kb, memory.unit_of_work, clock)
    actions = engine.handle(
        MessageReceived(
            Person("discord", "7", locale="pt-BR"),
            Place("discord", "c1"),
            "nao consigo entrar na minha conta",
            "d2",
        )
    )

    answers = [d.action for d in actions if isinstance(d.action, AnswerArticle)]
    assert [a.article.id for a in answers] == ["account-cannot-log-in-pt"]

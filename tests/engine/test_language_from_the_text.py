"""A question is answered in the language it is written in, when that is clear and the desk
speaks it; one word or an unclear text keeps the person's language, and a language they
chose with ``/language`` always wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.actions import AnswerArticle, Reply
from bot.conversation.engine import Engine
from bot.conversation.language import WrittenLanguage
from bot.i18n.messages import say
from bot.records import User
from bot.settings import Settings
from kb import Article, KnowledgeBase
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import Chat, FakeClock

PT = "pt-BR"
FORGOT_EMAIL_PASSWORD = "esqueci minha senha do e-mail"


@pytest.fixture
def chat(memory_chat: Chat) -> Chat:
    """These dialogues run on the in-memory store."""
    return memory_chat


def stored(memory: MemoryDatabase) -> tuple[str | None, str]:
    """The requester's language as kept for their next message, and where it came from."""
    with memory.unit_of_work() as store:
        user = store.find_user("console", "you")
    assert isinstance(user, User)
    return user.locale, user.locale_source


def test_portuguese_from_someone_with_no_language_is_answered_from_the_portuguese_article(
    chat: Chat, memory: MemoryDatabase
) -> None:
    answer = chat.say(FORGOT_EMAIL_PASSWORD).answer()

    assert answer.article.id == "account-password-reset-pt" and answer.locale == PT
    assert answer.text == say("answer.ask_solved", PT)
    assert [b.label for b in answer.buttons] == ["Resolvido", "Ainda preciso de ajuda"]
    assert stored(memory) == (PT, "written")


def test_portuguese_outweighs_a_platform_in_english_and_english_takes_it_back(
    chat: Chat, memory: MemoryDatabase
) -> None:
    answer = chat.say(FORGOT_EMAIL_PASSWORD, locale="en").answer()
    assert answer.article.id == "account-password-reset-pt" and answer.locale == PT

    again = chat.say("my vpn won't connect", locale="en").answer()
    assert again.article.id == "vpn-cannot-connect" and again.locale == "en"
    assert stored(memory) == ("en", "written")


def test_a_language_chosen_with_the_command_outweighs_the_text_yet_its_articles_are_found(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.command("language en")

    bot = chat.say(FORGOT_EMAIL_PASSWORD)

    assert {action.locale for action in bot.of(Reply) + bot.of(AnswerArticle)} == {"en"}
    assert bot.answer().article.locale == PT  # the text's language is searched too
    assert "This article is in Portuguese" in bot.answer().text
    assert stored(memory) == ("en", "chosen")


@pytest.mark.parametrize("unclear", ["help", "zoom camera"])
def test_one_word_or_an_unclear_text_keeps_the_current_language(
    chat: Chat, memory: MemoryDatabase, unclear: str
) -> None:
    chat.say(FORGOT_EMAIL_PASSWORD, locale="en")

    bot = chat.say(unclear, locale="en")

    assert {action.locale for action in bot.of(Reply) + bot.of(AnswerArticle)} == {PT}
    assert stored(memory) == (PT, "written")


def test_language_auto_forgets_the_written_language_until_the_next_clear_message(
    chat: Chat, memory: MemoryDatabase
) -> None:
    chat.say(FORGOT_EMAIL_PASSWORD, locale="en")

    back = chat.command("language auto")

    assert back.one(Reply).locale == "en"
    assert stored(memory) == (None, "platform")  # commands carry no locale on the console
    assert chat.say("a impressora não imprime nada").answer().locale == PT


def _french(article_id: str, title: str, *questions: str) -> Article:
    return Article(
        article_id, title, questions, (), "all", "fr-FR", title, Path(f"fr-FR/{article_id}.md")
    )


FRENCH = (
    _french(
        "vpn-cannot-connect-fr",
        "Le VPN ne se connecte pas",
        "le vpn ne se connecte pas",
        "impossible de me connecter au vpn",
        "le client vpn reste bloqué sur connexion",
    ),
    _french(
        "printer-not-printing-fr",
        "L'imprimante n'imprime pas",
        "l'imprimante n'imprime pas",
        "mon document reste bloqué dans la file d'impression",
        "l'imprimante est hors ligne",
    ),
)


@pytest.fixture(scope="module")
def trilingual_kb(sample_kb: KnowledgeBase) -> KnowledgeBase:
    """The sample KB with French articles, a language tier0 has no catalogue for."""
    return KnowledgeBase.build((*sample_kb.articles, *FRENCH))


def test_the_desk_speaks_its_catalogues_languages_and_its_articles(
    trilingual_kb: KnowledgeBase,
) -> None:
    """A language is named by its catalogue's tag where there is one, else by the KB's."""
    assert WrittenLanguage(trilingual_kb).spoken() == {"en": "en", "pt": PT, "fr": "fr-FR"}


def test_three_languages_in_one_conversation_get_three_languages_of_answers(
    trilingual_kb: KnowledgeBase, memory: MemoryDatabase, clock: FakeClock
) -> None:
    chat = Chat(Engine(Settings(), trilingual_kb, memory.unit_of_work, clock), clock)

    english = chat.say("my vpn won't connect").answer()
    portuguese = chat.say("a impressora não imprime nada").answer()
    french = chat.say("je n'arrive pas à me connecter au vpn").answer()

    assert (english.article.id, english.locale) == ("vpn-cannot-connect", "en")
    assert (portuguese.article.id, portuguese.locale) == ("printer-not-printing-pt", PT)
    # French articles first; the bot's own words in the desk's language, having no French.
    assert (french.article.id, french.locale) == ("vpn-cannot-connect-fr", "en")
    assert stored(memory) == ("fr-FR", "written")

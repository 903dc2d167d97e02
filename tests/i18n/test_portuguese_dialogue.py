"""A Portuguese speaker from question to answer or ticket to rating, on the engine: every
word the bot writes to them is Portuguese; the agents keep the desk's English."""

from __future__ import annotations

from bot.actions import (
    AnswerArticle,
    AskRating,
    OfferArticles,
    PostTicketCard,
    Refuse,
    RelayToRequester,
    Reply,
)
from bot.conversation.engine import Engine
from bot.events import MessageReceived, Person, Place
from bot.i18n.messages import say
from bot.settings import Settings
from kb import KnowledgeBase, Match
from storage.db import Database
from tests.i18n.english import english_in
from tests.sla.conftest import Desk
from tests.support.chat import BotTurn, Chat, FakeClock

PT = "pt-BR"


def seen_by_requester(chat: Chat) -> list[str]:
    """Every text and button label that reached the requester's conversation so far."""
    place = chat.place(chat.requester)
    shown: list[str] = []
    for turn in chat.history:
        here = BotTurn(turn.shown_in(place))
        shown += [t for t in here.texts() if not _agents_words(turn, t)]
        shown += [b.label for b in here.buttons()]
    return shown


def _agents_words(turn: BotTurn, text: str) -> bool:
    """What an agent typed is relayed as written; it is not the bot's to translate."""
    return any(r.text == text for r in turn.of(RelayToRequester))


def test_a_question_is_answered_in_portuguese_and_marked_solved(chat: Chat) -> None:
    bot = chat.say("nao consigo acessar a vpn", locale=PT)

    answer = bot.answer()
    assert answer.article.id == "vpn-cannot-connect-pt" and answer.locale == PT
    assert answer.text == say("answer.ask_solved", PT)
    assert [b.label for b in answer.buttons] == ["Resolvido", "Ainda preciso de ajuda"]
    assert "Que bom que ajudou" in chat.press("Resolvido").text()
    assert english_in(seen_by_requester(chat)) == []


def first_article(bot: BotTurn) -> str:
    """The article answered with, or the first one offered."""
    answers, offers = bot.of(AnswerArticle), bot.of(OfferArticles)
    return answers[0].article.id if answers else offers[0].articles[0].id


def test_missing_accents_and_slips_still_find_the_portuguese_article(chat: Chat) -> None:
    assert chat.say("senha expirou", locale=PT).answer().article.id == "password-reset-pt"
    assert chat.say("não consigo acessar a vpn", locale=PT).answer().article.id == (
        "vpn-cannot-connect-pt"
    )
    assert first_article(chat.say("nao consigo acesar a vpn", locale=PT)) == (
        "vpn-cannot-connect-pt"
    )
    assert first_article(chat.say("minha senah expirou", locale=PT)) == "password-reset-pt"


def test_a_ticket_in_portuguese_from_still_need_help_to_rating_and_comment(
    chat: Chat,
) -> None:
    chat.say("a vpn cai toda hora", locale=PT)
    opened = chat.press("Ainda preciso de ajuda")
    assert "abri o chamado T-1" in opened.text()
    card = opened.one(PostTicketCard).ticket
    assert card.locale == PT

    claimed = chat.command("claim T-1", who="alice")
    assert "Alice, da equipe Service desk, está cuidando do seu chamado T-1." in [
        r.text for r in claimed.of(Reply)
    ]
    assert "You claimed T-1." in claimed.text()  # the agent reads the desk's English
    chat.command("reply T-1 Tente atualizar o cliente de VPN", who="alice")
    chat.say("atualizei e continua caindo")
    resolved = chat.command("resolve T-1 Trocamos o roteador do seu andar", who="alice")

    rating = resolved.one(AskRating)
    assert rating.text == say("ticket.resolved_ask_rating", PT, key="T-1")
    assert [b.label for b in rating.buttons] == ["1", "2", "3", "4", "5", "Reabrir"]
    assert "T-1 is resolved; the requester was asked for a rating." in resolved.text()
    thanks = chat.press("5")
    assert [b.label for b in thanks.buttons()] == ["Pular"]
    assert "seu comentário foi adicionado" in chat.say("resolveu, obrigado").text()
    assert english_in(seen_by_requester(chat)) == []


def test_an_article_only_in_english_is_offered_and_said_to_be_in_english(chat: Chat) -> None:
    bot = chat.say("meu monitor fica preto na docking station", locale=PT)

    answer = bot.answer()
    assert answer.article.id == "monitor-docking-station" and answer.article.locale == "en"
    assert answer.text.startswith("(Este artigo está em inglês.) Isso resolveu")
    assert [b.label for b in answer.buttons] == ["Resolvido", "Ainda preciso de ajuda"]


def test_a_confident_english_answer_beats_loose_portuguese_suggestions(chat: Chat) -> None:
    """Asked in English by someone who chose Portuguese: Portuguese VPN articles only come
    close, the English one answers."""
    chat.command("idioma pt-BR")
    answer = chat.say("my vpn won't connect").answer()
    assert answer.article.id == "vpn-cannot-connect"
    assert answer.text == f"(Este artigo está em inglês.) {say('answer.ask_solved', PT)}"


def test_language_command_outranks_the_platform_until_auto(chat: Chat) -> None:
    assert chat.say("hi", locale="en-US").text() == say("smalltalk.greeting")

    chosen = chat.command("idioma pt-BR")
    assert (
        chosen.text()
        == "Combinado, a partir de agora vou escrever para você em português (Brasil)."
    )
    assert chat.say("hello", locale="en-US").text() == say("smalltalk.greeting", PT)

    unknown = chat.command("language klingon")
    assert unknown.refusal() == "Ainda não sei escrever em klingon. Sei escrever em: en, pt-BR."

    chat.command("language auto")
    assert chat.say("hello", locale="en-US").text() == say("smalltalk.greeting")


def test_help_tells_how_to_change_the_language(chat: Chat) -> None:
    chat.say("oi", locale=PT)
    assert "/language CÓDIGO muda o meu idioma" in chat.command("help").text()


def test_sla_nudge_and_auto_resolve_speak_portuguese_and_reminders_english(desk: Desk) -> None:
    desk.chat.say("oi", locale=PT)
    desk.open("a impressora do terceiro andar não imprime")
    desk.at("2026-03-02 11:00")  # 50 % of the 4-hour first response target
    reminder = desk.sweep().text()
    assert "still unclaimed" in reminder

    desk.chat.command("reply T-1 Pode testar de novo?", who="alice")
    desk.at("2026-03-03 11:00")
    nudge = desk.sweep().one(Reply)
    assert nudge.locale == PT
    assert nudge.text.startswith("O chamado T-1 foi resolvido?")
    assert "em quinta-feira, 5 de março às 11:00 (UTC)" in nudge.text
    desk.at("2026-03-05 11:00")
    rating = desk.sweep().one(AskRating)
    assert rating.text.startswith("Não tive retorno sobre o chamado T-1")
    assert rating.buttons[-1].label == "Reabrir"
    assert english_in([nudge.text, rating.text, *(b.label for b in rating.buttons)]) == []


class FailingKnowledgeBase(KnowledgeBase):
    """Matching that fails like a bug would."""

    def rank(self, query: str, **_: object) -> list[Match]:
        raise RuntimeError("matching blew up")


def test_an_internal_error_is_apologised_for_in_the_persons_language(
    database: Database, clock: FakeClock
) -> None:
    """Handling failed, so there is no turn: the apology uses the platform's locale."""
    engine = Engine(Settings(), FailingKnowledgeBase.build([]), database.unit_of_work, clock)
    person = Person("console", "you", locale="pt-BR")
    event = MessageReceived(person, Place("console", "main"), "a impressora sumiu", "m1")

    (failed,) = engine.handle(event)

    assert isinstance(failed.action, Refuse)
    assert failed.action.reason == say("error.internal", PT)

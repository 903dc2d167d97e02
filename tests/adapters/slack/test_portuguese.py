"""A Portuguese-speaking employee on Slack, end to end through the fake: Slack's users.info
says pt-BR, so every word the bot writes to her is Portuguese; agents keep English."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n.messages import say
from tests.adapters.slack.harness import ALICE, CAROL, DAN, TRIAGE_1, SlackBot
from tests.i18n.english import english_in
from tests.support.slack_messages import all_text

JSON = dict[str, Any]


def shown_in(bot: SlackBot, channel: str) -> list[str]:
    """Every message and private note the bot sent to ``channel``, and its buttons' labels."""
    texts: list[str] = []
    for method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
        for call in bot.fake.calls(method):
            if call.params.get("channel") != channel:
                continue
            texts.append(all_text(call.params))
            texts += [label for label in labels(call.params.get("blocks"))]
    return texts


def labels(blocks: str | list[JSON] | None) -> list[str]:
    parsed: list[JSON] = json.loads(blocks) if isinstance(blocks, str) else blocks or []
    return [
        str(element["text"]["text"])
        for block in parsed
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("type") == "button"
    ]


def test_a_portuguese_employee_goes_from_question_to_ticket_to_rating(
    socket_bot: SlackBot,
) -> None:
    bot = socket_bot
    dm = bot.dm(CAROL)
    bot.say(CAROL, "nao consigo acessar a vpn", dm)
    answer = bot.posted(dm, say("answer.ask_solved", "pt-BR"))
    assert "A VPN não conecta" in all_text(answer)
    assert labels(answer["blocks"]) == [
        "Resolvido",
        "Ainda preciso de ajuda",
        "Ver resposta completa",
    ]

    bot.press(CAROL, answer, "Ver resposta completa")
    opened = bot.fake.wait_for_call("views.open", ok=True)
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert (view["title"]["text"], view["close"]["text"]) == ("Resposta", "Fechar")

    bot.press(CAROL, answer, "Ainda preciso de ajuda")
    bot.posted(dm, "abri o chamado T-1 para você")
    card = bot.posted(TRIAGE_1, "T-1")
    assert "*Language*\\nPortuguese (Brazil) · pt-BR" in repr(card["blocks"])
    bot.cards("T-1")

    bot.press(ALICE, card, "Claim")
    bot.posted(dm, "da equipe Service desk, está cuidando do seu chamado T-1")
    card = bot.updated(TRIAGE_1, card["ts"], f"<@{ALICE}>")
    bot.say(ALICE, "Atualize o cliente de VPN, por favor", TRIAGE_1, thread_ts=card["ts"])
    bot.posted(dm, "Atualize o cliente de VPN")
    bot.press(ALICE, card, "Resolve")
    rating = bot.posted(dm, "foi marcado como resolvido")
    assert labels(rating["blocks"]) == ["1", "2", "3", "4", "5", "Reabrir"]
    bot.press(CAROL, rating, "5")
    bot.posted(dm, "Obrigado por avaliar o T-1 com 5/5", thread_ts=rating["thread_ts"])
    bot.say(CAROL, "funcionou, obrigada", dm, thread_ts=rating["thread_ts"])  # the ticket's
    bot.posted(dm, "seu comentário foi adicionado ao T-1")

    assert english_in(shown_in(bot, dm)) == []
    assert "You claimed T-1." not in repr(shown_in(bot, dm))


def test_the_slash_command_answers_in_the_language_slack_gave(socket_bot: SlackBot) -> None:
    bot = socket_bot
    bot.say(CAROL, "oi", bot.dm(CAROL))  # Slack told the bot Carol's locale
    bot.posted(bot.dm(CAROL), say("smalltalk.greeting", "pt-BR"))

    bot.command(CAROL, "help", "C0GENERAL")
    bot.posted(bot.dm(CAROL), "/tier0 language CÓDIGO muda o meu idioma")  # Slack's own syntax

    bot.command(CAROL, "idioma en", "C0GENERAL")

    bot.posted(bot.dm(CAROL), "I'll write to you in English from now on")
    bot.say(CAROL, "oi", bot.dm(CAROL))
    bot.posted(bot.dm(CAROL), say("smalltalk.greeting"))


def test_portuguese_from_an_employee_whose_slack_is_in_english_is_answered_in_portuguese(
    socket_bot: SlackBot,
) -> None:
    bot = socket_bot
    dm = bot.dm(DAN)  # users.info says en-US
    bot.say(DAN, "a impressora não imprime nada", dm)

    answer = bot.posted(dm, say("answer.ask_solved", "pt-BR"))
    assert "A impressora não imprime" in all_text(answer)
    assert labels(answer["blocks"])[:2] == ["Resolvido", "Ainda preciso de ajuda"]
    bot.say(DAN, "help", dm)  # one word: the language he wrote in last
    bot.posted(dm, "Com o que você precisa de ajuda?")
    assert english_in(shown_in(bot, dm)) == []

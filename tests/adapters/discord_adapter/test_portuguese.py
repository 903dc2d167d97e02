"""A Portuguese-speaking customer on Discord, end to end through the fake: their Discord
client's locale is pt-BR, so every word the bot writes to them is Portuguese, from the
answer to the rating form; staff keep the desk's English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.adapters.discord_adapter.conftest import (
    RunningAdapter,
    command_answer,
    custom_ids,
    followup,
    posted,
    text_of,
)
from tests.fakes.discord_server import FakeDiscord
from tests.i18n.english import english_in

StartBot = Callable[..., RunningAdapter]
PT = "pt-BR"
WORDS = frozenset({"content", "title", "description", "label", "placeholder", "text", "name"})


def words(body: Any) -> list[str]:
    """Every piece of text a person can read in a request body (labels, titles, embeds)."""
    if isinstance(body, dict):
        found = [str(v) for k, v in body.items() if k in WORDS and isinstance(v, str)]
        return found + [w for value in body.values() for w in words(value)]
    if isinstance(body, list):
        return [w for item in body for w in words(item)]
    return []


def seen_by(fake: FakeDiscord, channel: int, tokens: set[str]) -> list[str]:
    """What the bot showed in ``channel`` and answered to the interactions with ``tokens``."""
    seen: list[str] = []
    for request in fake.requests:
        mine = request.path == f"/channels/{channel}/messages" or any(
            f"/{token}" in request.path for token in tokens
        )
        if mine and request.method in ("POST", "PATCH") and request.json:
            seen += words(request.json)
    return seen


def test_a_portuguese_customer_goes_from_question_to_ticket_to_rating(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    tokens: set[str] = set()

    def alice(sent: dict[str, Any]) -> None:
        tokens.add(str(sent["token"]))

    alice(
        fake.send_command(
            "support",
            user="alice",
            channel="support",
            options={"question": "o login da minha conta nao funciona"},
            locale=PT,
        )
    )
    answer = command_answer(fake, "Isso resolveu o seu problema?")
    assert "Não consigo entrar na minha conta" in text_of(answer.json)
    assert words(answer.json["components"]) == ["Resolvido", "Ainda preciso de ajuda"]

    still = next(c for c in custom_ids(answer.json) if c.startswith("tier0:still_need_help:"))
    alice(fake.send_component(still, user="alice", message=answer.response, locale=PT))
    support = fake.channel_id("support")
    created = fake.wait_for_request(
        "POST", rf"/channels/{support}/threads", lambda r: r.status == 201
    )
    thread = int(created.response["id"])
    posted(fake, thread, "**Chamado T-1** · prioridade normal")
    card = posted(fake, "triage-1", "Language: Portuguese (Brazil) · pt-BR").response
    card_thread = int(
        fake.wait_for_request("POST", rf"/channels/\d+/messages/{card['id']}/threads").response[
            "id"
        ]
    )

    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    assert followup(fake, "You claimed T-1")  # staff read English
    posted(fake, thread, "Bob, da equipe Service desk, está cuidando do seu chamado T-1.")
    fake.send_message(card_thread, "bob", "Tente entrar pelo navegador")
    posted(fake, thread, "**Bob** (equipe de suporte): Tente entrar pelo navegador")
    fake.send_message(thread, "alice", "pelo navegador funcionou")
    posted(fake, card_thread, "pelo navegador funcionou")

    fake.send_component("tier0:resolve:T-1", user="bob", message=int(card["id"]))
    rating = posted(fake, thread, "foi marcado como resolvido")
    assert words(rating.json["components"]) == ["1", "2", "3", "4", "5", "Reabrir"]
    alice(fake.send_component("tier0:rate:T-1:5", user="alice", message=rating.response, locale=PT))
    thanks = followup(fake, "Obrigado por avaliar o T-1 com 5/5")
    assert words(thanks.json["components"]) == ["Adicionar comentário", "Pular"]
    alice(
        fake.send_component("tier0:comment:T-1", user="alice", message=rating.response, locale=PT)
    )
    form = fake.wait_for_request(
        "POST", r"/interactions/\d+/[^/]+/callback", lambda r: r.json["type"] == 9
    )
    assert form.json["data"]["title"] == "Comentário sobre T-1"
    assert "Quer acrescentar algo?" in words(form.json)
    alice(
        fake.send_modal_submit(
            "tier0:comment:T-1", {"text": "rápido!"}, user="alice", channel=thread, locale=PT
        )
    )
    followup(fake, "seu comentário foi adicionado ao T-1")

    shown = seen_by(fake, thread, tokens) + seen_by(fake, support, tokens)
    assert len(shown) > 10
    assert english_in(shown) == []


def test_a_portuguese_question_from_an_english_discord_client_is_answered_in_portuguese(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    """The client says en-US on every interaction; the question, then the press, are in
    the language the customer wrote in."""
    start_bot()
    fake.send_command(
        "support",
        user="alice",
        channel="support",
        options={"question": "esqueci minha senha do e-mail"},
    )
    answer = command_answer(fake, "Isso resolveu o seu problema?")
    assert "Redefinir a senha da sua conta" in text_of(answer.json)

    still = next(c for c in custom_ids(answer.json) if c.startswith("tier0:still_need_help:"))
    fake.send_component(still, user="alice", message=answer.response)
    posted(fake, "triage-1", "Language: Portuguese (Brazil) · pt-BR")


def test_slash_commands_are_described_in_the_language_of_each_discord_client(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    synced = fake.wait_for_request("PUT", r"/applications/\d+/guilds/\d+/commands")
    commands = {command["name"]: command for command in synced.json}

    support = commands["support"]
    assert support["description"] == "Ask support a question"
    assert support["description_localizations"] == {"pt-BR": "Fazer uma pergunta ao suporte"}
    (question,) = support["options"]
    assert question["description_localizations"]["pt-BR"].startswith("Em que podemos ajudar?")
    assert commands["language"]["description_localizations"]["pt-BR"] == (
        "O idioma em que o bot escreve para você"
    )
    assert not commands["claim"].get("description_localizations")  # staff: the desk's words

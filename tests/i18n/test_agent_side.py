"""The agents' side speaks the help desk's language (default_locale): a Brazilian desk's
cards, command replies and reminders are in Portuguese, whatever the requester speaks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.discord_adapter import render as discord_render
from adapters.slack import render as slack_render
from bot.actions import PostTicketCard, TicketView
from bot.attempts import Attempt
from bot.conversation.engine import Engine
from bot.events import Person, Place
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database
from tests.i18n.english import english_in
from tests.support.chat import Chat, FakeClock

REQUESTER = Person("slack", "U0DAN", "Dan", "en-US")


def card(**changes: object) -> TicketView:
    view = TicketView(
        key="T-9",
        status="open",
        tier=1,
        tier_name="Service desk",
        priority="normal",
        subject="printer jammed",
        requester=REQUESTER,
        place=Place("slack", "D1"),
        assignee=None,
        created_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        first_response_due_at=datetime(2026, 3, 2, 13, tzinfo=UTC),
        breached=("resolution",),
        locale="en",
    )
    return TicketView(**{**view.__dict__, **changes})


def test_a_slack_card_is_in_the_desks_language_and_names_the_requesters() -> None:
    context = slack_render.Context(
        priorities=("normal",), triage_channels={1: "C1"}, locale="pt-BR"
    )
    (call,) = slack_render.render(PostTicketCard(card()), context)
    text = repr(call.args["blocks"])
    for words in ("*Solicitante*", "*Idioma*\\ninglês · en", "_sem responsável_", "Assumir"):
        assert words in text
    assert "primeira resposta até" in text and "prazo perdido: resolução" in text
    assert english_in([text]) == []


def test_a_discord_card_is_in_the_desks_language() -> None:
    spec = discord_render.card(
        card(), "new ticket", card_tier=1, top_tier=2, priorities=["normal"], locale="pt-BR"
    )
    (embed,) = spec.embeds
    assert [f.name for f in embed.fields] == [
        "Situação",
        "Nível",
        "Prioridade",
        "Solicitante",
        "Idioma",
        "Responsável",
        "O bot tentou",
        "Última mudança",
    ]
    labels = [c.label for row in spec.rows for c in row if isinstance(c, discord_render.ButtonSpec)]
    assert labels == ["Assumir", "Escalar", "Resolver"]


TRIED = (Attempt("printer-jam", "Clear a paper jam", 0.74, "answered", "did_not_help"),)


def test_what_the_bot_tried_is_told_in_the_desks_language_on_both_cards() -> None:
    context = slack_render.Context(triage_channels={1: "C1"}, locale="pt-BR")
    (call,) = slack_render.render(PostTicketCard(card(attempts=TRIED)), context)
    (embed,) = discord_render.card(
        card(attempts=TRIED), "", card_tier=1, top_tier=2, priorities=[], locale="pt-BR"
    ).embeds
    line = "Clear a paper jam (printer-jam) · 74% de certeza · enviado como resposta: não ajudou"

    assert f"*O bot tentou*\\n• {line}" in repr(call.args["blocks"])
    assert embed.fields[6].value == f"• {line}"


@pytest.fixture
def brazilian_desk(database: Database, sample_kb: KnowledgeBase, clock: FakeClock) -> Chat:
    return Chat(
        Engine(Settings(default_locale="pt-BR"), sample_kb, database.unit_of_work, clock), clock
    )


def test_a_brazilian_desk_answers_agents_in_portuguese_and_english_requesters_in_english(
    brazilian_desk: Chat,
) -> None:
    chat = brazilian_desk
    opened = chat.say("the kitchen tap is leaking", locale="en-US")
    assert "I opened ticket T-1" in opened.text()
    assert opened.one(PostTicketCard).ticket.locale == "en"

    claimed = chat.command("claim T-1", who="alice")
    assert "Você assumiu o T-1." in claimed.text()
    assert "is looking at your ticket T-1" in claimed.text()  # to the requester, in English


def test_a_brazilian_desk_says_in_portuguese_that_no_question_was_given(
    brazilian_desk: Chat,
) -> None:
    card = brazilian_desk.say("talk to a human", locale="en-US").card().ticket

    assert card.subject == "(nenhuma pergunta informada)"

"""Hints at commands are written the way commands are typed on each platform."""

from __future__ import annotations

import pytest

from bot.events import CommandIssued, Person, Place
from tests.support.chat import Chat


@pytest.mark.parametrize(
    ("platform", "typed"), [("slack", "/tier0 reopen T-123"), ("discord", "/reopen T-123")]
)
def test_a_requester_is_told_how_to_type_the_command_here(
    chat: Chat, platform: str, typed: str
) -> None:
    where = Place(platform, "D1")
    event = CommandIssued(Person(platform, "U1", locale="pt-BR"), where, "reopen", (), "e1")

    refusal = chat.send(event).refusal()

    assert refusal == f"Qual chamado? Use {typed} ... ou rode o comando na conversa do chamado."

"""The console in Portuguese: what ``tier0 chat --locale pt-BR`` (or ``/idioma pt-BR``)
shows the requester, with agents played alongside in the desk's English."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsoleChat
from bot.conversation.engine import Engine
from bot.settings import Settings
from kb import KnowledgeBase
from tests.i18n.english import english_in
from tests.support import databases
from tests.support.chat import FakeClock

BUTTON = re.compile(r"\[\d+\] ([^\[\n]+)")


class Session:
    def __init__(self, engine: Engine, locale: str | None) -> None:
        self.out = io.StringIO()
        console = Console(file=self.out, force_terminal=False, width=200)
        self.chat = ConsoleChat(
            engine.handle, engine.outbox.delivered, Settings(), console, locale=locale
        )

    def type(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            assert self.chat.feed(line)
        return self.out.getvalue()[start:]

    def requester_saw(self) -> list[str]:
        """The requester's conversation: its lines, and each offered button's label."""
        blocks = re.split(r"\n(?=\[)", self.out.getvalue())
        mine = [block for block in blocks if block.startswith("[main] bot:")]
        return mine + [label.strip() for block in mine for label in BUTTON.findall(block)]


@pytest.fixture
def engine(sample_kb: KnowledgeBase, tmp_path: Path, _sqlite_template: Path) -> Iterator[Engine]:
    database = databases.sqlite_database(_sqlite_template, tmp_path)
    yield Engine(Settings(), sample_kb, database.unit_of_work, FakeClock())
    database.close()


def test_from_question_to_rating_in_portuguese(engine: Engine) -> None:
    session = Session(engine, locale="pt-BR")

    answered = session.type("a vpn cai toda hora")
    assert "A VPN cai ou desconecta toda hora" in answered
    assert "[1] Resolvido  [2] Ainda preciso de ajuda" in answered
    opened = session.type("2")
    assert "abri o chamado T-1 para você" in opened
    assert "[agents] T-1 · open · Service desk · normal · unassigned · pt-BR" in opened

    claimed = session.type("/as alice claim T-1")
    assert "[main] bot: alice, da equipe Service desk, está cuidando do seu chamado T-1." in (
        claimed
    )
    assert "[agent:alice] bot: You claimed T-1." in claimed
    session.type("/as alice reply T-1 Atualize o cliente de VPN, por favor")
    rating = session.type("/as alice resolve T-1")
    assert "Que nota você dá para o atendimento?" in rating and "[6] Reabrir" in rating
    assert "Obrigado por avaliar o T-1 com 5/5" in session.type("5")
    assert "seu comentário foi adicionado ao T-1" in session.type("atendimento rápido")

    assert english_in(session.requester_saw()) == []


def test_the_language_command_switches_the_console(engine: Engine) -> None:
    session = Session(engine, locale=None)
    assert "[1] Solved  [2] Still need help" in session.type("my vpn keeps dropping")

    switched = session.type("/idioma pt-BR")
    assert "vou escrever para você em português (Brasil)" in switched
    assert "[1] Resolvido  [2] Ainda preciso de ajuda" in session.type("a vpn cai toda hora")


@pytest.mark.parametrize("locale", [None, "en"])
def test_portuguese_typed_into_any_console_is_answered_in_portuguese(
    engine: Engine, locale: str | None
) -> None:
    """``tier0 chat`` with no ``--locale``, or ``--locale en``: the text decides."""
    session = Session(engine, locale=locale)

    answered = session.type("esqueci minha senha do e-mail")

    assert "Redefinir a senha da sua conta" in answered
    assert "[1] Resolvido  [2] Ainda preciso de ajuda" in answered
    assert "Com o que você precisa de ajuda?" in session.type("help")  # one word: still pt
    assert english_in(session.requester_saw()) == []


def test_english_chosen_on_the_console_stays_english_whatever_is_typed(engine: Engine) -> None:
    session = Session(engine, locale="pt-BR")
    session.type("/language en")

    answered = session.type("esqueci minha senha do e-mail")

    assert "(This article is in Portuguese (Brazil).) Did this solve your problem?" in answered
    assert "[1] Solved  [2] Still need help" in answered

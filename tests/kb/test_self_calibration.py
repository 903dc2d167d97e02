"""A KB without a calibration file learns its confidence from its own phrasings, scored as
chat scores a question: among the articles of the asker's locale. Translations of an
article (which share words like "vpn", "mfa", "zoom") are then no rivals, so adding them
does not make the KB less sure of its answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.articles import load_articles
from kb.search import KnowledgeBase

BILINGUAL = Path(__file__).parent / "fixtures" / "bilingual_kb"

ENGLISH_QUESTIONS = {
    "vpn-reset": "my vpn password expired, how do I reset it",
    "wifi-connect": "the office wifi keeps dropping",
    "mfa-setup": "I got a new phone and need mfa again",
    "outlook-calendar": "give my team access to my outlook calendar",
    "zoom-audio": "zoom mic does not work",
    "slack-notifications": "I get no slack notifications",
    "printer-add": "how do I add a printer",
    "laptop-request": "I need a new laptop",
}
PORTUGUESE_QUESTIONS = {
    "vpn-reset-pt": "minha senha da vpn expirou",
    "wifi-connect-pt": "o wifi do escritório cai toda hora",
    "mfa-setup-pt": "troquei de celular e preciso do mfa",
    "outlook-calendar-pt": "dar acesso ao meu calendário do outlook para a equipe",
    "zoom-audio-pt": "o microfone do zoom não funciona",
    "slack-notifications-pt": "não recebo notificações do slack",
    "printer-add-pt": "como adiciono uma impressora",
    "laptop-request-pt": "preciso de um notebook novo",
}


def build(*folders: str) -> KnowledgeBase:
    loaded = load_articles([BILINGUAL / folder for folder in folders])
    assert loaded.errors == ()
    return KnowledgeBase.build(loaded.articles)


@pytest.fixture(scope="module")
def bilingual() -> KnowledgeBase:
    return build("en", "pt-BR")


def confidence_in(kb: KnowledgeBase, question: str, article_id: str, locale: str) -> float:
    """The confidence chat would give ``article_id`` for a requester speaking ``locale``."""
    matches = kb.rank(question, locales=[locale], limit=8)
    return next((m.confidence for m in matches if m.article.id == article_id), 0.0)


@pytest.mark.parametrize(
    ("questions", "own_folder", "locale"),
    [(ENGLISH_QUESTIONS, "en", "en"), (PORTUGUESE_QUESTIONS, "pt-BR", "pt-BR")],
    ids=["english", "portuguese"],
)
def test_translations_do_not_lower_confidence_in_the_askers_language(
    bilingual: KnowledgeBase, questions: dict[str, str], own_folder: str, locale: str
) -> None:
    monolingual = build(own_folder)
    lost = [
        confidence_in(monolingual, q, a, locale) - confidence_in(bilingual, q, a, locale)
        for a, q in questions.items()
    ]
    # Scored against all articles while learning, an English phrasing meets its Portuguese
    # twin, the model learns to distrust high scores, and an answer drops from 0.99 to 0.54.
    # Each KB learns from its own random folds, so the two never agree to the last digit.
    assert sum(lost) / len(lost) < 0.05
    assert max(lost) < 0.2


def test_the_right_article_in_the_askers_language_is_answered(bilingual: KnowledgeBase) -> None:
    for article_id, question in ENGLISH_QUESTIONS.items():
        best = bilingual.rank(question, locales=["en"], limit=1)[0]
        assert best.article.id == article_id
        assert best.confidence >= 0.35, question

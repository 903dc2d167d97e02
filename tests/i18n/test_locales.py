"""Locale tags as platforms spell them, mapped to the languages tier0 speaks."""

from __future__ import annotations

import pytest

from bot.i18n.catalogues import language_name, supported_locale
from bot.i18n.messages import pick_locale, say


@pytest.mark.parametrize(
    ("tag", "shipped"),
    [
        ("pt-BR", "pt-BR"),  # Slack's and Discord's spelling
        ("pt_BR", "pt-BR"),  # gettext's
        ("pt-br", "pt-BR"),
        ("PT", "pt-BR"),  # Portuguese without a region: the only Portuguese there is
        ("pt-PT", "pt-BR"),  # another region of a language tier0 speaks
        ("pt_BR.UTF-8", "pt-BR"),  # a POSIX locale
        ("en-US", "en"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("fr-FR", None),
        ("klingon", None),
        ("", None),
        (None, None),
    ],
)
def test_tags_are_mapped_to_a_shipped_catalogue(tag: str | None, shipped: str | None) -> None:
    assert supported_locale(tag) == shipped


def test_a_language_tier0_does_not_speak_falls_back_to_the_desks() -> None:
    assert pick_locale("fr-FR", "pt-BR") == "pt-BR"
    assert pick_locale("fr-FR", "en") == "en"
    assert pick_locale(None, "pt_BR") == "pt-BR"
    assert pick_locale("pt", "en") == "pt-BR"
    assert pick_locale("de", "fr") == "en"  # neither: the source language


def test_say_falls_back_to_english_and_refuses_unknown_ids() -> None:
    assert say("button.solved", "pt-BR") == "Resolvido"
    assert say("button.solved", "fr") == say("button.solved") == "Solved"
    with pytest.raises(KeyError):
        say("no.such.message", "pt-BR")


def test_languages_are_named_in_the_readers_language() -> None:
    assert language_name("pt-BR", "en") == "Portuguese (Brazil)"
    assert language_name("en", "pt-BR") == "inglês"

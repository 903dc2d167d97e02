"""Spotting English in what a Portuguese speaker was shown.

The English catalogue is the list of everything tier0 can say in English; a text that
holds one of its sentences (or a whole short message such as a button's "Solved") is
English the requester met. Sentences the Portuguese catalogue shares are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from string import Formatter

from bot.i18n.catalogues import SOURCE_LOCALE, languages

__all__ = ["english_in"]

SENTENCE = 12
"""Literal pieces at least this long are sentences; shorter messages must match whole."""


def _strings(language: str) -> list[str]:
    found: list[str] = []
    for message in languages()[language].catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        found.extend(str(form) for form in forms)
    return found


@cache
def _english() -> tuple[frozenset[str], frozenset[str]]:
    portuguese = "\n".join(_strings("pt-BR"))
    sentences: set[str] = set()
    words: set[str] = set()
    for text in _strings(SOURCE_LOCALE):
        literals = [literal for literal, *_ in Formatter().parse(text) if literal]
        if len(literals) == 1 and len(text) < SENTENCE:
            words.add(text.strip())
        for literal in literals:
            for piece in re.split(r"[\n*]", literal):
                piece = piece.strip()
                if len(piece) >= SENTENCE and piece not in portuguese:
                    sentences.add(piece)
    return frozenset(sentences), frozenset(words) - set(_strings("pt-BR"))


def english_in(texts: Iterable[str]) -> list[str]:
    """The English catalogue sentences (or whole short messages) found in ``texts``."""
    sentences, words = _english()
    found: list[str] = []
    for text in texts:
        found += [s for s in sentences if s in text]
        found += [text] if text.strip() in words else []
    return found

"""Which of a help desk's languages a question is written in, when the text says so clearly.

The detector is py3langid (a naive Bayes classifier over byte n-grams, langid.py's model
retrained on 139 languages). It ranks the desk's own languages together with widely
written others (:data:`COMMON`), so a Spanish question is recognised as Spanish rather
than taken for the Portuguese it is closest to among a desk's two languages. Ranking all
139 would not do: the rare neighbours (Galician, Occitan, Ladino...) take short
Portuguese questions for theirs. A language counts as detected only when it ranks first
overall and clearly outweighs the desk's other languages (:data:`CONFIDENT`), and only for
a text of at least two words: one word ("help", "vpn", "ok") says nothing reliable.
``bench/language.py`` measures it on the evaluation questions.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from functools import cache, lru_cache
from typing import Final

from py3langid.langid import MODEL_FILE, LanguageIdentifier

__all__ = ["COMMON", "CONFIDENT", "MIN_WORDS", "detect_language", "language_of_tag"]

# fmt: off
COMMON: Final = frozenset({
    "ar", "cs", "de", "en", "es", "fa", "fr", "hi", "id", "it", "ja",
    "ko", "nl", "pl", "pt", "ro", "ru", "sv", "tr", "uk", "vi", "zh",
})
# fmt: on
"""Languages every detection weighs besides the desk's own (ISO 639-1): the most written
on the web, so a question in one of them is not mistaken for a language the desk speaks."""

CONFIDENT: Final = 0.8
"""The share of the desk's languages' probability the first must have: four times the
others together. Below it ("zoom camera", "my senha expired") the text is ambiguous."""

MIN_WORDS: Final = 2

_WORD: Final = re.compile(r"[^\W\d_]+")


def detect_language(text: str, spoken: Collection[str]) -> str | None:
    """The language of ``text`` (ISO 639-1, ``pt``) when it is one of ``spoken`` and the
    text is clear about it; None for a single word, an ambiguous text, or a language the
    desk does not speak (the caller then keeps the language it had)."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    known = frozenset(spoken) & _labels()
    if not known:
        return None
    ranked = _identifier(COMMON | known).rank(text)
    first = ranked[0][0]
    if first not in known:
        return None
    weights = [probability for language, probability in ranked if language in known]
    return first if weights[0] >= CONFIDENT * sum(weights) else None


def language_of_tag(tag: str) -> str:
    """The language subtag of a BCP 47 tag, as the detector names it: ``pt-BR`` -> ``pt``."""
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()


@cache
def _model() -> LanguageIdentifier:
    """The shipped model, read once (about half a second, some 80 MB resident)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@cache
def _labels() -> frozenset[str]:
    return frozenset(_model().labels)


@lru_cache(maxsize=8)
def _identifier(languages: frozenset[str]) -> LanguageIdentifier:
    """The model restricted to ``languages``; it shares the model's tables, so a desk
    whose languages change (a KB reload) costs only the narrowed copy."""
    restricted = copy.copy(_model())
    restricted.set_languages(sorted(languages))
    return restricted

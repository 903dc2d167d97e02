"""Which of a help desk's languages a question is written in, when the text says so clearly.

The detector is py3langid (a naive Bayes classifier over byte n-grams, langid.py's model
retrained on 139 languages). It ranks the desk's own languages together with widely
written others (:data:`COMMON`), so a Spanish question is recognised as Spanish rather
than taken for the Portuguese it is closest to among a desk's two languages. Ranking all
139 would not do: the rare neighbours (Galician, Occitan, Ladino...) take short
Portuguese questions for theirs. A language counts as detected only when it ranks first
overall, clearly outweighs the desk's other languages (:data:`CONFIDENT`) and outweighs
the runner-up, whichever language that is (:data:`MARGIN`), and only for a text of at
least two words: one word ("help", "vpn", "ok") says nothing reliable.

The model's features are byte n-grams that include the spaces around words, so the first
and last words of a text, which have no space on their outer side, weigh little: "la"
opening "la impresora no funciona" says nothing for Spanish, and the text, read as
written, ranks Portuguese first. So the text is read twice, as written and with a space on
each side, and a language is named only when both readings name it: a short question whose
language hinges on its edges is not clear. ``bench/language.py`` measures it on the
evaluation questions and on questions in languages the desk does not speak.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from functools import cache, lru_cache
from typing import Final

from py3langid.langid import MODEL_FILE, LanguageIdentifier

__all__ = ["COMMON", "CONFIDENT", "MARGIN", "MIN_WORDS", "detect_language", "language_of_tag"]

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

MARGIN: Final = 1.25
"""How many times the runner-up's probability, among all the ranked languages, the first
must have. A language the desk does not speak can rank a close second ("mi teclado no
funciona": Portuguese 0.53, Spanish 0.47): then the text is not clear about either."""

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
    identifier = _identifier(COMMON | known)
    as_written = _clear(identifier.rank(text), known)
    return as_written if as_written == _clear(identifier.rank(f" {text} "), known) else None


def _clear(ranked: list[tuple[str, float]], known: frozenset[str]) -> str | None:
    """The first of ``ranked`` when it is a desk language that outweighs the desk's others
    (:data:`CONFIDENT`) and the runner-up (:data:`MARGIN`)."""
    (first, top), (_, runner_up) = ranked[0], ranked[1]
    if first not in known or top < MARGIN * runner_up:
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

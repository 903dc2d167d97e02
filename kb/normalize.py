"""Text normalisation shared by every scorer, so that spelling variants meet.

People type "Wi-Fi", "wifi" and "WIFI", or "não consigo" on one keyboard and "nao consigo"
on another. Folding case and accents and joining words split by a hyphen or an apostrophe
makes those the same string before any scorer sees them.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_QUERY_CHARS", "normalize", "tokens"]

MAX_QUERY_CHARS = 1000
"""Longer input is cut before matching: nobody asks a question in 40,000 characters, and
the cost of every scorer grows with the length of the text."""

# Hyphen-minus, apostrophe, right single quote, Unicode hyphen, non-breaking hyphen.
_JOINERS = re.compile("(?<=\\w)[-'\u2019\u2010\u2011](?=\\w)")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces between words."""
    text = text[:MAX_QUERY_CHARS]
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _JOINERS.sub("", text)
    return _NOT_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """The words of already normalised text."""
    return text.split()

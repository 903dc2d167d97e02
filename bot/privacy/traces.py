"""A person's traces: their words as others quoted them, and the record of what was done.

Data of the privacy domain, apart from its services (``bot.privacy.personal_data``), so
that storage can find and redact copies (``storage.quoted``, ``storage.privacy``) without
importing the services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

__all__ = ["KEPT_DETAIL_KINDS", "REMOVED", "AuditEntry", "Quotes", "Traces"]

REMOVED = "[removed]"
"""What erased or purged text reads as."""

KEPT_DETAIL_KINDS = frozenset(
    {"opened", "claimed", "assigned", "priority", "rated", "sla_reminder", "sla_breached"}
)
"""Ticket-history entries whose detail the bot wrote (a reason code, a rating's number, a
priority change), kept by erasure; every other detail may be words people wrote."""

MIN_QUOTE = 20
"""Shorter fragments ("thanks, it works") are everyone's words: redacting them in what
others wrote would remove theirs, not the person's."""
MIN_ID = 6
"""A platform id or display name shorter than this ("you", "Dan") is not unique enough to
redact wherever it appears in others' words."""

_FRAGMENT_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
_LEADING = re.compile(r"^(?:[>\s]+|/\w+\s+)+")  # a "> " quote mark, a "/new " command
_EDGE_PUNCTUATION = " \t.,;:!?\"'`()[]{}*_~"


class Quotes:
    """Finds a person's words inside what others wrote, to redact them there.

    A copy tier0 makes of someone's words (an agent quoting them in a card thread or a
    note, "Create ticket" on their message, a relay) has the same words in the same order,
    so the person's stored texts are cut into lines and sentences, and each fragment of at
    least ``MIN_QUOTE`` characters is looked for as whole words, in any case, whatever the
    spacing and quote marks around it; their platform id and display name too, as whole
    words, when at least ``MIN_ID`` characters long.

    Limits: a paraphrase, a translation, a typo inside the quote or a quote cut shorter
    than a fragment is not found; words tier0 never stored as theirs (a Slack message the
    bot never saw) cannot be recognised; a sentence others wrote word for word too is
    removed from their text as well (erring on the side of the person erased).
    """

    def __init__(self, texts: Iterable[str], names: Iterable[str] = ()) -> None:
        self._texts, self._names = tuple(texts), tuple(names)
        fragments = {f.casefold(): f for text in self._texts for f in _fragments(text)}
        self.fragments = tuple(sorted(fragments.values(), key=len, reverse=True))
        unique_names = [name for name in dict.fromkeys(self._names) if len(name) >= MIN_ID]
        words = [_words(f) for f in self.fragments] + [re.escape(n) for n in unique_names]
        alternatives = "|".join(words)
        self._pattern = (
            re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if words else None
        )
        longest = (max(f.split(), key=len).strip(_EDGE_PUNCTUATION) for f in self.fragments)
        self.hints = tuple(dict.fromkeys(h for h in [*longest, *unique_names] if h))
        """A distinctive word of each fragment: a row holding none of them quotes nothing,
        so a database can narrow the rows to look at before :meth:`redact` reads them."""

    def naming(self, names: Iterable[str]) -> Quotes:
        """These quotes, and ``names`` looked for as whole words too."""
        return Quotes(self._texts, (*self._names, *names))

    def found_in(self, text: str) -> list[str]:
        """The person's words quoted in ``text``, as written there."""
        if self._pattern is None:
            return []
        return list(dict.fromkeys(m.group(0) for m in self._pattern.finditer(text)))

    def redact(self, text: str) -> str:
        """``text`` with each of the person's words quoted in it replaced by ``REMOVED``."""
        return self._pattern.sub(REMOVED, text) if self._pattern is not None else text


def _fragments(text: str) -> list[str]:
    pieces = (
        _LEADING.sub("", piece).strip(_EDGE_PUNCTUATION) for piece in _FRAGMENT_END.split(text)
    )
    return [piece for piece in pieces if len(piece) >= MIN_QUOTE]


def _words(fragment: str) -> str:
    """The fragment as a pattern: its words in order, any whitespace between them, and
    quote marks where a quoted line was wrapped (``"...twice\n> and shows..."``)."""
    return r"[\s>]+".join(re.escape(word) for word in fragment.split())


@dataclass(frozen=True)
class Traces:
    """What leads to copies of a person's words outside the rows keyed to them: the keys
    of their tickets (learned articles name their source ticket) and their words."""

    ticket_keys: tuple[str, ...]
    quotes: Quotes

    def naming(self, names: Iterable[str]) -> Traces:
        """These traces, with ``names`` (say, the ids of articles made from the person's
        words) also redacted wherever they appear."""
        return replace(self, quotes=self.quotes.naming(names))


@dataclass(frozen=True)
class AuditEntry:
    """One privacy action: ``subject`` is ``user:<internal id>`` or ``transcripts``."""

    action: str
    actor: str
    subject: str
    detail: dict[str, Any]
    at: datetime

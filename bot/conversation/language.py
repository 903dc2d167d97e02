"""Answering a person in the language they write in.

The desk speaks a language when a catalogue speaks it (its bot sentences are translated)
or its KB has articles in it (they can be searched first; the bot's own sentences then
stay in the desk's language). A requester's message clearly written in one of those
becomes the language they are written to in, and stays so for their next messages, the
one-word or unclear ones too, until another clear message says otherwise; a language
they chose with ``/language`` is never overridden (``bot.records.LocaleSource``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.i18n.catalogues import languages
from bot.records import User
from bot.store.conversation import ConversationStore
from kb import Article, KnowledgeBase
from kb.language import detect_language, language_of_tag

__all__ = ["WrittenLanguage"]


class WrittenLanguage:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._spoken: tuple[tuple[Article, ...], Mapping[str, str]] = ((), {})

    def follow(self, store: ConversationStore, user: User, text: str, now: datetime) -> User:
        """``user`` as they are to be written to after writing ``text``: stored in its
        language when the text is clear about one the desk speaks (and they chose none)."""
        if user.locale_source == "chosen":
            return user
        tag = self.tag_of(text)
        if tag is None or (user.locale, user.locale_source) == (tag, "written"):
            return user
        return store.set_locale(user, tag, "written", now)

    def tag_of(self, text: str) -> str | None:
        """The desk's tag for the language ``text`` is clearly written in: a catalogue's
        (``pt-BR``), else the KB's (``fr-FR``); None when unclear or not spoken here."""
        spoken = self.spoken()
        found = detect_language(text, spoken.keys())
        return None if found is None else spoken[found]

    def spoken(self) -> Mapping[str, str]:
        """The desk's languages (``pt``) and their tags, worked out again after a KB reload."""
        articles = self.kb.articles
        seen, spoken = self._spoken
        if seen is not articles:
            in_kb = sorted({a.locale for a in articles}, reverse=True)
            # A later tag wins: a catalogue's over the KB's, then the first in order.
            spoken = {language_of_tag(tag): tag for tag in [*in_kb, *languages()]}
            self._spoken = (articles, spoken)
        return spoken

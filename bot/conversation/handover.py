"""A person asking for a person ("talk to a human", ``/human``, ``/new``): what the ticket
is about, and opening it.

A ticket is about the person's problem, never about the words that asked for a person:
"talk to a human, my printer is on fire" is about the printer; "Hi! Can I speak to
someone please?" is about nothing yet. A question the bot answered or offered articles
for, still awaiting the person's word, is what they want a person for: the ticket is
about it (and anything they add) and carries what the bot tried on it.
"""

from __future__ import annotations

import re
from typing import Final

from bot.records import ConversationState
from bot.tickets.desk import TicketDesk
from bot.turn import Turn
from kb.normalize import normalize

__all__ = ["Handover"]

PENDING: Final[frozenset[ConversationState]] = frozenset({"answered", "choosing"})
"""States in which the conversation's question awaits the person's word."""
_CLAUSE_END: Final = re.compile(r"(?<=[.!?;:,])\s+|\s*\n\s*")
_TRIM: Final = " \t,;:-\u2013\u2014"
# fmt: off
_LEAD_INS: Final = frozenset({
    "i", "im", "me", "my", "we", "can", "could", "may", "might", "would", "like", "want",
    "need", "have", "to", "let", "get", "a", "an", "the", "with", "someone", "somebody",
    "about", "eu", "quero", "queria", "preciso", "gostaria", "de", "com", "um", "uma",
    "algum", "alguem", "poderia", "posso", "speak", "talk", "chat", "falar", "conversar",
})
# fmt: on
"""Words that only lead up to a request for a person: without them, nothing was asked."""


class Handover:
    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk
        settings = desk.settings
        self._phrases = [normalize(p) for p in settings.human_phrases]
        self._openers = sorted((p for p in self._phrases if " " in p), key=len, reverse=True)
        """The phrases that may open a clause with more after them, longest first."""
        small_talk = [
            *settings.greetings,
            *settings.thanks,
            *settings.courtesies,
            *settings.vague_requests,
        ]
        self._small_talk = frozenset(normalize(" ".join(small_talk)).split())

    def asks_for_person(self, text: str) -> bool:
        """ "talk to a human" anywhere, or a bare "agent" / "human" as the whole message
        (courtesies aside: "agent please")."""
        words = normalize(text)
        bare = " ".join(w for w in words.split() if w not in self._small_talk)
        return any(
            phrase in (words, bare) or (" " in phrase and f" {phrase} " in f" {words} ")
            for phrase in self._phrases
        )

    def question_in(self, text: str) -> str:
        """The words of a request for a person that say what it is about: its clauses
        that neither ask for a person nor are small talk ("please", "hi", "thanks"); of a
        clause that opens with the request, what follows it. Empty when nothing does."""
        kept = (self._about(clause) for clause in _CLAUSE_END.split(text.strip()))
        return " ".join(clause for clause in kept if clause).strip(_TRIM)

    def about(self, turn: Turn, words: str) -> str:
        """What a ticket asked for here would be about: the question still awaiting the
        person's word, if there is one, and ``words`` (what they wrote about their problem,
        maybe nothing)."""
        conversation = turn.conversation
        pending = conversation.question if conversation.state in PENDING else None
        return " \u2014 ".join(part for part in (pending, words.strip()) if part)

    def open(self, turn: Turn, words: str, reason: str) -> None:
        """Open a ticket about ``words`` and the question still awaiting their word here."""
        conversation = turn.conversation
        question = self.about(turn, words)
        if conversation.state not in PENDING:
            conversation.question = words.strip() or None
        self.desk.open(turn, question, failed_article_id=None, reason=reason)

    def _about(self, clause: str) -> str:
        """What one clause says about the problem: all of it, what follows the request
        for a person that opens it, or nothing."""
        words = normalize(clause)
        if self._only_small_talk(words):
            return ""
        if not self.asks_for_person(clause):
            return clause
        opener = next((p for p in self._openers if words.startswith(f"{p} ")), None)
        if opener is None:  # "my printer is on fire and I need to talk to a human"
            return "" if self._only_small_talk(self._without_requests(words)) else clause
        rest = _without_lead(_after_words(clause, len(opener.split())))
        return "" if self._only_small_talk(normalize(rest)) else rest

    def _without_requests(self, words: str) -> str:
        """Normalized words with every request for a person taken out, and the words
        that only lead up to one ("can I", "I would like to", "quero")."""
        for phrase in self._phrases:
            words = f" {words} ".replace(f" {phrase} ", " ")
        return " ".join(w for w in words.split() if w not in _LEAD_INS)

    def _only_small_talk(self, words: str) -> bool:
        return set(words.split()) <= self._small_talk


def _without_lead(rest: str) -> str:
    """ "about my laptop" -> "my laptop": what follows a request, without its linking word."""
    first, _, others = rest.partition(" ")
    return others if normalize(first) in ("about", "regarding", "sobre") and others else rest


def _after_words(clause: str, count: int) -> str:
    """``clause`` without its first ``count`` words as ``normalize`` counts them; empty
    when they end inside a piece of text (``human,my``), which cannot be cut cleanly."""
    pieces = clause.split()
    seen = 0
    for index, piece in enumerate(pieces):
        seen += len(normalize(piece).split())
        if seen >= count:
            return " ".join(pieces[index + 1 :]) if seen == count else ""
    return ""

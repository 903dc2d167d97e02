"""What the bot tried on a person's question, and what the person made of each try.

A conversation keeps the attempts of its question while it is unsettled; a ticket opened
from it keeps them for good, so the agent who picks it up knows which articles were
already shown and how each went instead of asking "what did you already try?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

__all__ = ["Attempt", "Shown", "Verdict", "after_answer", "after_offer", "judged"]

Shown = Literal["answered", "offered", "picked"]
"""How the article was shown: answered with, offered in a list, or picked from that list
by the person (and then answered with)."""
Verdict = Literal["pending", "did_not_help", "none_fit", "not_picked", "asked_for_person"]
"""What became of it: no word yet; "Still need help"; "None of these"; another article of
the list was picked; the person asked for a person (or opened a ticket) instead."""


@dataclass(frozen=True)
class Attempt:
    """One article the bot showed for the question. ``confidence`` is the bot's, 0 to 1
    (None for a ticket opened before attempts were kept: only its article is known)."""

    article_id: str
    title: str
    confidence: float | None
    shown: Shown
    verdict: Verdict = "pending"


def after_answer(
    attempts: tuple[Attempt, ...], article_id: str, title: str, confidence: float
) -> tuple[Attempt, ...]:
    """The bot answered with an article. If the person picked it from the list offered,
    that try becomes the pick (with the confidence it was offered with) and the rest of
    the list was passed over; otherwise it is a new try."""
    if not any(_awaits_pick(a) and a.article_id == article_id for a in attempts):
        return (*attempts, Attempt(article_id, title, confidence, "answered"))
    return tuple(_after_pick(a, article_id) for a in attempts)


def after_offer(
    attempts: tuple[Attempt, ...], articles: Iterable[tuple[str, str, float]]
) -> tuple[Attempt, ...]:
    """The bot offered these articles (id, title, confidence) to choose from."""
    return (*attempts, *(Attempt(i, title, conf, "offered") for i, title, conf in articles))


def judged(attempts: tuple[Attempt, ...], verdict: Verdict) -> tuple[Attempt, ...]:
    """Every try still awaiting the person's word gets ``verdict``."""
    return tuple(replace(a, verdict=verdict) if a.verdict == "pending" else a for a in attempts)


def _awaits_pick(attempt: Attempt) -> bool:
    return attempt.shown == "offered" and attempt.verdict == "pending"


def _after_pick(attempt: Attempt, picked: str) -> Attempt:
    """An offered article once the person picked ``picked`` from the list."""
    if not _awaits_pick(attempt):
        return attempt
    if attempt.article_id == picked:
        return replace(attempt, shown="picked")
    return replace(attempt, verdict="not_picked")

"""Turning ranked matches into what chat does: answer, suggest or escalate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kb.articles import Article

__all__ = ["MAX_SUGGESTIONS", "Decision", "Match", "Thresholds", "chance_listed", "decide"]

Decision = Literal["answer", "suggest", "escalate"]
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Match:
    """An article and the chance it is the right one, as :meth:`KnowledgeBase.rank` gives it."""

    article: Article
    confidence: float


@dataclass(frozen=True)
class Thresholds:
    """Confidence the best article needs to be sent as the answer, and the confidence
    the (up to three) best articles need together to be offered as a short list."""

    answer: float
    suggest: float


def decide(matches: Sequence[Match], thresholds: Thresholds) -> tuple[Decision, list[Match]]:
    """Answer with the best match if confident enough, else offer the best three if they
    likely hold the answer, else escalate.

    Each confidence is the chance that article is the right one, so the three add up to
    (about) the chance the list holds it. That sum, not each article's own confidence,
    decides whether a list is worth the asker's time: three middling guesses for a
    question no article answers are noise, one strong and two weak ones are a fair offer.
    ``matches`` must be best first, as :meth:`KnowledgeBase.rank` returns them.
    """
    if matches and matches[0].confidence >= thresholds.answer:
        return "answer", [matches[0]]
    offered = list(matches[:MAX_SUGGESTIONS])
    if offered and chance_listed(offered) >= thresholds.suggest:
        return "suggest", offered
    return "escalate", []


def chance_listed(offered: Sequence[Match]) -> float:
    """The chance that one of ``offered`` is the right article (their summed
    confidences, which can only estimate it: at most 1)."""
    return min(1.0, sum(m.confidence for m in offered))

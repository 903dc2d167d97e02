"""Turning ranked matches into what chat does: answer, suggest or escalate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kb.search import Match

__all__ = ["MAX_SUGGESTIONS", "Decision", "Thresholds", "decide"]

Decision = Literal["answer", "suggest", "escalate"]
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Thresholds:
    """Confidence needed to send one article as the answer, and to offer a short list."""

    answer: float
    suggest: float

    def __post_init__(self) -> None:
        if self.answer < self.suggest:
            raise ValueError(
                f"answer threshold {self.answer} is below suggest threshold {self.suggest}"
            )


def decide(matches: Sequence[Match], thresholds: Thresholds) -> tuple[Decision, list[Match]]:
    """Answer with the best match if confident enough, else offer up to three, else escalate.

    ``matches`` must be best first, as :meth:`KnowledgeBase.rank` returns them.
    """
    if matches and matches[0].confidence >= thresholds.answer:
        return "answer", [matches[0]]
    offered = [m for m in matches[:MAX_SUGGESTIONS] if m.confidence >= thresholds.suggest]
    if offered:
        return "suggest", offered
    return "escalate", []

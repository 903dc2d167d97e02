from __future__ import annotations

from pathlib import Path

import pytest

from kb.articles import Article
from kb.decision import Thresholds, decide
from kb.search import Match


def match(article_id: str, confidence: float) -> Match:
    article = Article(article_id, article_id, ("q",), (), "all", "en", "", Path("x.md"))
    return Match(article, confidence)


THRESHOLDS = Thresholds(answer=0.7, suggest=0.3)


def test_confident_best_is_the_answer() -> None:
    best = match("a", 0.7)
    assert decide([best, match("b", 0.6)], THRESHOLDS) == ("answer", [best])


def test_middling_matches_are_suggested_at_most_three() -> None:
    ms = [match("a", 0.69), match("b", 0.5), match("c", 0.3), match("d", 0.3)]
    assert decide(ms, THRESHOLDS) == ("suggest", ms[:3])
    likely, unlikely = match("a", 0.5), match("b", 0.29)
    assert decide([likely, unlikely], THRESHOLDS) == ("suggest", [likely])


def test_nothing_good_enough_escalates() -> None:
    assert decide([match("a", 0.29)], THRESHOLDS) == ("escalate", [])
    assert decide([], THRESHOLDS) == ("escalate", [])


def test_answer_threshold_cannot_be_below_suggest() -> None:
    with pytest.raises(ValueError, match="below suggest"):
        Thresholds(answer=0.2, suggest=0.5)

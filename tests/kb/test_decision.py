from __future__ import annotations

from pathlib import Path

from kb.articles import Article
from kb.decision import Match, Thresholds, chance_listed, decide


def match(article_id: str, confidence: float) -> Match:
    article = Article(article_id, article_id, ("q",), (), "all", "en", "", Path("x.md"))
    return Match(article, confidence)


THRESHOLDS = Thresholds(answer=0.7, suggest=0.3)


def test_confident_best_is_the_answer() -> None:
    best = match("a", 0.7)
    assert decide([best, match("b", 0.6)], THRESHOLDS) == ("answer", [best])


def test_the_best_three_are_offered_when_together_they_likely_hold_the_answer() -> None:
    ms = [match("a", 0.2), match("b", 0.1), match("c", 0.05), match("d", 0.04)]
    assert decide(ms, THRESHOLDS) == ("suggest", ms[:3])  # 0.2 + 0.1 + 0.05 >= 0.3
    one = match("a", 0.3)
    assert decide([one], THRESHOLDS) == ("suggest", [one])


def test_the_list_may_be_more_likely_than_any_answer_needs() -> None:
    # a strict list, a lenient answer: two close candidates are offered, not guessed
    strict = Thresholds(answer=0.6, suggest=0.9)
    close = [match("a", 0.55), match("b", 0.4)]
    assert decide(close, strict) == ("suggest", close)
    assert decide([match("a", 0.6), match("b", 0.4)], strict)[0] == "answer"


def test_nothing_likely_enough_escalates() -> None:
    assert decide([match("a", 0.15), match("b", 0.1), match("c", 0.04)], THRESHOLDS) == (
        "escalate",
        [],
    )
    assert decide([], THRESHOLDS) == ("escalate", [])


def test_chance_listed_is_the_summed_confidence_at_most_one() -> None:
    assert chance_listed([match("a", 0.5), match("b", 0.25)]) == 0.75
    assert chance_listed([match("a", 0.7), match("b", 0.6)]) == 1.0

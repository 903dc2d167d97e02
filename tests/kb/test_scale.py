"""The large-KB paths (local one-vs-rest training, sampled confidence folds), exercised on
a small KB by lowering the sizes at which they start."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb.confidence
import kb.linear
from kb.articles import Article
from kb.confidence import ConfidenceModel
from kb.search import KnowledgeBase

TOPICS = {
    "vpn": ["my vpn will not connect", "vpn keeps dropping", "cannot reach vpn server"],
    "printer": ["the printer is jammed", "printer out of toner", "printer prints blank pages"],
    "badge": ["I lost my badge", "need a new access badge", "badge does not open the door"],
    "laptop": ["laptop will not turn on", "laptop battery dies fast", "laptop screen is black"],
    "email": ["cannot send email", "mailbox is full", "email stuck in outbox"],
    "wifi": ["wifi is slow", "cannot join the office wifi", "wifi password please"],
}


def articles() -> list[Article]:
    return [
        Article(name, name.title(), tuple(qs), (), "all", "en", name, Path(f"{name}.md"))
        for name, qs in TOPICS.items()
    ]


def test_local_training_ranks_like_the_full_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    full = KnowledgeBase.build(articles(), learn_confidence=False)
    monkeypatch.setattr(kb.linear, "_FULL_PROBLEM_ARTICLES", 2)
    monkeypatch.setattr(kb.linear, "_HARD_NEGATIVE_ARTICLES", 2)
    monkeypatch.setattr(kb.linear, "_RANDOM_NEGATIVES", 3)
    local = KnowledgeBase.build(articles(), learn_confidence=False)
    for query, expected in [
        ("vpn not connecting", "vpn"),
        ("printer jammed again", "printer"),
        ("lost badge", "badge"),
        ("the office wifi is slow", "wifi"),
    ]:
        assert full.rank(query)[0].article.id == expected
        assert local.rank(query)[0].article.id == expected


def test_large_kbs_learn_confidence_from_sampled_folds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb.confidence, "FOLD_ARTICLES", 4)
    monkeypatch.setattr(kb.confidence, "MIN_EXAMPLES_PER_CLASS", 1)
    built = KnowledgeBase.build(articles())
    assert built.confidence.to_dict() != ConfidenceModel.prior().to_dict()
    assert built.rank("my vpn will not connect")[0].article.id == "vpn"

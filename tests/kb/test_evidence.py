"""The evidence the scorers hand to the confidence model, on a KB small enough to reason about."""

from __future__ import annotations

import numpy as np
import pytest

from kb.index import EVIDENCE, Index

PHRASINGS = {
    0: ["card payment is pending", "why is my card payment still pending"],
    1: ["my transfer failed", "the transfer did not go through"],
    2: ["how do i order a new card", "order a replacement card"],
}


@pytest.fixture(scope="module")
def index() -> Index:
    texts = [t for phrasings in PHRASINGS.values() for t in phrasings]
    owner = np.array([a for a, phrasings in PHRASINGS.items() for _ in phrasings], np.int64)
    return Index(texts, owner, len(PHRASINGS))


def evidence(index: Index, query: str, name: str) -> dict[int, float]:
    found = index.candidates(query, np.ones(len(PHRASINGS), dtype=bool))
    assert found is not None
    column = found.evidence[:, EVIDENCE.index(name)]
    return {int(a): float(v) for a, v in zip(found.articles, column, strict=True)}


def test_article_coverage_is_the_share_of_known_words_the_article_uses(index: Index) -> None:
    assert evidence(index, "my card payment is pending", "article_coverage")[0] == pytest.approx(1)
    # "transfer" is a KB word the pending-payment article never uses
    mixed = evidence(index, "is my transfer pending", "article_coverage")
    assert 0 < mixed[0] < 1 and 0 < mixed[1] < 1


def test_coverage_drops_with_words_the_kb_never_uses(index: Index) -> None:
    on_topic = evidence(index, "my card payment is pending", "coverage")[0]
    off_topic = evidence(index, "my zoo card payment is pending", "coverage")[0]
    assert on_topic == pytest.approx(1) and off_topic < on_topic
    # a word the KB does not know leaves the share of the known ones an article uses alone
    zoo = evidence(index, "my zoo card payment is pending", "article_coverage")
    assert zoo[0] == pytest.approx(1)


def test_typos_are_fixed_before_coverage_is_counted(index: Index) -> None:
    assert evidence(index, "my card paymnet is pending", "coverage")[0] == pytest.approx(1)

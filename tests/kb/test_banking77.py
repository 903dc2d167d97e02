"""A smoke check on the real BANKING77 KB, when the shared data sets are present."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.articles import load_articles
from kb.decision import Thresholds
from kb.evaluation import evaluate, load_queries
from kb.search import KnowledgeBase

BANKING77 = Path(__file__).resolve().parents[2].parent / "shared/datasets/banking77"


@pytest.mark.skipif(not (BANKING77 / "kb").is_dir(), reason=f"{BANKING77} not present")
def test_banking77_val_sample_beats_reference_floor() -> None:
    result = load_articles([BANKING77 / "kb"])
    assert result.errors == () and len(result.articles) == 67
    kb = KnowledgeBase.build(result.articles)
    queries = load_queries(BANKING77 / "val.jsonl")[::3]
    report = evaluate(kb, queries, Thresholds(0.5, 0.3), calibration=queries)
    assert report.top1_accuracy > 0.75
    assert report.score > 0.7
    assert report.p50_ms < 20

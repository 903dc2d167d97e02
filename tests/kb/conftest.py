from __future__ import annotations

from pathlib import Path

import pytest

from kb.articles import load_articles
from kb.search import KnowledgeBase

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def tiny_kb() -> KnowledgeBase:
    result = load_articles([FIXTURES / "tiny_kb"])
    assert result.errors == ()
    return KnowledgeBase.build(result.articles)

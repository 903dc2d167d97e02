"""Knowledge base: loading articles, matching questions to them, deciding what chat does."""

from kb.articles import Article, LoadError, LoadResult, load_articles
from kb.decision import Decision, Match, Thresholds, decide
from kb.live import LiveKnowledgeBase
from kb.search import KnowledgeBase

__all__ = [
    "Article",
    "Decision",
    "KnowledgeBase",
    "LiveKnowledgeBase",
    "LoadError",
    "LoadResult",
    "Match",
    "Thresholds",
    "decide",
    "load_articles",
]

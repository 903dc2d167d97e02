"""Articles' titles and bodies as the live knowledge base has them now.

Slack messages show an article's body (inline, or behind "Show full answer") and cards name
the article the bot tried; read through these mappings, an article saved from a ticket or
edited while tier0 runs shows as it is, not as it was at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from kb.articles import Article
from kb.search import KnowledgeBase

__all__ = ["ArticleField"]


class ArticleField(Mapping[str, str]):
    """One field of every article of ``kb``, by id; rebuilt when the KB's build changes."""

    def __init__(self, kb: KnowledgeBase, field: Callable[[Article], str]) -> None:
        self._kb = kb
        self._field = field
        self._built_from: tuple[Article, ...] | None = None
        self._values: dict[str, str] = {}

    def _current(self) -> dict[str, str]:
        articles = self._kb.articles
        if articles is not self._built_from:
            self._values = {a.id: self._field(a) for a in articles}
            self._built_from = articles
        return self._values

    def __getitem__(self, article_id: str) -> str:
        return self._current()[article_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

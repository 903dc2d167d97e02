"""Query files (KB_EVAL.md format) and running them through the KB as chat would."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.decision import Match, Thresholds, decide
from kb.search import KnowledgeBase

__all__ = ["Outcome", "Query", "QueryFileError", "load_queries", "run_queries"]

RANK_LIMIT = 5


class QueryFileError(ValueError):
    """A query file line is not ``{"text": str, "expected": str | null}``."""


@dataclass(frozen=True)
class Query:
    text: str
    expected: str | None


@dataclass(frozen=True)
class Outcome:
    """One query's ranking (thresholds not yet applied) and how long deciding took."""

    query: Query
    matches: tuple[Match, ...]
    ms: float


def load_queries(path: Path) -> list[Query]:
    """Read a JSONL query file; a bad line raises :class:`QueryFileError` naming it."""
    queries: list[Query] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(f"{path}: cannot read query file: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QueryFileError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        if not isinstance(item, dict):
            raise QueryFileError(f"{path}:{number}: expected a JSON object")
        text, expected = item.get("text"), item.get("expected")
        if not isinstance(text, str):
            raise QueryFileError(f"{path}:{number}: 'text' must be a string")
        if "expected" not in item:
            raise QueryFileError(f"{path}:{number}: missing 'expected' (an article id or null)")
        if expected is not None and not isinstance(expected, str):
            raise QueryFileError(f"{path}:{number}: 'expected' must be a string or null")
        queries.append(Query(text, expected))
    return queries


def run_queries(
    kb: KnowledgeBase,
    queries: Sequence[Query],
    thresholds: Thresholds,
    *,
    locales: Sequence[str] | None = None,
) -> list[Outcome]:
    """Rank and decide every query, timing both as one chat message would be timed.

    ``locales`` limits the articles to those languages, as chat does for a requester.
    """
    outcomes: list[Outcome] = []
    for query in queries:
        start = time.perf_counter()
        matches = kb.rank(query.text, locales=locales, limit=RANK_LIMIT)
        decide(matches, thresholds)
        ms = (time.perf_counter() - start) * 1000
        outcomes.append(Outcome(query, tuple(matches), ms))
    return outcomes

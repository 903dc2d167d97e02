"""Measuring answer quality on a query file, as defined in the project's KB_EVAL.md.

Every query goes through :meth:`KnowledgeBase.rank` and :func:`decide` exactly as a chat
message would, so the numbers describe what users get.

Calibration (``calibrate_thresholds``) picks the answer threshold that maximises ``score``
on a validation file. ``score`` does not depend on the suggest threshold (suggestions are
neither answers nor wrong answers), so the suggest threshold keeps the configured gap
below the answer threshold: ``suggest = max(0, answer - (configured answer - configured
suggest))``. That keeps the short list as generous, relative to the answer bar, as the
operator chose.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.decision import Thresholds, decide
from kb.search import KnowledgeBase, Match

__all__ = [
    "EvalReport",
    "Outcome",
    "Query",
    "QueryFileError",
    "calibrate_thresholds",
    "evaluate",
    "load_queries",
    "run_queries",
    "summarize",
]

_RANK_LIMIT = 5


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


@dataclass(frozen=True)
class EvalReport:
    n: int
    n_in_scope: int
    n_out_of_scope: int
    top1_accuracy: float
    top3_recall: float
    deflection_rate: float
    answer_precision: float
    oos_escalation_rate: float
    suggest_hit_rate: float
    score: float
    threshold: float
    p50_ms: float
    p99_ms: float
    build_ms: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    kb: KnowledgeBase, queries: Sequence[Query], thresholds: Thresholds
) -> list[Outcome]:
    """Rank and decide every query, timing both as one chat message would be timed."""
    outcomes: list[Outcome] = []
    for query in queries:
        start = time.perf_counter()
        matches = kb.rank(query.text, limit=_RANK_LIMIT)
        decide(matches, thresholds)
        ms = (time.perf_counter() - start) * 1000
        outcomes.append(Outcome(query, tuple(matches), ms))
    return outcomes


def summarize(
    outcomes: Sequence[Outcome], thresholds: Thresholds, build_ms: float = 0.0
) -> EvalReport:
    """The KB_EVAL.md metrics for already ranked queries under ``thresholds``."""
    in_scope = [o for o in outcomes if o.query.expected is not None]
    out_scope = [o for o in outcomes if o.query.expected is None]
    top1 = top3 = deflected = answered = answered_right = escalated_oos = 0
    suggested = suggest_hits = 0
    for o in outcomes:
        expected = o.query.expected
        ids = [m.article.id for m in o.matches]
        if expected is not None:
            top1 += ids[:1] == [expected]
            top3 += expected in ids[:3]
        decision, chosen = decide(o.matches, thresholds)
        chosen_ids = [m.article.id for m in chosen]
        if decision == "answer":
            answered += 1
            right = chosen_ids[0] == expected
            answered_right += right
            deflected += right
        elif expected is None:
            escalated_oos += 1
        if decision == "suggest":
            suggested += 1
            suggest_hits += expected in chosen_ids
    deflection = _ratio(deflected, len(in_scope))
    oos_escalation = _ratio(escalated_oos, len(out_scope))
    latencies = np.array([o.ms for o in outcomes]) if outcomes else np.zeros(1)
    return EvalReport(
        n=len(outcomes),
        n_in_scope=len(in_scope),
        n_out_of_scope=len(out_scope),
        top1_accuracy=_ratio(top1, len(in_scope)),
        top3_recall=_ratio(top3, len(in_scope)),
        deflection_rate=deflection,
        answer_precision=_ratio(answered_right, answered),
        oos_escalation_rate=oos_escalation,
        suggest_hit_rate=_ratio(suggest_hits, suggested),
        score=round(0.5 * deflection + 0.5 * oos_escalation, 4),
        threshold=thresholds.answer,
        p50_ms=round(float(np.percentile(latencies, 50)), 3),
        p99_ms=round(float(np.percentile(latencies, 99)), 3),
        build_ms=round(build_ms, 1),
    )


def calibrate_thresholds(outcomes: Sequence[Outcome], configured: Thresholds) -> Thresholds:
    """The answer threshold maximising ``score`` on ``outcomes`` (see module docstring).

    Candidates are the observed top confidences (each is where an answer flips) plus 1.0
    (never answer); ties go to the highest threshold, the more careful choice.
    """
    gap = configured.answer - configured.suggest
    tops = [(o.matches[0].confidence if o.matches else 0.0, o) for o in outcomes]
    right = np.sort(
        [
            c
            for c, o in tops
            if o.query.expected is not None
            and o.matches
            and o.matches[0].article.id == o.query.expected
        ]
    )
    n_in = sum(o.query.expected is not None for o in outcomes)
    oos = np.sort([c for c, o in tops if o.query.expected is None])
    candidates = np.array(sorted({c for c, _ in tops} | {1.0}))
    deflection = (len(right) - np.searchsorted(right, candidates, "left")) / max(n_in, 1)
    escalation = np.searchsorted(oos, candidates, "left") / max(len(oos), 1)
    if len(oos) == 0:
        escalation = np.zeros(len(candidates))
    scores = 0.5 * deflection + 0.5 * escalation
    best = np.flatnonzero(scores >= scores.max() - 1e-12)[-1]
    answer = float(candidates[best])
    return Thresholds(answer, max(0.0, answer - gap))


def evaluate(
    kb: KnowledgeBase,
    queries: Sequence[Query],
    thresholds: Thresholds,
    *,
    calibration: Sequence[Query] | None = None,
    build_ms: float = 0.0,
) -> EvalReport:
    """Rank ``queries`` and report; with ``calibration``, pick the answer threshold there."""
    if calibration is not None:
        thresholds = calibrate_thresholds(run_queries(kb, calibration, thresholds), thresholds)
    return summarize(run_queries(kb, queries, thresholds), thresholds, build_ms)


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0

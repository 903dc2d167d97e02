"""Measuring answer quality on a query file, as defined in the project's KB_EVAL.md.

Every query goes through :meth:`KnowledgeBase.rank` and :func:`decide` exactly as a chat
message would, so the numbers describe what users get.

With a validation file, :func:`kb.calibration.calibrate` first fits the confidence model
and picks the answer threshold there, exactly as ``tier0 kb calibrate`` does for a KB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kb.calibrate import calibrate, calibrate_thresholds
from kb.decision import Thresholds, decide
from kb.queries import Outcome, Query, QueryFileError, load_queries, run_queries
from kb.search import KnowledgeBase

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


def evaluate(
    kb: KnowledgeBase,
    queries: Sequence[Query],
    thresholds: Thresholds,
    *,
    calibration: Sequence[Query] | None = None,
    build_ms: float = 0.0,
    locales: Sequence[str] | None = None,
) -> EvalReport:
    """Rank ``queries`` and report; with ``calibration`` queries, first fit the confidence
    model and the answer threshold on them (:func:`kb.calibration.calibrate`). ``locales``
    keeps to articles in those languages, as chat does for a requester."""
    if calibration is not None:
        fitted = calibrate(kb, calibration, thresholds)
        kb, thresholds = kb.calibrated(fitted), fitted.thresholds
    outcomes = run_queries(kb, queries, thresholds, locales=locales)
    return summarize(outcomes, thresholds, build_ms)


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0

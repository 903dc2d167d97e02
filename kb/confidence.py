"""Calibrating match scores into the probability that a match is the right article.

How high a right answer scores depends on the KB (short or long phrasings, many or few per
article, close topics or not), so no fixed mapping fits every KB. At build time the KB is
split into folds: in each, some phrasings of every article and every phrasing of a few
whole articles are held out. Held-out phrasings of kept articles are questions the KB can
answer; those of removed articles are questions it cannot, like the ones that should go to
a person. A logistic model learns from these how the evidence for a candidate (its scores
and its lead over the best other candidate) predicts that it is right. Both kinds of
question weigh the same, as they do in the project's score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from kb.vectors import FloatArray, IntArray

__all__ = ["ConfidenceModel", "fit_confidence"]

FOLDS = 4
CANDIDATES = 3
MAX_QUERIES_PER_FOLD = 200
MIN_EXAMPLES_PER_CLASS = 20
_RIDGE = 1.0


class _ScoringIndex(Protocol):
    n_articles: int

    def score(self, norm_query: str, allowed: Any) -> Any: ...


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic model over standardised evidence; ``prior`` when the KB is too small to fit."""

    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: float

    def predict(self, evidence: FloatArray) -> float:
        z = float(((evidence - self.mean) / self.scale) @ self.weights) + self.bias
        return round(float(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))), 4)

    @classmethod
    def prior(cls, n_features: int) -> ConfidenceModel:
        """Hand-set: a strong lead on the blended score makes a match likely right.

        Feature 0 is the blended score and feature 1 its lead over the next candidate.
        """
        weights = np.zeros(n_features, np.float32)
        weights[0], weights[1] = 8.0, 10.0
        return cls(np.zeros(n_features, np.float32), np.ones(n_features, np.float32), weights, -6.0)


def fit_confidence(
    texts: list[str],
    owner: IntArray,
    n_articles: int,
    fold_index: Callable[[IntArray], _ScoringIndex],
    evidence: Callable[[Any, int], FloatArray],
    n_features: int,
) -> ConfidenceModel:
    """Fit the confidence model on held-out folds of the KB itself (see module docstring)."""
    rng = np.random.default_rng(0)
    article_order = rng.permutation(n_articles)
    rows: list[FloatArray] = []
    labels: list[float] = []
    weights: list[float] = []
    if n_articles >= 3:
        for fold in range(FOLDS):
            removed = (
                article_order[fold::FOLDS]
                if n_articles >= 2 * FOLDS
                else article_order[fold % n_articles : fold % n_articles + 1]
            )
            _fold_examples(
                texts, owner, n_articles, removed, rng, fold_index, evidence, rows, labels, weights
            )
    y = np.array(labels, dtype=np.float64)
    if (y == 1).sum() < MIN_EXAMPLES_PER_CLASS or (y == 0).sum() < MIN_EXAMPLES_PER_CLASS:
        return ConfidenceModel.prior(n_features)
    return _logistic(np.array(rows, dtype=np.float64), y, np.array(weights, dtype=np.float64))


def _fold_examples(
    texts: list[str],
    owner: IntArray,
    n_articles: int,
    removed: IntArray,
    rng: np.random.Generator,
    fold_index: Callable[[IntArray], _ScoringIndex],
    evidence: Callable[[Any, int], FloatArray],
    rows: list[FloatArray],
    labels: list[float],
    weights: list[float],
) -> None:
    is_removed = np.isin(owner, removed)
    held_in: list[int] = []
    for a in range(n_articles):
        if a in removed:
            continue
        mine = np.flatnonzero(owner == a)
        if len(mine) < 2:
            continue
        n_out = max(1, len(mine) // 5)
        held_in.extend(int(i) for i in rng.choice(mine, n_out, replace=False))
    held_out_articles = np.flatnonzero(is_removed)
    keep = np.setdiff1d(np.flatnonzero(~is_removed), held_in)
    if len(keep) == 0:
        return
    index = fold_index(keep)
    allowed = np.ones(n_articles, dtype=bool)
    in_scope = _sample(np.array(held_in, dtype=np.int64), rng)
    out_scope = _sample(held_out_articles, rng)
    for queries, answerable in ((in_scope, True), (out_scope, False)):
        if len(queries) == 0:
            continue
        weight = 1.0 / len(queries)
        for q in queries:
            scores = index.score(texts[int(q)], allowed)
            if scores is None:
                continue
            for k in range(min(CANDIDATES, len(scores.articles))):
                right = answerable and int(scores.articles[k]) == int(owner[q])
                rows.append(evidence(scores, k))
                labels.append(1.0 if right else 0.0)
                weights.append(weight)


def _sample(items: IntArray, rng: np.random.Generator) -> IntArray:
    if len(items) <= MAX_QUERIES_PER_FOLD:
        return items
    return rng.choice(items, MAX_QUERIES_PER_FOLD, replace=False)


def _logistic(
    x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]
) -> ConfidenceModel:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = w / w.sum() * len(w)
    beta = np.zeros(z.shape[1])
    ridge = np.full(z.shape[1], _RIDGE)
    ridge[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + ridge * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(ridge + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return ConfidenceModel(
        mean.astype(np.float32),
        scale.astype(np.float32),
        beta[:-1].astype(np.float32),
        float(beta[-1]),
    )

"""Turning the scorers' evidence into the probability that a candidate is the right article.

How high a right answer scores depends on the KB (short or long phrasings, many or few per
article, close topics or not), so no fixed mapping fits every KB. A small logistic model
over the evidence of :mod:`kb.index` (each scorer's score, the candidate's lead over the
best other article, whether that scorer ranks it first) does the mapping. It is fitted
either on a help desk's own labelled questions (:mod:`kb.calibration`), or, when there are
none, on the KB itself: the KB is split into folds; in each, some phrasings of every
article and every phrasing of a few whole articles are held out. Held-out phrasings of
kept articles are questions the KB can answer; those of removed articles are questions it
cannot, like the ones that should go to a person. Both kinds weigh the same, as they do in
the project's score. Each is scored only against the articles chat would search for it (its
own locale's): scored against all, an English phrasing meets its Portuguese translation,
which shares words like "vpn", and the model learns to distrust the high scores that chat,
searching English first, would rightly trust.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kb.index import EVIDENCE, Candidates
from kb.semantic import SEMANTIC_EVIDENCE
from kb.vectors import FloatArray, IntArray

__all__ = ["ConfidenceModel", "Examples", "Score", "fit_confidence", "fit_on_kb"]

FOLDS = 3
TRAIN_CANDIDATES = 3
"""Candidates per question the model learns from: the top few are where it matters."""
MAX_QUERIES_PER_FOLD = 200
MIN_EXAMPLES_PER_CLASS = 20
FOLD_ARTICLES = 100
"""Larger KBs learn from folds of this many articles drawn at random: the model learns
what a right or a wrong candidate looks like, which a sample shows as well as the whole
KB, and three folds of 1,000 articles would cost three full builds."""
_RIDGE = 1.0
KB_RIDGE = 1.0
"""The KB's own phrasings are a small, unlike-real-life sample: a stronger pull towards
zero keeps the fallback model from leaning on accidents of a few folds."""

Score = Callable[[str, int], Candidates | None]
"""Scores a held-out phrasing of the given article among the articles chat would search
for someone asking it (the KB's only judge of which those are, e.g. same locale)."""


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic model over standardised evidence."""

    features: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    weights: FloatArray
    bias: float

    def predict(self, evidence: FloatArray) -> FloatArray:
        """One probability per evidence row, rounded to 4 places."""
        z = ((evidence - self.mean) / self.scale) @ self.weights + self.bias
        probability = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return np.round(probability, 4).astype(np.float32)

    @classmethod
    def prior(cls) -> ConfidenceModel:
        """Hand-set, for KBs too small to learn from: a clear lead of the linear scorer
        that the nearest phrasing agrees with makes a match likely right."""
        weights = np.zeros(len(EVIDENCE), np.float32)
        weights[EVIDENCE.index("linear_lead")] = 4.0
        weights[EVIDENCE.index("nearest")] = 4.0
        weights[EVIDENCE.index("nearest_top")] = 1.0
        n = len(EVIDENCE)
        return cls(EVIDENCE, np.zeros(n, np.float32), np.ones(n, np.float32), weights, -3.0)

    def over(self, features: tuple[str, ...]) -> ConfidenceModel:
        """The same model over ``features`` (a superset of its own): evidence it was not
        fitted on gets no weight."""
        if features == self.features:
            return self
        where = [features.index(name) for name in self.features]
        mean, scale = np.zeros(len(features), np.float32), np.ones(len(features), np.float32)
        weights = np.zeros(len(features), np.float32)
        mean[where], scale[where], weights[where] = self.mean, self.scale, self.weights
        return ConfidenceModel(features, mean, scale, weights, self.bias)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "weights": [float(v) for v in self.weights],
            "bias": self.bias,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConfidenceModel:
        """Raises ``ValueError`` unless ``data`` is a model over today's evidence."""
        features = tuple(data.get("features", ()))
        if features not in (EVIDENCE, (*EVIDENCE, *SEMANTIC_EVIDENCE)):
            raise ValueError(
                "confidence model was fitted on other evidence "
                f"({', '.join(map(str, features)) or 'none'}): calibrate the KB again"
            )
        arrays = []
        for key in ("mean", "scale", "weights"):
            values = data.get(key)
            if not isinstance(values, list) or len(values) != len(features):
                raise ValueError(f"confidence model: '{key}' must be {len(features)} numbers")
            arrays.append(np.array(values, dtype=np.float32))
        bias = data.get("bias")
        if not isinstance(bias, int | float) or isinstance(bias, bool):
            raise ValueError("confidence model: 'bias' must be a number")
        if not all(np.isfinite(a).all() for a in arrays) or (arrays[1] <= 0).any():
            raise ValueError("confidence model: values must be finite, scales positive")
        return cls(features, arrays[0], arrays[1], arrays[2], float(bias))


@dataclass
class Examples:
    """Evidence rows with labels (the candidate is the right article) and weights."""

    rows: list[FloatArray]
    labels: list[float]
    weights: list[float]

    @classmethod
    def empty(cls) -> Examples:
        return cls([], [], [])

    def add(self, candidates: Candidates | None, expected: int | None, weight: float) -> None:
        if candidates is None:
            return
        for k in range(min(TRAIN_CANDIDATES, len(candidates.articles))):
            self.rows.append(candidates.evidence[k])
            self.labels.append(float(expected is not None and candidates.articles[k] == expected))
            self.weights.append(weight)

    def enough(self) -> bool:
        y = np.array(self.labels)
        return bool(
            (y == 1).sum() >= MIN_EXAMPLES_PER_CLASS and (y == 0).sum() >= MIN_EXAMPLES_PER_CLASS
        )


def fit_confidence(
    examples: Examples, ridge: float = _RIDGE, features: tuple[str, ...] = EVIDENCE
) -> ConfidenceModel | None:
    """A ridge-penalised logistic model, or None when there are too few examples."""
    if not examples.enough():
        return None
    x = np.array(examples.rows, dtype=np.float64)
    y = np.array(examples.labels, dtype=np.float64)
    w = np.array(examples.weights, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = w / w.sum() * len(w)
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], ridge)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + penalty * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return ConfidenceModel(
        features,
        mean.astype(np.float32),
        scale.astype(np.float32),
        beta[:-1].astype(np.float32),
        float(beta[-1]),
    )


def fit_on_kb(
    texts: Sequence[str],
    owner: IntArray,
    n_articles: int,
    fold_scorer: Callable[[IntArray], Score],
) -> ConfidenceModel:
    """Fit on held-out folds of the KB itself (see module docstring); prior if too small."""
    rng = np.random.default_rng(0)
    article_order = rng.permutation(n_articles)
    examples = Examples.empty()
    if n_articles >= 3:
        for fold in range(FOLDS):
            if n_articles > FOLD_ARTICLES:
                world = rng.choice(n_articles, FOLD_ARTICLES, replace=False)
                removed = world[: FOLD_ARTICLES // FOLDS]
            else:
                world = article_order
                removed = (
                    article_order[fold::FOLDS]
                    if n_articles >= 2 * FOLDS
                    else article_order[fold % n_articles : fold % n_articles + 1]
                )
            _fold_examples(texts, owner, world, removed, rng, fold_scorer, examples)
    return fit_confidence(examples, KB_RIDGE) or ConfidenceModel.prior()


def _fold_examples(
    texts: Sequence[str],
    owner: IntArray,
    world: IntArray,
    removed: IntArray,
    rng: np.random.Generator,
    fold_scorer: Callable[[IntArray], Score],
    examples: Examples,
) -> None:
    is_removed = np.isin(owner, removed)
    held_in: list[int] = []
    for a in sorted(int(w) for w in world):
        if a in removed:
            continue
        mine = np.flatnonzero(owner == a)
        if len(mine) < 2:
            continue
        n_out = max(1, len(mine) // 5)
        held_in.extend(int(i) for i in rng.choice(mine, n_out, replace=False))
    keep = np.setdiff1d(np.flatnonzero(~is_removed & np.isin(owner, world)), held_in)
    if len(keep) == 0:
        return
    score = fold_scorer(keep)
    in_scope = _sample(np.array(held_in, dtype=np.int64), rng)
    out_scope = _sample(np.flatnonzero(is_removed), rng)
    for queries, answerable in ((in_scope, True), (out_scope, False)):
        if len(queries) == 0:
            continue
        weight = (1.0 if answerable else 2.0) / len(queries)
        for q in queries:
            expected = int(owner[q]) if answerable else None
            examples.add(score(texts[int(q)], int(owner[q])), expected, weight)


def _sample(items: IntArray, rng: np.random.Generator) -> IntArray:
    if len(items) <= MAX_QUERIES_PER_FOLD:
        return items
    return rng.choice(items, MAX_QUERIES_PER_FOLD, replace=False)

"""Ranking articles for a question, with a calibrated confidence.

Three non-neural scorers look at the question from different sides:

* nearest phrasing: TF-IDF cosine (words + character n-grams) to each stored question;
* article profile: cosine to the centroid of all of an article's phrasings;
* fuzzy: rapidfuzz over the best candidates' phrasings, robust to word order and typos.

Their blend ranks the articles. Raw similarities are not probabilities, and how high a
"right" score is depends on the KB, so confidence comes from a small logistic model fitted
at build time on the KB itself: some phrasings (and whole articles, to imitate questions
the KB cannot answer) are held out, the rest is indexed, and the model learns how top
scores and the margins between best and second best predict a right first match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from kb.articles import Article
from kb.confidence import ConfidenceModel, fit_confidence
from kb.normalize import normalize
from kb.vectors import FloatArray, IntArray, InvertedIndex, SparseRows, Vectorizer

__all__ = ["KnowledgeBase", "Match"]

_FUZZY_CANDIDATES = 8
_FUZZY_PHRASINGS = 12
_WEIGHTS = (0.45, 0.25, 0.30)  # nearest phrasing, article profile, fuzzy


@dataclass(frozen=True)
class Match:
    article: Article
    confidence: float


@dataclass(frozen=True)
class _Scores:
    """Per-article evidence for one question, for the articles the question may see."""

    articles: IntArray  # article positions, best blend first
    blend: FloatArray
    nearest: FloatArray
    profile: FloatArray
    fuzzy: FloatArray
    coverage: float


class _Index:
    """The scorers over one set of articles (the whole KB, or a fold of it at build time)."""

    def __init__(
        self,
        vectorizer: Vectorizer,
        texts: list[str],
        rows: SparseRows,
        owner: IntArray,
        n_articles: int,
    ) -> None:
        order = np.argsort(owner, kind="stable")
        self.vectorizer = vectorizer
        self.texts = [texts[int(i)] for i in order]
        self.owner = owner[order]
        self.n_articles = n_articles
        ordered = rows.select(order)
        self.phrasings = InvertedIndex(ordered)
        counts = np.bincount(self.owner, minlength=n_articles)
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.present = counts > 0
        self.profiles = InvertedIndex(_centroids(ordered, self.owner, n_articles))
        self.known = np.zeros(rows.n_cols, dtype=bool)
        self.known[ordered.indices] = True
        self.words = {w for t in self.texts for w in t.split()}
        self.ends = self.starts + counts

    def _closest(self, article: int, sims: FloatArray) -> IntArray:
        """The article's phrasings most similar to the question: the only ones worth
        the (slower) fuzzy comparison."""
        lo, hi = int(self.starts[article]), int(self.ends[article])
        if hi - lo <= _FUZZY_PHRASINGS:
            return np.arange(lo, hi)
        part = np.argpartition(-sims[lo:hi], _FUZZY_PHRASINGS)[:_FUZZY_PHRASINGS]
        return part + lo

    def _coverage(self, norm_query: str) -> float:
        """Share of the question's words the indexed phrasings use: low when off-topic."""
        words = norm_query.split()
        return sum(w in self.words for w in words) / len(words) if words else 0.0

    def score(self, norm_query: str, allowed: npt.NDArray[np.bool_]) -> _Scores | None:
        allowed = allowed & self.present
        if not norm_query or not allowed.any():
            return None
        idx, val = self.vectorizer.transform(norm_query)
        # Features only held-out phrasings used (while fitting confidence) count as unknown.
        known = self.known[idx]
        if not known.all():
            idx, val = idx[known], val[known]
            norm = float(np.linalg.norm(val))
            val = val / np.float32(norm or 1.0)
        sims = self.phrasings.dot(idx, val)
        nearest = np.maximum.reduceat(sims, np.minimum(self.starts, len(sims) - 1))
        nearest[~self.present] = 0.0
        profile = self.profiles.dot(idx, val)
        cand = np.flatnonzero(allowed)
        pre = _WEIGHTS[0] * nearest[cand] + _WEIGHTS[1] * profile[cand]
        cand = cand[np.argsort(-pre, kind="stable")]
        fuzzy = np.zeros(self.n_articles, np.float32)
        top = cand[:_FUZZY_CANDIDATES]
        pos = np.concatenate([self._closest(a, sims) for a in top]) if len(top) else top
        if len(pos):
            ratios = process.cdist(
                [norm_query],
                [self.texts[int(p)] for p in pos],
                scorer=fuzz.token_set_ratio,
                dtype=np.float32,
            )[0]
            np.maximum.at(fuzzy, self.owner[pos], ratios / np.float32(100.0))
        blend = (
            _WEIGHTS[0] * nearest[cand] + _WEIGHTS[1] * profile[cand] + _WEIGHTS[2] * fuzzy[cand]
        )
        order = np.argsort(-blend, kind="stable")
        return _Scores(
            articles=cand[order],
            blend=blend[order].astype(np.float32),
            nearest=nearest[cand[order]],
            profile=profile[cand[order]],
            fuzzy=fuzzy[cand[order]],
            coverage=self._coverage(norm_query),
        )


def _centroids(rows: SparseRows, owner: IntArray, n_articles: int) -> SparseRows:
    out: list[tuple[IntArray, FloatArray]] = []
    bounds = np.searchsorted(owner, np.arange(n_articles + 1))
    for a in range(n_articles):
        lo, hi = rows.indptr[bounds[a]], rows.indptr[bounds[a + 1]]
        cols, inverse = np.unique(rows.indices[lo:hi], return_inverse=True)
        sums = np.bincount(inverse, weights=rows.data[lo:hi], minlength=len(cols))
        norm = float(np.linalg.norm(sums)) or 1.0
        out.append((cols, (sums / norm).astype(np.float32)))
    return SparseRows.stack(out, rows.n_cols)


N_EVIDENCE = 9


def evidence(scores: _Scores, k: int) -> FloatArray:
    """What the confidence model sees about candidate ``k``: its scores, its lead over the
    best other candidate under each scorer (negative below the top), and word coverage."""
    out = np.empty(N_EVIDENCE, dtype=np.float32)
    for n, values in enumerate((scores.blend, scores.nearest, scores.profile, scores.fuzzy)):
        mine = float(values[k])
        others = np.delete(values, k)
        out[2 * n] = mine
        out[2 * n + 1] = mine - (float(others.max()) if len(others) else 0.0)
    out[8] = scores.coverage
    return out


class KnowledgeBase:
    """An immutable, searchable KB. Build once at start-up; ``rank`` is cheap and thread-safe."""

    def __init__(
        self, articles: tuple[Article, ...], index: _Index, confidence: ConfidenceModel
    ) -> None:
        self.articles = articles
        self._index = index
        self._confidence = confidence
        self._audience = np.array([a.audience for a in articles])
        self._locale = np.array([a.locale.casefold() for a in articles])

    @classmethod
    def build(cls, articles: Sequence[Article]) -> KnowledgeBase:
        arts = tuple(articles)
        texts: list[str] = []
        owners: list[int] = []
        for i, article in enumerate(arts):
            for phrasing in dict.fromkeys((article.title, *article.questions)):
                norm = normalize(phrasing)
                if norm:
                    texts.append(norm)
                    owners.append(i)
        vectorizer = Vectorizer(texts)
        rows = SparseRows.stack([vectorizer.transform(t) for t in texts], vectorizer.size)
        owner = np.array(owners, dtype=np.int64)
        index = _Index(vectorizer, texts, rows, owner, len(arts))

        def fold_index(keep: IntArray) -> _Index:
            return _Index(
                vectorizer, [texts[int(i)] for i in keep], rows.select(keep), owner[keep], len(arts)
            )

        confidence = fit_confidence(texts, owner, len(arts), fold_index, evidence, N_EVIDENCE)
        return cls(arts, index, confidence)

    def rank(
        self,
        query: str,
        *,
        audience: str | None = None,
        locales: Sequence[str] | None = None,
        limit: int = 5,
    ) -> list[Match]:
        """Articles the asker may see, best first, with the chance each is the right one."""
        if not self.articles or limit <= 0:
            return []
        allowed = np.ones(len(self.articles), dtype=bool)
        if audience is not None:
            allowed &= (self._audience == audience) | (self._audience == "all")
        if locales is not None:
            allowed &= np.isin(self._locale, [loc.casefold() for loc in locales])
        scores = self._index.score(normalize(query), allowed)
        if scores is None:
            return []
        return [
            Match(self.articles[int(a)], self._confidence.predict(evidence(scores, k)))
            for k, a in enumerate(scores.articles[:limit])
        ]

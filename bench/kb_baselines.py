"""The baselines ``bench.kb_quality`` measures tier0 against, reimplemented here; a
baseline's confidence is its own best score (see that module's docstring)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from kb.articles import Article
from kb.decision import Match
from kb.normalize import normalize
from kb.vectors import Vectorizer

__all__ = [
    "Phrasings",
    "Rank",
    "baselines",
    "bm25_baseline",
    "rapidfuzz_baseline",
    "tfidf_baseline",
]

Rank = Callable[[str], list[Match]]


class Phrasings:
    """Every article's normalised phrasings (title included), with their owner."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = tuple(articles)
        texts: list[str] = []
        owner: list[int] = []
        for i, article in enumerate(articles):
            for phrasing in dict.fromkeys((article.title, *article.questions)):
                norm = normalize(phrasing)
                if norm:
                    texts.append(norm)
                    owner.append(i)
        self.texts = texts
        self.owner = np.array(owner)

    def matches(self, per_phrasing: Any, scale: float = 1.0, squash: bool = False) -> list[Match]:
        """Best phrasing per article, as matches with confidence ``score / scale`` (or
        ``score / (1 + score)`` with ``squash``, for unbounded scores)."""
        best = np.full(len(self.articles), -np.inf)
        np.maximum.at(best, self.owner, np.asarray(per_phrasing, dtype=np.float64))
        order = np.argsort(-best, kind="stable")[:5]
        out = []
        for a in order:
            score = float(best[a])
            if not np.isfinite(score):
                continue
            confidence = max(score, 0.0) / (1.0 + max(score, 0.0)) if squash else score / scale
            out.append(Match(self.articles[int(a)], min(max(confidence, 0.0), 1.0)))
        return out


def rapidfuzz_baseline(p: Phrasings) -> Rank:
    def rank(text: str) -> list[Match]:
        ratios = process.cdist([normalize(text)], p.texts, scorer=fuzz.token_set_ratio)[0]
        return p.matches(ratios, 100.0)

    return rank


def bm25_baseline(p: Phrasings, k1: float = 1.5, b: float = 0.75) -> Rank:
    vocabulary: dict[str, int] = {}
    rows, cols, tfs = [], [], []
    lengths = []
    for r, text in enumerate(p.texts):
        words = text.split()
        lengths.append(len(words))
        for word in set(words):
            rows.append(r)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
            tfs.append(words.count(word))
    n = len(p.texts)
    tf = sparse.csr_matrix((np.array(tfs, float), (rows, cols)), shape=(n, len(vocabulary)))
    df = np.bincount(cols, minlength=len(vocabulary))
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    dl = np.array(lengths, float)
    norm = k1 * (1 - b + b * dl / dl.mean())
    coo = tf.tocoo()
    weights = coo.data * (k1 + 1) / (coo.data + norm[coo.row]) * idf[coo.col]
    matrix = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=tf.shape)

    def rank(text: str) -> list[Match]:
        terms = sorted({vocabulary[w] for w in normalize(text).split() if w in vocabulary})
        if not terms:
            return []
        scores = np.asarray(matrix[:, terms].sum(axis=1)).ravel()
        return p.matches(scores, squash=True)

    return rank


def tfidf_baseline(p: Phrasings) -> tuple[Rank, Rank]:
    vectorizer = Vectorizer(p.texts)
    columns = sparse.csr_matrix(vectorizer.rows.T)

    def sims(text: str) -> Any:
        idx, val = vectorizer.transform_one(normalize(text))
        return np.asarray(columns[idx].T @ val).ravel()

    def cosine(text: str) -> list[Match]:
        return p.matches(sims(text))

    def rescored(text: str) -> list[Match]:
        s = sims(text)
        near = np.argpartition(-s, 50)[:50]
        ratios = process.cdist(
            [normalize(text)], [p.texts[int(i)] for i in near], scorer=fuzz.token_set_ratio
        )[0]
        scores = np.full(len(p.texts), -np.inf)
        scores[near] = 0.5 * s[near] + 0.5 * ratios / 100.0
        return p.matches(scores)

    return cosine, rescored


def baselines(articles: Sequence[Article]) -> dict[str, Callable[[], Any]]:
    """Name -> builder of each baseline's ``Rank``."""
    p = Phrasings(articles)
    cosine, rescored = tfidf_baseline(p)
    return {
        "rapidfuzz": lambda: rapidfuzz_baseline(p),
        "bm25": lambda: bm25_baseline(p),
        "tfidf": lambda: cosine,
        "tfidf+rapidfuzz": lambda: rescored,
    }

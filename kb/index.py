"""The scorers that look at a question from different sides, and the evidence they give.

* linear: a linear classifier (one-vs-rest linear SVM) trained on the KB's own phrasings
  over word and character n-grams. It learns which words tell articles apart ("pending"
  matters, "my card" does not) instead of trusting whichever phrasing is nearest; it ranks.
* nearest: TF-IDF cosine to the article's closest phrasing;
* profile: cosine to the centroid of all of an article's phrasings;
* fuzzy: rapidfuzz ``token_set_ratio`` against the best candidates' closest phrasings,
  robust to word order and to typos the vocabulary correction missed;
* knn: the similarity-weighted vote of the question's nearest phrasings (whichever
  articles they belong to). A question several articles' phrasings resemble gets a split
  vote, the clearest sign of a question no article really answers;
* coverage: how much of the question (IDF-weighted words) the KB knows at all, and how
  much of what it knows the candidate article's own phrasings use. "Is my transfer still
  pending?" resembles the pending-card-payment article closely, but "transfer" is a word
  that article never uses: the question is about something else.

How far the best candidate leads the next one under each scorer, and whether the scorers
agree on it, says much more about whether it is right than any single score; that is what
:mod:`kb.confidence` turns into a probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from kb.coverage import WordTable, word_table
from kb.index_arrays import Arrays, Csr, Strings, csr, pack
from kb.linear import profile_norms, train_linear
from kb.typos import SpellFixer
from kb.vectors import FloatArray, IntArray, Lexicon, Vectorizer

__all__ = ["EVIDENCE", "Candidates", "Index"]

CANDIDATES = 8
"""Articles (best by the linear scorer) that get the full evidence and a confidence."""
_FUZZY_PHRASINGS = 10
_NEIGHBOURS = 10
"""Nearest phrasings that vote (measured on BANKING77 val: 5 and 20 did worse)."""
_SCORERS = ("linear", "nearest", "profile", "fuzzy")
EVIDENCE: tuple[str, ...] = (
    *(f"{s}{part}" for s in _SCORERS for part in ("", "_lead", "_top")),
    "knn",
    "knn_top",
    "coverage",
    "article_coverage",
)
"""Names of the evidence features, in order (stored with a fitted confidence model)."""


@dataclass(frozen=True)
class Candidates:
    """The best articles for one question and the evidence for each (one row each)."""

    articles: IntArray
    evidence: FloatArray


class Index:
    """Scorers over one set of phrasings (the whole KB, or a fold of it at build time).

    Everything it answers from is a set of flat arrays (:meth:`arrays`): that is what
    :mod:`kb.index_cache` writes to disk and maps back (:meth:`from_arrays`), shared by
    every worker, instead of each building its own.
    """

    def __init__(self, texts: list[str], owner: IntArray, n_articles: int) -> None:
        order = np.argsort(owner, kind="stable")
        texts = [texts[int(i)] for i in order]
        owner = np.ascontiguousarray(owner[order], dtype=np.int64)
        vectorizer = Vectorizer(texts)
        rows = vectorizer.rows
        weights, bias = train_linear(rows, owner, n_articles)
        arrays: dict[str, npt.NDArray[Any]] = {
            "n_articles": np.array([n_articles], np.int64),
            "owner": owner,
            **pack("text", texts),
            **csr("columns", rows.T),  # feature -> phrasings
            "profile_norms": profile_norms(rows, owner, n_articles),
            **csr("weights", weights),  # feature -> articles
            "bias": bias,
            **{f"lexicon.{k}": v for k, v in vectorizer.lexicon.arrays.items()},
            **word_table(texts, owner),
        }
        counts = SpellFixer(texts).counts
        arrays.update(pack("fixer", list(counts)))
        arrays["fixer_counts"] = np.fromiter(counts.values(), np.int64, len(counts))
        self._load(arrays)

    @classmethod
    def from_arrays(cls, arrays: Arrays) -> Index:
        """An index over arrays from :meth:`arrays` (e.g. mapped from a cache file)."""
        index = cls.__new__(cls)
        index._load(arrays)
        return index

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Everything the index answers from, as named arrays."""
        return dict(self._arrays)

    def _load(self, arrays: Arrays) -> None:
        self._arrays = dict(arrays)
        self.n_articles = int(arrays["n_articles"][0])
        self.owner: IntArray = arrays["owner"]
        self.texts: Sequence[str] = Strings(arrays["text_bytes"], arrays["text_ends"])
        words = Strings(arrays["fixer_bytes"], arrays["fixer_ends"])
        self.fixer = SpellFixer.from_counts(
            dict(zip(words, arrays["fixer_counts"].tolist(), strict=True))
        )
        self.vectorizer = Lexicon(
            {k.removeprefix("lexicon."): v for k, v in arrays.items() if k.startswith("lexicon.")}
        )
        self._columns = Csr.named("columns", arrays, len(self.owner))
        self._weights = Csr.named("weights", arrays, self.n_articles)
        self.bias: FloatArray = arrays["bias"]
        counts = np.bincount(self.owner, minlength=self.n_articles)
        self.present = counts > 0
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.ends = self.starts + counts
        self._profile_norms: FloatArray = arrays["profile_norms"]
        self._words = WordTable(arrays, len(self.owner))

    def candidates(self, norm_query: str, allowed: npt.NDArray[np.bool_]) -> Candidates | None:
        """The best allowed articles for a normalised question, with their evidence."""
        allowed = allowed & self.present
        if not norm_query or not allowed.any():
            return None
        fixed = self.fixer.fix(norm_query)
        idx, val = self.vectorizer.transform_one(fixed)
        if len(idx) == 0:
            return None
        linear = self._weights.times(idx, val) + self.bias
        sims = self._columns.times(idx, val)
        nearest = np.zeros(self.n_articles, np.float32)
        nearest[self.present] = np.maximum.reduceat(sims, self.starts[self.present])
        # cosine to the article's centroid: its phrasings' similarities, summed, over the
        # length of their summed vectors (no centroid matrix to keep)
        profile = np.zeros(self.n_articles, np.float32)
        profile[self.present] = np.add.reduceat(sims, self.starts[self.present])
        profile /= self._profile_norms

        pool = np.flatnonzero(allowed)
        top = pool[np.argsort(-linear[pool], kind="stable")[:CANDIDATES]]
        fuzzy = np.zeros(self.n_articles, np.float32)
        positions = np.concatenate([self._closest(int(a), sims) for a in top])
        ratios = process.cdist(
            [fixed],
            [self.texts[int(p)] for p in positions],
            scorer=fuzz.token_set_ratio,
            dtype=np.float32,
        )[0]
        np.maximum.at(fuzzy, self.owner[positions], ratios / np.float32(100.0))

        evidence = np.empty((len(top), len(EVIDENCE)), np.float32)
        for n, (values, among) in enumerate(
            ((linear, pool), (nearest, pool), (profile, pool), (fuzzy, top))
        ):
            _lead_and_top(values, among, top, evidence[:, 3 * n : 3 * n + 3])
        votes = self._votes(sims, allowed)
        evidence[:, -4] = votes[top]
        evidence[:, -3] = top == int(np.argmax(votes))
        evidence[:, -2], evidence[:, -1] = self._words.coverage(fixed, top)
        return Candidates(top, evidence)

    def _votes(self, sims: FloatArray, allowed: npt.NDArray[np.bool_]) -> FloatArray:
        """Each article's share of the similarity of the question's nearest allowed
        phrasings."""
        votes = np.zeros(self.n_articles, np.float32)
        candidates = np.where(allowed[self.owner], sims, np.float32(-1.0))
        if len(candidates) > _NEIGHBOURS:
            nearest = np.argpartition(-candidates, _NEIGHBOURS)[:_NEIGHBOURS]
        else:
            nearest = np.arange(len(candidates))
        weight = np.maximum(candidates[nearest], np.float32(0.0))
        total = float(weight.sum())
        if total > 0:
            np.add.at(votes, self.owner[nearest], weight / np.float32(total))
        return votes

    def _closest(self, article: int, sims: FloatArray) -> IntArray:
        """The article's phrasings most similar to the question: the only ones worth
        the (slower) fuzzy comparison."""
        lo, hi = int(self.starts[article]), int(self.ends[article])
        if hi - lo <= _FUZZY_PHRASINGS:
            return np.arange(lo, hi, dtype=np.int64)
        part = np.argpartition(-sims[lo:hi], _FUZZY_PHRASINGS)[:_FUZZY_PHRASINGS]
        return (part + lo).astype(np.int64)


def _lead_and_top(values: FloatArray, among: IntArray, top: IntArray, out: FloatArray) -> None:
    """Each candidate's score, its lead over the best other article in ``among`` (negative
    below the best) and whether it is that scorer's best, written into ``out``'s columns."""
    scores = values[among]
    order = np.argsort(-scores, kind="stable")
    first = scores[order[0]]
    second = scores[order[1]] if len(order) > 1 else np.float32(0.0)
    best = among[order[0]]
    mine = values[top]
    out[:, 0] = mine
    out[:, 1] = np.where(top == best, mine - second, mine - first)
    out[:, 2] = top == best

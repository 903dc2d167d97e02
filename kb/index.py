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

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from kb.typos import SpellFixer
from kb.vectors import FloatArray, IntArray, Sparse, Vectorizer

__all__ = ["EVIDENCE", "Candidates", "Index"]

CANDIDATES = 8
"""Articles (best by the linear scorer) that get the full evidence and a confidence."""
_FUZZY_PHRASINGS = 10
_NEIGHBOURS = 10
"""Nearest phrasings that vote (measured on BANKING77 val: 5 and 20 did worse)."""
_SVM_C = 1.0
_FULL_PROBLEM_ARTICLES = 100
"""Up to this many articles, each is trained against every other phrasing."""
_HARD_NEGATIVE_ARTICLES = 10
_RANDOM_NEGATIVES = 500
_LOCAL_TOL = 1e-2
"""A looser stopping rule for the many small problems of a large KB (ranking barely moves)."""
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
    """Scorers over one set of phrasings (the whole KB, or a fold of it at build time)."""

    def __init__(self, texts: list[str], owner: IntArray, n_articles: int) -> None:
        order = np.argsort(owner, kind="stable")
        self.texts = [texts[int(i)] for i in order]
        self.owner = owner[order]
        self.n_articles = n_articles
        self.fixer = SpellFixer(self.texts)
        self.vectorizer = Vectorizer(self.texts)
        self.rows: Sparse = self.vectorizer.rows
        self._columns: Sparse = sparse.csr_matrix(self.rows.T)  # feature -> phrasings
        counts = np.bincount(self.owner, minlength=n_articles)
        self.present = counts > 0
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.ends = self.starts + counts
        self._profiles: Sparse = sparse.csr_matrix(_centroids(self.rows, self.owner, n_articles).T)
        self._words = _WordTable(self.texts, self.owner)
        self.weights: Sparse
        self.weights, self.bias = _train_linear(self.rows, self.owner, n_articles)

    def candidates(self, norm_query: str, allowed: npt.NDArray[np.bool_]) -> Candidates | None:
        """The best allowed articles for a normalised question, with their evidence."""
        allowed = allowed & self.present
        if not norm_query or not allowed.any():
            return None
        fixed = self.fixer.fix(norm_query)
        idx, val = self.vectorizer.transform_one(fixed)
        if len(idx) == 0:
            return None
        linear = np.asarray(self.weights[idx].T @ val, np.float32) + self.bias
        sims = np.asarray(self._columns[idx].T @ val, dtype=np.float32)
        nearest = np.zeros(self.n_articles, np.float32)
        nearest[self.present] = np.maximum.reduceat(sims, self.starts[self.present])
        profile = np.asarray(self._profiles[idx].T @ val, dtype=np.float32)

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


class _WordTable:
    """Which words the KB uses, how rare each is (IDF over phrasings), and which
    articles use each."""

    def __init__(self, texts: list[str], owner: IntArray) -> None:
        users: dict[str, set[int]] = {}
        phrasings: dict[str, int] = {}
        for text, article in zip(texts, owner, strict=True):
            for word in set(text.split()):
                users.setdefault(word, set()).add(int(article))
                phrasings[word] = phrasings.get(word, 0) + 1
        n = len(texts)
        self.idf = {w: float(np.log((1 + n) / (1 + d)) + 1) for w, d in phrasings.items()}
        self.unknown_idf = float(np.log(1 + n) + 1)
        self.users = {w: frozenset(a) for w, a in users.items()}

    def coverage(self, norm_query: str, top: IntArray) -> tuple[float, FloatArray]:
        """Share of the question's IDF the KB knows (a word it never uses weighs the
        most: low when off-topic, however many common words it shares with the KB), and
        for each article in ``top`` the share of that known IDF its phrasings use."""
        words = norm_query.split()
        known = [(self.idf[w], self.users[w]) for w in words if w in self.idf]
        known_idf = sum(idf for idf, _ in known)
        if not known:
            return 0.0, np.zeros(len(top), np.float32)
        total = known_idf + self.unknown_idf * (len(words) - len(known))
        mine = [sum(idf for idf, users in known if a in users) for a in top.tolist()]
        return known_idf / total, np.array(mine, np.float32) / np.float32(known_idf)


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


def _centroids(rows: Sparse, owner: IntArray, n_articles: int) -> Sparse:
    membership = sparse.csr_matrix(
        (np.ones(len(owner), np.float32), (owner, np.arange(len(owner)))),
        shape=(n_articles, len(owner)),
    )
    sums = sparse.csr_matrix(membership @ rows)
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags((1.0 / norms).astype(np.float32)) @ sums)


def _train_linear(rows: Sparse, owner: IntArray, n_articles: int) -> tuple[Sparse, FloatArray]:
    """Weights (features x articles, CSR) and biases of a one-vs-rest linear SVM.

    With fewer than two articles there is nothing to tell apart: the weights are then the
    article centroids, which rank exactly like the profile scorer. Up to
    ``_FULL_PROBLEM_ARTICLES`` articles, each article is told apart from every other
    phrasing (one liblinear call); beyond, see :func:`_train_local`.
    """
    classes = np.unique(owner)
    if len(classes) < 2:
        return sparse.csr_matrix(_centroids(rows, owner, n_articles).T), np.zeros(
            n_articles, np.float32
        )
    if len(classes) > _FULL_PROBLEM_ARTICLES:
        return _train_local(rows, owner, n_articles)
    svm = _fit_svm(rows, owner)
    coef = np.asarray(svm.coef_, np.float32)
    intercept = np.asarray(svm.intercept_, np.float32)
    if len(classes) == 2:  # binary: one separating plane, positive side is classes[1]
        coef = np.vstack([-coef, coef])
        intercept = np.concatenate([-intercept, intercept])
    bias = np.full(n_articles, -10.0, np.float32)
    bias[classes] = intercept
    to_articles = sparse.csr_matrix(
        (np.ones(len(classes), np.float32), (np.arange(len(classes)), classes)),
        shape=(len(classes), n_articles),
    )
    return sparse.csr_matrix(sparse.csr_matrix(coef.T) @ to_articles), bias


def _fit_svm(rows: Sparse, labels: IntArray, tol: float = 1e-4) -> LinearSVC:
    svm = LinearSVC(C=_SVM_C, max_iter=2000, tol=tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(rows, labels)
    return svm


def _train_local(rows: Sparse, owner: IntArray, n_articles: int) -> tuple[Sparse, FloatArray]:
    """One-vs-rest for large KBs, each article against the phrasings that matter.

    Training every article against every phrasing costs articles x phrasings, far too
    much for 1,000 articles of 100 phrasings. Each article is instead told apart from the
    phrasings of the ``_HARD_NEGATIVE_ARTICLES`` articles whose centroids are closest to
    its own (the ones it could be confused with) and from a random sample of the rest.
    Weights stay sparse: only features seen in an article's problem get one.
    """
    rng = np.random.default_rng(0)
    profiles = _centroids(rows, owner, n_articles)
    closeness = (profiles @ profiles.T).toarray()
    np.fill_diagonal(closeness, -1.0)
    counts = np.bincount(owner, minlength=n_articles)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    order = np.argsort(owner, kind="stable")
    members = [order[starts[a] : starts[a] + counts[a]] for a in range(n_articles)]
    data: list[FloatArray] = []
    features: list[IntArray] = []
    articles: list[IntArray] = []
    bias = np.full(n_articles, -10.0, np.float32)
    for a in np.flatnonzero(counts):
        hard = np.argsort(-closeness[a])[:_HARD_NEGATIVE_ARTICLES]
        negatives = np.concatenate([members[int(b)] for b in hard])
        others = rng.integers(0, len(owner), _RANDOM_NEGATIVES)
        others = others[owner[others] != a]
        picked = np.unique(np.concatenate([members[int(a)], negatives, others]))
        labels = (owner[picked] == a).astype(np.int64)
        svm = _fit_svm(rows[picked], labels, _LOCAL_TOL)
        coef = np.asarray(svm.coef_[0], np.float32)
        used = np.flatnonzero(coef)
        data.append(coef[used])
        features.append(used)
        articles.append(np.full(len(used), a, np.int64))
        bias[a] = float(svm.intercept_[0])
    weights = sparse.csr_matrix(
        (np.concatenate(data), (np.concatenate(features), np.concatenate(articles))),
        shape=(rows.shape[1], n_articles),
        dtype=np.float32,
    )
    return weights, bias

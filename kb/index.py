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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from kb.typos import SpellFixer
from kb.vectors import FloatArray, IntArray, Lexicon, Sparse, Vectorizer

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
_CLOSENESS_BLOCK = 512
"""Articles whose centroid similarities are computed at once when looking for each
article's closest rivals (a dense block of this many x articles floats, not all of it)."""
PRUNE = 0.02
"""In a large KB's per-article problems (:func:`_train_local`), weights smaller than this
share of their article's largest are dropped (at 10,000 articles they were 37 million,
285 MB). KBs trained as one problem keep every weight: on BANKING77 pruning at 0.02 kept
val's top1 and score but lowered test's score from 0.8333 to 0.828."""
_SCORERS = ("linear", "nearest", "profile", "fuzzy")
EVIDENCE: tuple[str, ...] = (
    *(f"{s}{part}" for s in _SCORERS for part in ("", "_lead", "_top")),
    "knn",
    "knn_top",
    "coverage",
    "article_coverage",
)
"""Names of the evidence features, in order (stored with a fitted confidence model)."""

Arrays = Mapping[str, npt.NDArray[Any]]


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
        weights, bias = _train_linear(rows, owner, n_articles)
        arrays: dict[str, npt.NDArray[Any]] = {
            "n_articles": np.array([n_articles], np.int64),
            "owner": owner,
            **_pack("text", texts),
            **_csr("columns", rows.T),  # feature -> phrasings
            "profile_norms": _profile_norms(rows, owner, n_articles),
            **_csr("weights", weights),  # feature -> articles
            "bias": bias,
            **{f"lexicon.{k}": v for k, v in vectorizer.lexicon.arrays.items()},
            **_word_table(texts, owner),
        }
        counts = SpellFixer(texts).counts
        arrays.update(_pack("fixer", list(counts)))
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
        self.texts: Sequence[str] = _Strings(arrays["text_bytes"], arrays["text_ends"])
        words = _Strings(arrays["fixer_bytes"], arrays["fixer_ends"])
        self.fixer = SpellFixer.from_counts(
            dict(zip(words, arrays["fixer_counts"].tolist(), strict=True))
        )
        self.vectorizer = Lexicon(
            {k.removeprefix("lexicon."): v for k, v in arrays.items() if k.startswith("lexicon.")}
        )
        self._columns = _Csr.named("columns", arrays, len(self.owner))
        self._weights = _Csr.named("weights", arrays, self.n_articles)
        self.bias: FloatArray = arrays["bias"]
        counts = np.bincount(self.owner, minlength=self.n_articles)
        self.present = counts > 0
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.ends = self.starts + counts
        self._profile_norms: FloatArray = arrays["profile_norms"]
        self._words = _WordTable(arrays, len(self.owner))

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


class _Csr:
    """A CSR matrix kept as three arrays (mapped from a cache file, not copied), multiplied
    by a sparse vector from the left: ``M[idx].T @ val`` (scipy's is twice as fast as
    the same in numpy, and a worker imports scipy anyway)."""

    def __init__(
        self,
        indptr: npt.NDArray[np.int32],
        indices: npt.NDArray[np.int32],
        data: FloatArray,
        width: int,
    ) -> None:
        from scipy import sparse

        self.width = width
        self.matrix = sparse.csr_matrix((data, indices, indptr), (len(indptr) - 1, width))

    @classmethod
    def named(cls, name: str, arrays: Arrays, width: int) -> _Csr:
        return cls(
            arrays[f"{name}_indptr"], arrays[f"{name}_indices"], arrays[f"{name}_data"], width
        )

    def times(self, idx: IntArray, val: FloatArray) -> FloatArray:
        return np.asarray(self.matrix[idx].T @ val, dtype=np.float32)


class _Strings(Sequence[str]):
    """Strings kept as one UTF-8 buffer and their end offsets, decoded when read."""

    def __init__(self, data: npt.NDArray[np.uint8], ends: IntArray) -> None:
        self._data, self._ends = data, ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        start = int(self._ends[i - 1]) if i > 0 else 0
        return bytes(self._data[start : int(self._ends[i])]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))


def _pack(name: str, strings: Sequence[str]) -> dict[str, npt.NDArray[Any]]:
    encoded = [s.encode("utf-8") for s in strings]
    return {
        f"{name}_bytes": np.frombuffer(b"".join(encoded), np.uint8).copy(),
        f"{name}_ends": np.cumsum([len(e) for e in encoded], dtype=np.int64),
    }


def _csr(name: str, matrix: Sparse) -> dict[str, npt.NDArray[Any]]:
    from scipy import sparse

    csr = sparse.csr_matrix(matrix, dtype=np.float32)
    csr.sort_indices()
    # one index type for both, so scipy maps them as they are instead of converting
    index = np.int32 if max(csr.nnz, *csr.shape) < np.iinfo(np.int32).max else np.int64
    return {
        f"{name}_indptr": csr.indptr.astype(index),
        f"{name}_indices": csr.indices.astype(index),
        f"{name}_data": csr.data.astype(np.float32),
    }


class _WordTable:
    """Which words the KB uses (sorted UTF-8), how rare each is (IDF over phrasings), and
    which articles use each (sorted article numbers per word, CSR)."""

    def __init__(self, arrays: Arrays, n_phrasings: int) -> None:
        self._terms = arrays["word_terms"]
        self._idf: npt.NDArray[np.float64] = arrays["word_idf"]
        self._indptr: IntArray = arrays["word_users_indptr"]
        self._users: npt.NDArray[np.int32] = arrays["word_users_indices"]
        self.unknown_idf = float(np.log(1 + n_phrasings) + 1)

    @property
    def idf(self) -> dict[str, float]:
        """Every KB word's IDF (for benches comparing other word evidence)."""
        return {t.decode("utf-8"): float(v) for t, v in zip(self._terms, self._idf, strict=True)}

    def coverage(self, norm_query: str, top: IntArray) -> tuple[float, FloatArray]:
        """Share of the question's IDF the KB knows (a word it never uses weighs the
        most: low when off-topic, however many common words it shares with the KB), and
        for each article in ``top`` the share of that known IDF its phrasings use."""
        words = norm_query.split()
        if not words or len(self._terms) == 0:
            return 0.0, np.zeros(len(top), np.float32)
        asked = np.array([w.encode("utf-8") for w in words])
        at = np.searchsorted(self._terms, asked)
        at[at == len(self._terms)] = 0
        known = at[self._terms[at] == asked]
        if len(known) == 0:
            return 0.0, np.zeros(len(top), np.float32)
        idf = self._idf[known]
        known_idf = float(idf.sum())
        total = known_idf + self.unknown_idf * (len(words) - len(known))
        mine = np.zeros(len(top), np.float64)
        indptr, users = self._indptr, self._users
        for word, weight in zip(known.tolist(), idf.tolist(), strict=True):
            row = users[indptr[word] : indptr[word + 1]]
            at_row = np.minimum(np.searchsorted(row, top), len(row) - 1)
            mine += weight * (row[at_row] == top)
        return known_idf / total, (mine / known_idf).astype(np.float32)


def _word_table(texts: Sequence[str], owner: IntArray) -> dict[str, npt.NDArray[Any]]:
    users: dict[str, set[int]] = {}
    phrasings: dict[str, int] = {}
    for text, article in zip(texts, owner.tolist(), strict=True):
        for word in set(text.split()):
            users.setdefault(word, set()).add(article)
            phrasings[word] = phrasings.get(word, 0) + 1
    n = len(texts)
    words = sorted(phrasings, key=lambda w: w.encode("utf-8"))
    width = max((len(w.encode("utf-8")) for w in words), default=1)
    rows = [sorted(users[w]) for w in words]
    return {
        "word_terms": np.array([w.encode("utf-8") for w in words], dtype=f"S{width}"),
        "word_idf": np.array([np.log((1 + n) / (1 + phrasings[w])) + 1 for w in words], np.float64),
        "word_users_indptr": np.cumsum([0, *map(len, rows)], dtype=np.int64),
        "word_users_indices": np.array([a for r in rows for a in r], np.int32),
    }


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


def _sums(rows: Sparse, owner: IntArray, n_articles: int) -> Sparse:
    """Each article's phrasing vectors, summed (articles x features, CSR)."""
    from scipy import sparse

    membership = sparse.csr_matrix(
        (np.ones(len(owner), np.float32), (owner, np.arange(len(owner)))),
        shape=(n_articles, len(owner)),
    )
    return sparse.csr_matrix(membership @ rows)


def _norms(matrix: Sparse) -> FloatArray:
    norms: FloatArray = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()).astype(
        np.float32
    )
    norms[norms == 0] = 1.0
    return norms


def _profile_norms(rows: Sparse, owner: IntArray, n_articles: int) -> FloatArray:
    """Length of each article's summed phrasing vectors (1 for an article without any)."""
    return _norms(_sums(rows, owner, n_articles))


def _centroids(rows: Sparse, owner: IntArray, n_articles: int) -> Sparse:
    from scipy import sparse

    sums = _sums(rows, owner, n_articles)
    return sparse.csr_matrix(sparse.diags(1.0 / _norms(sums)) @ sums)


def _train_linear(rows: Sparse, owner: IntArray, n_articles: int) -> tuple[Sparse, FloatArray]:
    """Weights (features x articles, CSR) and biases of a one-vs-rest linear SVM.

    With fewer than two articles there is nothing to tell apart: the weights are then the
    article centroids, which rank exactly like the profile scorer. Up to
    ``_FULL_PROBLEM_ARTICLES`` articles, each article is told apart from every other
    phrasing (one liblinear call) and keeps every weight; beyond, see :func:`_train_local`.
    """
    from scipy import sparse

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
    per_article = {int(a): _pruned(coef[k], 0.0) for k, a in enumerate(classes.tolist())}
    return _assemble(per_article, rows.shape[1], n_articles), bias


def _pruned(coef: FloatArray, share: float) -> tuple[npt.NDArray[np.int32], FloatArray]:
    """The weights that matter (nonzero and above ``share`` of the largest), as
    (features, values)."""
    size = np.abs(coef)
    used = np.flatnonzero(size > share * float(size.max(initial=0.0))).astype(np.int32)
    return used, coef[used].astype(np.float32)


def _assemble(
    per_article: dict[int, tuple[npt.NDArray[np.int32], FloatArray]],
    n_features: int,
    n_articles: int,
) -> Sparse:
    """Each article's pruned weights as one features x articles CSR matrix, built a
    column at a time (no sorting of 64-bit index triplets)."""
    from scipy import sparse

    counts = np.zeros(n_articles, np.int64)
    data: list[FloatArray] = []
    features: list[npt.NDArray[np.int32]] = []
    for article in sorted(per_article):
        used, values = per_article[article]
        counts[article] = len(used)
        data.append(values)
        features.append(used)
    columns = sparse.csc_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(features) if features else np.zeros(0, np.int32),
            np.concatenate([[0], np.cumsum(counts)]),
        ),
        shape=(n_features, n_articles),
    )
    return columns.tocsr()


def _fit_svm(rows: Sparse, labels: IntArray, tol: float = 1e-4) -> Any:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=_SVM_C, max_iter=2000, tol=tol, random_state=0)  # reproducible builds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svm.fit(rows, labels)
    return svm


def _closest_articles(profiles: Sparse, k: int) -> IntArray:
    """Each article's ``k`` closest other articles by centroid cosine, computed a block of
    articles at a time (the full articles x articles matrix is 400 MB at 10,000)."""
    n = profiles.shape[0]
    k = min(k, max(n - 1, 0))
    out = np.zeros((n, k), np.int64)
    columns = profiles.T
    for lo in range(0, n, _CLOSENESS_BLOCK):
        hi = min(n, lo + _CLOSENESS_BLOCK)
        block = np.asarray((profiles[lo:hi] @ columns).toarray(), np.float32)
        block[np.arange(hi - lo), np.arange(lo, hi)] = -1.0
        if k:
            part = np.argpartition(-block, k - 1, axis=1)[:, :k]
            order = np.argsort(-np.take_along_axis(block, part, 1), axis=1, kind="stable")
            out[lo:hi] = np.take_along_axis(part, order, 1)
    return out


def _train_local(rows: Sparse, owner: IntArray, n_articles: int) -> tuple[Sparse, FloatArray]:
    """One-vs-rest for large KBs, each article against the phrasings that matter.

    Training every article against every phrasing costs articles x phrasings, far too
    much for 1,000 articles of 100 phrasings. Each article is instead told apart from the
    phrasings of the ``_HARD_NEGATIVE_ARTICLES`` articles whose centroids are closest to
    its own (the ones it could be confused with) and from a random sample of the rest.
    Weights stay sparse: only features seen in an article's problem get one.
    """
    rng = np.random.default_rng(0)
    closest = _closest_articles(_centroids(rows, owner, n_articles), _HARD_NEGATIVE_ARTICLES)
    counts = np.bincount(owner, minlength=n_articles)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    order = np.argsort(owner, kind="stable")
    members = [order[starts[a] : starts[a] + counts[a]] for a in range(n_articles)]
    per_article: dict[int, tuple[npt.NDArray[np.int32], FloatArray]] = {}
    bias = np.full(n_articles, -10.0, np.float32)
    for a in np.flatnonzero(counts):
        negatives = np.concatenate([members[int(b)] for b in closest[a]])
        others = rng.integers(0, len(owner), _RANDOM_NEGATIVES)
        others = others[owner[others] != a]
        picked = np.unique(np.concatenate([members[int(a)], negatives, others]))
        labels = (owner[picked] == a).astype(np.int64)
        svm = _fit_svm(rows[picked], labels, _LOCAL_TOL)
        coef = np.asarray(svm.coef_[0], np.float32)
        per_article[int(a)] = _pruned(coef, PRUNE)
        bias[a] = float(svm.intercept_[0])
    return _assemble(per_article, rows.shape[1], n_articles), bias

"""Training the linear scorer: a one-vs-rest linear SVM over the KB's own phrasings.

Small KBs are one liblinear problem; large ones one small problem per article, against
the articles it could be confused with (:func:`_train_local`). Also the articles'
centroids, which the profile scorer compares against.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from kb.vectors import FloatArray, IntArray, Sparse

__all__ = ["PRUNE", "profile_norms", "train_linear"]

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


def profile_norms(rows: Sparse, owner: IntArray, n_articles: int) -> FloatArray:
    """Length of each article's summed phrasing vectors (1 for an article without any)."""
    return _norms(_sums(rows, owner, n_articles))


def _centroids(rows: Sparse, owner: IntArray, n_articles: int) -> Sparse:
    from scipy import sparse

    sums = _sums(rows, owner, n_articles)
    return sparse.csr_matrix(sparse.diags(1.0 / _norms(sums)) @ sums)


def train_linear(rows: Sparse, owner: IntArray, n_articles: int) -> tuple[Sparse, FloatArray]:
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

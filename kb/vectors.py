"""TF-IDF vectors over word and character n-grams, learnt from the KB's own phrasings.

Words carry meaning ("refund", "card"); character n-grams inside words survive typos
("recieve", "crad") and inflection ("activate", "activation"). Each group is normalised
on its own and the two are mixed with equal weight, so neither drowns the other; the
result has unit length, so dot products are cosines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["FloatArray", "IntArray", "Sparse", "Vectorizer"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
Sparse = Any
"""A ``scipy.sparse.csr_matrix`` (scipy ships no type information)."""

_WORD_NGRAMS = (1, 2)
_CHAR_NGRAMS = (2, 5)


class Vectorizer:
    """Vocabulary and IDF of normalised text (see :func:`kb.normalize.normalize`)."""

    def __init__(self, docs: Sequence[str]) -> None:
        self._words = TfidfVectorizer(
            ngram_range=_WORD_NGRAMS,
            sublinear_tf=True,
            lowercase=False,
            token_pattern=r"\b\w+\b",
            dtype=np.float32,
        )
        self._chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=_CHAR_NGRAMS,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        # Either group may have nothing to learn from (an empty KB, one-letter phrasings).
        parts = [(v, m) for v in (self._words, self._chars) if (m := _fit(v, docs)) is not None]
        self._fitted = [v for v, _ in parts]
        self.rows: Sparse = _unit_rows(
            sparse.hstack([m for _, m in parts], format="csr")
            if parts
            else sparse.csr_matrix((len(docs), 0), dtype=np.float32)
        )
        """``transform(docs)``, computed while fitting."""
        self.size = sum(len(v.vocabulary_) for v in self._fitted)
        # For one question at a time, sklearn's per-call overhead dominates; the same
        # analysers, vocabularies and IDF are applied by hand in ``transform_one``.
        self._groups: list[tuple[Any, dict[str, int], FloatArray, int]] = []
        offset = 0
        for v in self._fitted:
            idf = np.asarray(v.idf_, dtype=np.float32)
            self._groups.append((v.build_analyzer(), dict(v.vocabulary_), idf, offset))
            offset += len(v.vocabulary_)

    def transform(self, norm_texts: Sequence[str]) -> Sparse:
        """One unit-length CSR row per text; features the KB never uses are dropped."""
        if not self._fitted:
            return sparse.csr_matrix((len(norm_texts), 0), dtype=np.float32)
        return _unit_rows(
            sparse.hstack([v.transform(norm_texts) for v in self._fitted], format="csr")
        )

    def transform_one(self, norm_text: str) -> tuple[IntArray, FloatArray]:
        """The same vector as ``transform([norm_text])``, as (feature indices, values)."""
        indices: list[IntArray] = []
        values: list[FloatArray] = []
        for analyse, vocabulary, idf, offset in self._groups:
            counts: dict[int, int] = {}
            for feature in analyse(norm_text):
                j = vocabulary.get(feature)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), np.int64, len(counts))
            tf = np.fromiter(counts.values(), np.float32, len(counts))
            val = (1 + np.log(tf)) * idf[idx]
            indices.append(idx + offset)
            values.append(val / np.float32(np.linalg.norm(val)))
        if not indices:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.concatenate(indices)
        val = np.concatenate(values)
        return idx, (val / np.float32(np.linalg.norm(val))).astype(np.float32)


def _fit(vectorizer: Any, docs: Sequence[str]) -> Sparse | None:
    """The fitted documents' TF-IDF rows, or None if there is nothing to learn from."""
    try:
        return vectorizer.fit_transform(docs)
    except ValueError:  # "empty vocabulary"
        return None


def _unit_rows(matrix: Sparse) -> Sparse:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags((1.0 / norms).astype(np.float32)) @ matrix)

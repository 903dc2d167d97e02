"""Sparse TF-IDF vectors over word and character n-grams, in plain numpy.

Words carry meaning ("refund", "card"); character n-grams inside words survive typos
("recieve", "crad") and inflection ("activate", "activation"). Each group is normalised
on its own and the two are mixed with equal weight, so neither drowns the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kb.normalize import tokens

__all__ = ["SparseRows", "Vectorizer", "features"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

_CHAR_SIZES = (3, 4, 5)


def features(norm_text: str) -> tuple[list[str], list[str]]:
    """Word features (unigrams, bigrams) and character n-grams of normalised text."""
    words = tokens(norm_text)
    word_feats = [f"w {w}" for w in words]
    word_feats += [f"b {a} {b}" for a, b in itertools.pairwise(words)]
    char_feats: list[str] = []
    for w in words:
        padded = f" {w} "
        for n in _CHAR_SIZES:
            if len(padded) < n:
                continue
            char_feats.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return word_feats, char_feats


@dataclass(frozen=True)
class SparseRows:
    """Rows of a sparse matrix (CSR): row ``r`` is ``indices/data[indptr[r]:indptr[r+1]]``."""

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row(self, r: int) -> tuple[IntArray, FloatArray]:
        lo, hi = self.indptr[r], self.indptr[r + 1]
        return self.indices[lo:hi], self.data[lo:hi]

    @classmethod
    def stack(cls, rows: Sequence[tuple[IntArray, FloatArray]], n_cols: int) -> SparseRows:
        lengths = np.array([len(i) for i, _ in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        if rows:
            indices = np.concatenate([i for i, _ in rows]).astype(np.int64)
            data = np.concatenate([d for _, d in rows]).astype(np.float32)
        else:
            indices, data = np.zeros(0, np.int64), np.zeros(0, np.float32)
        return cls(indptr, indices, data, n_cols)

    def select(self, rows: IntArray) -> SparseRows:
        return SparseRows.stack([self.row(int(r)) for r in rows], self.n_cols)


class InvertedIndex:
    """Column-major copy of some rows, for scoring one query against all of them fast."""

    def __init__(self, rows: SparseRows) -> None:
        row_of = np.repeat(np.arange(rows.n_rows), np.diff(rows.indptr))
        order = np.argsort(rows.indices, kind="stable")
        self.n_rows = rows.n_rows
        self._rows = row_of[order]
        self._data = rows.data[order]
        counts = np.bincount(rows.indices, minlength=rows.n_cols)
        self._colptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def dot(self, indices: IntArray, values: FloatArray) -> FloatArray:
        """Dot product of one sparse query vector with every row."""
        if len(indices) == 0:
            return np.zeros(self.n_rows, np.float32)
        starts, ends = self._colptr[indices], self._colptr[indices + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.n_rows, np.float32)
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        positions = offsets + np.arange(total)
        weights = self._data[positions] * np.repeat(values, lengths)
        out = np.bincount(self._rows[positions], weights=weights, minlength=self.n_rows)
        return out.astype(np.float32)


class Vectorizer:
    """Vocabulary and IDF learnt from the KB's own phrasings."""

    def __init__(self, docs: Iterable[str]) -> None:
        vocab: dict[str, int] = {}
        df: list[int] = []
        n_docs = 0
        for doc in docs:
            n_docs += 1
            word_feats, char_feats = features(doc)
            for feat in set(word_feats) | set(char_feats):
                j = vocab.setdefault(feat, len(vocab))
                if j == len(df):
                    df.append(0)
                df[j] += 1
        self.vocab = vocab
        counts = np.array(df, dtype=np.float64)
        self.idf = (np.log((1 + n_docs) / (1 + counts)) + 1).astype(np.float32)

    @property
    def size(self) -> int:
        return len(self.vocab)

    def transform(self, norm_text: str) -> tuple[IntArray, FloatArray]:
        """Unit-length vector of known features; unknown ones are dropped."""
        word_feats, char_feats = features(norm_text)
        parts = [self._group(word_feats), self._group(char_feats)]
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scale = np.float32(1 / np.sqrt(len(parts)))
        idx = np.concatenate([p[0] for p in parts])
        val = np.concatenate([p[1] for p in parts]) * scale
        return idx, val.astype(np.float32)

    def _group(self, feats: list[str]) -> tuple[IntArray, FloatArray]:
        counts: dict[int, int] = {}
        for f in feats:
            j = self.vocab.get(f)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.fromiter(counts.keys(), np.int64, len(counts))
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        val = (1 + np.log(tf)) * self.idf[idx]
        return idx, (val / np.linalg.norm(val)).astype(np.float32)

"""The coverage evidence: how much of a question the KB knows at all, and how much of
what it knows each candidate article's own phrasings use (see :mod:`kb.index`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from kb.index_arrays import Arrays
from kb.vectors import FloatArray, IntArray

__all__ = ["WordTable", "word_table"]


class WordTable:
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


def word_table(texts: Sequence[str], owner: IntArray) -> dict[str, npt.NDArray[Any]]:
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

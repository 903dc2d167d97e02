"""TF-IDF vectors over word and character n-grams, learnt from the KB's own phrasings.

Words carry meaning ("refund", "card"); character n-grams inside words survive typos
("recieve", "crad") and inflection ("activate", "activation"). Each group is normalised
on its own and the two are mixed with equal weight, so neither drowns the other; the
result has unit length, so dot products are cosines.

Fitting uses scikit-learn; turning a question into a vector does not. A fitted
vocabulary is kept as a :class:`Lexicon`: n-grams sorted as UTF-8 bytes, searched with
``np.searchsorted``, and their IDF. Those are plain arrays that a cached index maps from
disk and every worker shares; scikit-learn's dict of Python strings cost each worker tens
of MB at 10,000 articles, and importing scikit-learn about 80 MB more.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "IntArray",
    "Lexicon",
    "Sparse",
    "Vectorizer",
    "char_ngrams",
    "word_ngrams",
]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
Sparse = Any
"""A ``scipy.sparse.csr_matrix`` (scipy ships no type information)."""

_WORD_NGRAMS = (1, 2)
_CHAR_NGRAMS = (2, 5)
_TOKEN = re.compile(r"\b\w+\b")
_SPACES = re.compile(r"\s\s+")


def word_ngrams(text: str) -> list[str]:
    """Words and runs of adjacent words: scikit-learn's word analyser as configured here
    (no lower-casing or accent stripping: the text is normalised already)."""
    tokens: list[str] = _TOKEN.findall(text)
    lo, hi = _WORD_NGRAMS
    grams = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_ngrams(text: str) -> list[str]:
    """Character n-grams inside space-padded words: scikit-learn's ``char_wb``."""
    lo, hi = _CHAR_NGRAMS
    grams: list[str] = []
    for word in _SPACES.sub(" ", text).split():
        padded = f" {word} "
        for n in range(lo, hi + 1):
            grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
            if len(padded) <= n:  # a word shorter than n counts once, whole
                break
    return grams


_ANALYSERS: dict[str, Callable[[str], list[str]]] = {"words": word_ngrams, "chars": char_ngrams}


class Lexicon:
    """Fitted vocabularies and IDF as arrays: all that vectorising a question needs.

    Per group (``words``, ``chars``), in ``arrays``: ``<group>_terms`` (UTF-8 n-grams,
    sorted bytewise, which is code-point order), ``<group>_feature`` (each sorted term's
    column within the group) and ``<group>_idf`` (per column). Columns of the second group
    follow those of the first.
    """

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        self.arrays = {k: v for k, v in arrays.items() if k.split("_")[0] in _ANALYSERS}
        self._groups: list[tuple[Callable[[str], list[str]], Any, Any, FloatArray, int]] = []
        self.size = 0
        for name, analyse in _ANALYSERS.items():
            terms = arrays.get(f"{name}_terms")
            if terms is None or len(terms) == 0:
                continue
            idf = arrays[f"{name}_idf"]
            self._groups.append((analyse, terms, arrays[f"{name}_feature"], idf, self.size))
            self.size += len(idf)

    @classmethod
    def from_vocabularies(
        cls, groups: Mapping[str, tuple[Mapping[str, int], npt.NDArray[Any]]]
    ) -> Lexicon:
        """From ``{group: (term -> column, idf per column)}`` (fitted vectorizers)."""
        arrays: dict[str, npt.NDArray[Any]] = {}
        for name, (vocabulary, idf) in groups.items():
            encoded = sorted((t.encode("utf-8"), j) for t, j in vocabulary.items())
            width = max((len(t) for t, _ in encoded), default=1)
            arrays[f"{name}_terms"] = np.array([t for t, _ in encoded], dtype=f"S{width}")
            arrays[f"{name}_feature"] = np.array([j for _, j in encoded], dtype=np.int32)
            arrays[f"{name}_idf"] = np.asarray(idf, dtype=np.float32)
        return cls(arrays)

    def transform_one(self, norm_text: str) -> tuple[IntArray, FloatArray]:
        """The unit TF-IDF vector of ``norm_text`` as (feature indices, values); n-grams
        the KB never uses are dropped (as by ``Vectorizer.transform``)."""
        indices: list[IntArray] = []
        values: list[FloatArray] = []
        for analyse, terms, feature, idf, offset in self._groups:
            counts = Counter(analyse(norm_text))
            if not counts:
                continue
            asked = np.array([gram.encode("utf-8") for gram in counts])
            at = np.searchsorted(terms, asked)
            at[at == len(terms)] = 0
            known = terms[at] == asked
            if not known.any():
                continue
            columns = feature[at[known]].astype(np.int64)
            tf = np.fromiter(counts.values(), np.float32, len(counts))[known]
            val = ((1 + np.log(tf)) * idf[columns]).astype(np.float32)
            indices.append(columns + offset)
            values.append(val / np.float32(np.linalg.norm(val)))
        if not indices:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.concatenate(indices)
        val = np.concatenate(values)
        return idx, (val / np.float32(np.linalg.norm(val))).astype(np.float32)


class Vectorizer:
    """Vocabulary and IDF of normalised text (see :func:`kb.normalize.normalize`),
    fitted with scikit-learn; ``rows`` are the fitted texts' vectors."""

    def __init__(self, docs: Sequence[str]) -> None:
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = TfidfVectorizer(
            ngram_range=_WORD_NGRAMS,
            sublinear_tf=True,
            lowercase=False,
            token_pattern=_TOKEN.pattern,
            dtype=np.float32,
        )
        chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=_CHAR_NGRAMS,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float32,
        )
        # Either group may have nothing to learn from (an empty KB, one-letter phrasings).
        parts = [
            (name, v, m)
            for name, v in (("words", words), ("chars", chars))
            if (m := _fit(v, docs)) is not None
        ]
        self._fitted = [v for _, v, _ in parts]
        self.rows: Sparse = _unit_rows(
            sparse.hstack([m for _, _, m in parts], format="csr")
            if parts
            else sparse.csr_matrix((len(docs), 0), dtype=np.float32)
        )
        """``transform(docs)``, computed while fitting."""
        self.lexicon = Lexicon.from_vocabularies(
            {name: (v.vocabulary_, v.idf_) for name, v, _ in parts}
        )
        self.size = self.lexicon.size

    def transform(self, norm_texts: Sequence[str]) -> Sparse:
        """One unit-length CSR row per text; features the KB never uses are dropped."""
        from scipy import sparse

        if not self._fitted:
            return sparse.csr_matrix((len(norm_texts), 0), dtype=np.float32)
        return _unit_rows(
            sparse.hstack([v.transform(norm_texts) for v in self._fitted], format="csr")
        )

    def transform_one(self, norm_text: str) -> tuple[IntArray, FloatArray]:
        """The same vector as ``transform([norm_text])``, as (feature indices, values)."""
        return self.lexicon.transform_one(norm_text)


def _fit(vectorizer: Any, docs: Sequence[str]) -> Sparse | None:
    """The fitted documents' TF-IDF rows, or None if there is nothing to learn from."""
    try:
        return vectorizer.fit_transform(docs)
    except ValueError:  # "empty vocabulary"
        return None


def _unit_rows(matrix: Sparse) -> Sparse:
    from scipy import sparse

    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags((1.0 / norms).astype(np.float32)) @ matrix)

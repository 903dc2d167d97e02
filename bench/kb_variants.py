"""tier0 variants for ``bench.kb_quality``: the matcher with one part taken out, with
evidence tried and not kept, or with a sentence encoder's evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench.kb_semantic import FunctionEncoder
from kb.articles import Article
from kb.decision import Match
from kb.index import EVIDENCE, Candidates
from kb.search import KnowledgeBase
from kb.semantic import SemanticIndex
from kb.typos import SpellFixer

__all__ = ["semantic_rows", "tier0_variants"]


class _Masked:
    """An index whose candidates have some evidence columns held at zero (so the
    confidence model cannot use them): the matcher without that part."""

    def __init__(self, index: Any, drop: Sequence[str]) -> None:
        self._index = index
        self._drop = [EVIDENCE.index(name) for name in drop]

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self._index.candidates(norm_query, allowed)
        if found is None:
            return None
        evidence = found.evidence.copy()
        evidence[:, self._drop] = 0.0
        return Candidates(found.articles, evidence)


class _Margin:
    """The SVM alone: confidence = its score's lead over the runner-up, squashed."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._lead = EVIDENCE.index("linear_lead")

    def __call__(self, text: str) -> list[Match]:
        found = self._kb.candidates(text)
        if found is None:
            return []
        leads = found.evidence[:, self._lead]
        return [
            Match(self._kb.articles[int(a)], float(1.0 / (1.0 + np.exp(-4.0 * lead))))
            for a, lead in zip(found.articles[:5], leads[:5], strict=True)
        ]


class _WordEvidence:
    """An index whose candidates carry one more evidence column, computed from which words
    each article's phrasings use (evidence tried on val and not kept)."""

    def __init__(self, index: Any, kind: str) -> None:
        self._index = index
        self._kind = kind
        users: dict[str, list[int]] = {}
        for text, article in zip(index.texts, index.owner, strict=True):
            for word in set(text.split()):
                users.setdefault(word, []).append(int(article))
        self._uses = {w: np.bincount(a, minlength=index.n_articles) for w, a in users.items()}
        self._phrasings = np.bincount(index.owner, minlength=index.n_articles)
        self._idf = index._words.idf
        self._coverage = EVIDENCE.index("article_coverage")

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self._index.candidates(norm_query, allowed)
        if found is None:
            return None
        top = found.articles
        words = [w for w in self._index.fixer.fix(norm_query).split() if w in self._idf]
        if self._kind == "length":
            column = np.full(len(top), len(norm_query.split()), np.float32)
        elif self._kind == "coverage lead":
            cov = found.evidence[:, self._coverage]
            others = [np.delete(cov, k).max(initial=0.0) for k in range(len(top))]
            column = (cov - np.array(others)).astype(np.float32)
        elif self._kind == "missing word":  # IDF of the rarest known word it never uses
            column = np.array(
                [
                    max([self._idf[w] for w in words if not self._uses[w][a]], default=0.0)
                    for a in top
                ],
                np.float32,
            )
        else:  # "word share": lowest in-article share of the informative words, log
            informative = [w for w in words if self._idf[w] > 2.0]
            column = np.array(
                [
                    min(
                        (
                            np.log((self._uses[w][a] + 0.5) / (self._phrasings[a] + 1))
                            for w in informative
                        ),
                        default=0.0,
                    )
                    for a in top
                ],
                np.float32,
            )
        return Candidates(top, np.hstack([found.evidence, column[:, None]]))


class _Uncorrected(SemanticIndex):
    """The semantic scorer embedding the question as typed (normalised), not corrected."""

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self.index.candidates(norm_query, allowed)
        if found is None:
            return None
        query = self._encoder.encode([norm_query])[0]
        extra = self.evidence_for(query, found.articles, allowed)
        return Candidates(found.articles, np.hstack([found.evidence, extra]))


def _no_typo_correction(kb: KnowledgeBase) -> KnowledgeBase:
    index = kb._index  # a bench variant, not an API
    index.fixer = SpellFixer([])  # knows no words, so corrects none
    return kb


def tier0_variants(articles: Sequence[Article]) -> dict[str, Callable[[], Any]]:
    """Name -> builder of a calibrable KB or of a fixed ``Rank`` (see :func:`main`)."""

    def masked(drop: Sequence[str]) -> Callable[[], KnowledgeBase]:
        def build() -> KnowledgeBase:
            kb = KnowledgeBase.build(articles, learn_confidence=False)
            masked_index: Any = _Masked(kb._index, drop)
            return KnowledgeBase(kb.articles, masked_index, kb.confidence)

        return build

    def with_evidence(kind: str) -> Callable[[], KnowledgeBase]:
        def build() -> KnowledgeBase:
            kb = KnowledgeBase.build(articles, learn_confidence=False)
            extended: Any = _WordEvidence(kb._index, kind)
            return KnowledgeBase(kb.articles, extended, kb.confidence)

        return build

    return {
        "tier0": lambda: KnowledgeBase.build(articles, learn_confidence=False),
        "tier0 without article coverage": masked(["article_coverage"]),
        "tier0 without kNN vote": masked(["knn", "knn_top"]),
        "tier0 without fuzzy scorer": masked(["fuzzy", "fuzzy_lead", "fuzzy_top"]),
        "tier0 without typo correction": lambda: _no_typo_correction(
            KnowledgeBase.build(articles, learn_confidence=False)
        ),
        "tier0 SVM margin only": lambda: _Margin(
            KnowledgeBase.build(articles, learn_confidence=False)
        ),
        "tier0 KB-learnt confidence": lambda: ("fixed model", KnowledgeBase.build(articles)),
        "tier0 + missing-word IDF": with_evidence("missing word"),
        "tier0 + lowest word share": with_evidence("word share"),
        "tier0 + question length": with_evidence("length"),
        "tier0 + coverage lead": with_evidence("coverage lead"),
    }


def semantic_rows(
    articles: Sequence[Article], label: str, encoder: FunctionEncoder
) -> dict[str, Callable[[], Any]]:
    """tier0 with an encoder's evidence (:mod:`kb.semantic`), and for the shipped one the
    same with the question embedded before typo correction."""

    def build() -> KnowledgeBase:
        return KnowledgeBase.build(articles, learn_confidence=False, semantic=encoder)

    def uncorrected() -> KnowledgeBase:
        kb = build()
        assert isinstance(kb._index, SemanticIndex)
        index: Any = _Uncorrected(kb._index.index, encoder)
        return KnowledgeBase(kb.articles, index, kb.confidence)

    if label != "semantic":
        return {f"tier0 + {label} evidence": build}
    return {"tier0 + semantic": build, "tier0 + semantic, question not typo-corrected": uncorrected}

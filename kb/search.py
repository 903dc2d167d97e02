"""Ranking articles for a question, with a calibrated confidence, most confident first.

:mod:`kb.index` gathers the evidence (a linear classifier trained on the KB's phrasings
ranks the candidates; nearest-phrasing, profile and fuzzy scorers second-guess it) and
:mod:`kb.confidence` turns it into the probability that each candidate is right. Matches
come back in that order, so the first match is always the most confident one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kb.articles import Article
from kb.calibration import Calibration, CalibrationError
from kb.confidence import ConfidenceModel
from kb.decision import Match, Thresholds
from kb.index import EVIDENCE, Candidates, Index
from kb.index_build import build_index
from kb.index_cache import IndexCache, Job
from kb.normalize import normalize
from kb.semantic import Encoder, SemanticIndex

__all__ = ["KnowledgeBase"]


class KnowledgeBase:
    """An immutable, searchable KB. Build once at start-up; ``rank`` is cheap and thread-safe."""

    def __init__(
        self,
        articles: tuple[Article, ...],
        index: Index | SemanticIndex,
        confidence: ConfidenceModel,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.articles = articles
        self._index = index
        self.evidence = index.evidence if isinstance(index, SemanticIndex) else EVIDENCE
        """The evidence the index gives (a confidence model must be fitted on the same)."""
        if confidence.features != self.evidence:
            raise CalibrationError(
                "the calibration was fitted with the semantic scorer "
                + ("off" if len(confidence.features) < len(self.evidence) else "on")
                + " ([kb] semantic): calibrate the KB again with the same setting"
            )
        self.confidence = confidence
        self.thresholds = thresholds
        """The calibrated thresholds for this KB, if it was built with a calibration."""
        self._audience = np.array([a.audience for a in articles])
        self._locale = _locales(articles)

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        *,
        calibration: Calibration | None = None,
        learn_confidence: bool = True,
        cache: IndexCache | None = None,
        semantic: Encoder | None = None,
    ) -> KnowledgeBase:
        """Index ``articles``. Confidence comes from ``calibration`` if given, else from a
        model learnt on the KB's own phrasings (or a hand-set prior if
        ``learn_confidence`` is false, for callers about to calibrate anyway). With a
        ``cache``, an index built before for the same phrasings is mapped from disk. With a
        ``semantic`` encoder, candidates also carry sentence-embedding evidence
        (:mod:`kb.semantic`), which only a calibration's model weighs."""
        arts = tuple(articles)
        texts: list[str] = []
        owners: list[int] = []
        for i, article in enumerate(arts):
            for phrasing in dict.fromkeys((article.title, *article.questions)):
                norm = normalize(phrasing)
                if norm:
                    texts.append(norm)
                    owners.append(i)
        job = Job(
            texts,
            np.array(owners, dtype=np.int64),
            [a.locale.casefold() for a in arts],
            calibration is None and learn_confidence,
        )
        built, learnt = build_index(job) if cache is None else cache.index(job, build_index)
        index = built if semantic is None else SemanticIndex(built, semantic)
        if calibration is not None:
            return cls(arts, index, calibration.model, calibration.thresholds)
        fallback = learnt or ConfidenceModel.prior()
        return cls(
            arts, index, fallback.over(EVIDENCE if semantic is None else SemanticIndex.evidence)
        )

    def calibrated(self, calibration: Calibration) -> KnowledgeBase:
        """The same index with a calibration's confidence model and thresholds."""
        return KnowledgeBase(self.articles, self._index, calibration.model, calibration.thresholds)

    def rank(
        self,
        query: str,
        *,
        audience: str | None = None,
        locales: Sequence[str] | None = None,
        limit: int = 5,
    ) -> list[Match]:
        """Articles the asker may see, most confident first, with the chance each is right."""
        if not self.articles or limit <= 0:
            return []
        return self.matches(self.candidates(query, audience=audience, locales=locales), limit)

    def candidates(
        self,
        query: str,
        *,
        audience: str | None = None,
        locales: Sequence[str] | None = None,
    ) -> Candidates | None:
        """The evidence behind :meth:`rank`, before confidence (for calibration)."""
        if not self.articles:
            return None
        allowed = np.ones(len(self.articles), dtype=bool)
        if audience is not None:
            allowed &= (self._audience == audience) | (self._audience == "all")
        if locales is not None:
            allowed &= np.isin(self._locale, [loc.casefold() for loc in locales])
        return self._index.candidates(normalize(query), allowed)

    def matches(
        self,
        candidates: Candidates | None,
        limit: int = 5,
        *,
        model: ConfidenceModel | None = None,
    ) -> list[Match]:
        """Candidates as matches, most confident first (ties keep the ranker's order)."""
        if candidates is None or limit <= 0:
            return []
        confidence = (model or self.confidence).predict(candidates.evidence)
        order = np.argsort(-confidence, kind="stable")[:limit]
        return [
            Match(self.articles[int(candidates.articles[k])], round(float(confidence[k]), 4))
            for k in order
        ]


def _locales(articles: Sequence[Article]) -> npt.NDArray[np.str_]:
    return np.array([a.locale.casefold() for a in articles])

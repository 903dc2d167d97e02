"""Knowledge-base gaps: what people keep asking that the KB does not answer.

The questions that ended in a ticket or in "Still need help" are grouped by fuzzy
similarity: each is normalised (``kb.normalize``) and stripped of English stop words, so
"how do I get a figma license" and "figma says I have no license" compare as "figma
license" and "figma says license"; rapidfuzz's ``token_set_ratio`` scores every pair
(``cdist``), and average-linkage clustering joins groups while their members are, on
average, at least ``threshold`` similar. Average linkage does not chain: one question
that resembles two topics does not merge them. Each cluster is labelled by its medoid,
the question most similar to the others: its most typical wording.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from kb.normalize import normalize

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_QUESTIONS",
    "Asked",
    "GapCluster",
    "find_gaps",
    "similarity",
]

DEFAULT_THRESHOLD = 55.0
"""Average token_set_ratio (0-100) that members of one cluster share, at least. Chosen on
the demo's gap questions mixed with KB phrasings (tier0/demo/cast.py): at 55 no cluster
mixed two topics; at 50 some did, above 60 most topics fell apart into pairs."""
MAX_QUESTIONS = 3000
"""The most recent questions clustered at most: the pairwise scores grow with the square."""


@dataclass(frozen=True)
class Asked:
    """A question the bot could not settle; ``article_id``: the answer that did not help."""

    text: str
    article_id: str | None = None


@dataclass(frozen=True)
class GapCluster:
    """Questions about one thing. ``questions`` are most typical first (the first is the
    label); ``tried`` are the articles the bot answered them with, to no avail."""

    questions: tuple[str, ...]
    tried: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        return self.questions[0]

    @property
    def count(self) -> int:
        return len(self.questions)

    def examples(self, limit: int = 3) -> list[str]:
        """Other wordings than the label, most typical first, each once."""
        seen = {_key(self.label)}
        found: list[str] = []
        for question in self.questions[1:]:
            key = _key(question)
            if key not in seen:
                seen.add(key)
                found.append(question)
            if len(found) == limit:
                break
        return found


def find_gaps(
    asked: Sequence[Asked], *, threshold: float = DEFAULT_THRESHOLD, min_size: int = 2
) -> list[GapCluster]:
    """Clusters of at least ``min_size`` questions, the biggest first (then by label)."""
    asked = [a for a in asked[-MAX_QUESTIONS:] if _key(a.text)]
    if len(asked) < max(min_size, 1):
        return []
    keys = [_key(a.text) for a in asked]
    similarity = process.cdist(keys, keys, scorer=fuzz.token_set_ratio, dtype=np.float32)
    labels = _clusters(similarity, threshold)
    clusters = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < min_size:
            continue
        typical = similarity[np.ix_(members, members)].sum(axis=1)
        ordered = members[np.argsort(-typical, kind="stable")]
        tried = Counter(asked[i].article_id for i in ordered if asked[i].article_id)
        clusters.append(
            GapCluster(
                tuple(asked[i].text for i in ordered),
                tuple(sorted(tried.items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    return sorted(clusters, key=lambda c: (-c.count, c.label))


def _clusters(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """One cluster number per question (average linkage, cut at ``threshold``)."""
    # Imported here: every worker imports this module, few ever cluster (scipy.cluster
    # and scikit-learn cost a worker ~90 MB of memory at import).
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(similarity) == 1:
        return np.zeros(1, dtype=int)
    distance = 100.0 - (similarity + similarity.T) / 2  # symmetric, whatever the scorer
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return np.asarray(fcluster(tree, t=100.0 - threshold, criterion="distance"))


def _key(text: str) -> str:
    """What is compared: the normalised words, without English stop words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = normalize(text).split()
    kept = [w for w in words if w not in ENGLISH_STOP_WORDS]
    return " ".join(kept or words)


def similarity(a: str, b: str) -> float:
    """How alike two questions are (0-100), as the clustering compares them."""
    return float(fuzz.token_set_ratio(_key(a), _key(b)))

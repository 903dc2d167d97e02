"""Building a KB's index (and the confidence model learnt on its own phrasings) for a job.

Apart from :mod:`kb.index_cache`, which keeps builds on disk and runs this in a child
process (:func:`main`) when asked, and from :mod:`kb.search`, which uses the result.
"""

from __future__ import annotations

import logging
import pickle
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb.confidence import ConfidenceModel, Score, fit_on_kb
from kb.index import Index
from kb.index_cache import IndexCache, Job
from kb.vectors import IntArray

__all__ = ["build_index", "main"]


def build_index(job: Job) -> tuple[Index, ConfidenceModel | None]:
    """The index of ``job``'s phrasings, and the confidence model learnt from the KB's
    own folds if ``job.learn``."""
    index = Index(job.texts, job.owner, job.n_articles)
    if not job.learn:
        return index, None
    # Chat searches the asker's own language first, so a held-out phrasing competes
    # only with articles of its article's locale: a translation is not a rival there.
    locale = np.array(job.locales)

    def fold_scorer(keep: IntArray) -> Score:
        fold = Index([job.texts[int(i)] for i in keep], job.owner[keep], job.n_articles)
        return lambda text, asked_of: fold.candidates(text, locale == locale[asked_of])

    return index, fit_on_kb(job.texts, job.owner, job.n_articles, fold_scorer)


def main(argv: Sequence[str]) -> int:
    """Child build: the :class:`Job` pickled on standard input, cached in folder ``argv[0]``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    job: Job = pickle.loads(sys.stdin.buffer.read())
    index, model = build_index(job)
    IndexCache(Path(argv[0])).save(job.key(), index, model)
    return 0

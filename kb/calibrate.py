"""Calibrating a KB on its help desk's own labelled questions.

A KB's own phrasings say little about the questions it cannot answer, so a file of real
questions (``{"text": ..., "expected": article id or null}``, as in KB_EVAL.md) is the
better teacher. :func:`calibrate` fits the confidence model on it (out-of-scope questions
weighing ``OUT_OF_SCOPE_WEIGHT``) and picks the answer threshold that maximises
``score``. The threshold is chosen on confidences the model gave to questions it was not
fitted on (k-fold cross-fitting), so it is not tuned to the model's own flattery; the
model that ships is then fitted on every question. The result is a
:class:`~kb.calibration.Calibration`, saved beside the KB.

``score`` does not depend on the suggest threshold (suggestions are neither answers nor
wrong answers). A short list is only worth a question back to the asker when it usually
holds the right article, so the suggest threshold is the lowest at which, among the
calibration questions that would not be answered, the offered lists hold the expected
article at least ``SUGGEST_HIT_TARGET`` of the time (on the same cross-fitted confidences).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kb.calibration import Calibration
from kb.confidence import ConfidenceModel, Examples, fit_confidence
from kb.decision import MAX_SUGGESTIONS, Thresholds, chance_listed
from kb.index import Candidates
from kb.queries import Outcome, Query
from kb.search import KnowledgeBase

__all__ = [
    "CROSS_FOLDS",
    "OUT_OF_SCOPE_WEIGHT",
    "calibrate",
    "calibrate_thresholds",
    "score_curve",
    "suggest_threshold",
]

CROSS_FOLDS = 5
OUT_OF_SCOPE_WEIGHT = 2.0
"""How much an out-of-scope calibration question weighs in the confidence model against an
in-scope one. ``score`` weighs the two populations equally, but a help desk's file holds
few questions it cannot answer (BANKING77's val: 12%). Measured with ``bench.kb_calibration``
on three data sets' val files, weight 2 scored higher than 1 on all three, with and
without the semantic scorer, and higher on the two data sets never tuned on; fully
balanced weights (about 7) scored as well but pushed the confidences so far from
probabilities that answer thresholds fell to 0.4-0.6 and lists held the answer half as
often (HWU64: 0.50)."""
SUGGEST_HIT_TARGET = 0.85
"""Share of offered lists that should hold the right article (the rest cost the asker a
question back and then a ticket anyway)."""


def calibrate(kb: KnowledgeBase, queries: Sequence[Query], configured: Thresholds) -> Calibration:
    """Fit the confidence model and the answer threshold on labelled ``queries``.

    With too few right and wrong candidates to learn from, the KB keeps its current model
    and only the threshold is chosen.
    """
    positions = {article.id: n for n, article in enumerate(kb.articles)}
    scored = [kb.candidates(q.text) for q in queries]
    expected = [positions.get(q.expected) if q.expected is not None else None for q in queries]

    def examples(members: Sequence[int]) -> Examples:
        out = Examples.empty()
        for m in members:
            out.add(scored[m], expected[m], 1.0 if expected[m] is not None else OUT_OF_SCOPE_WEIGHT)
        return out

    model = fit_confidence(examples(range(len(queries))), features=kb.evidence)
    if model is None:
        outcomes = [_outcome(kb, q, c, kb.confidence) for q, c in zip(queries, scored, strict=True)]
        return Calibration(kb.confidence, calibrate_thresholds(outcomes, configured), len(queries))
    folds = np.random.default_rng(0).permutation(len(queries)) % CROSS_FOLDS
    outcomes = []
    for fold in range(CROSS_FOLDS):
        held_out = np.flatnonzero(folds == fold)
        members = np.flatnonzero(folds != fold).tolist()
        fitted = fit_confidence(examples(members), features=kb.evidence) or model
        outcomes += [_outcome(kb, queries[m], scored[m], fitted) for m in held_out.tolist()]
    return Calibration(model, calibrate_thresholds(outcomes, configured), len(queries))


def _outcome(
    kb: KnowledgeBase, query: Query, candidates: Candidates | None, model: ConfidenceModel
) -> Outcome:
    return Outcome(query, tuple(kb.matches(candidates, model=model)), 0.0)


def calibrate_thresholds(outcomes: Sequence[Outcome], configured: Thresholds) -> Thresholds:
    """The answer threshold maximising ``score`` on ``outcomes`` and the suggest threshold
    for it (see module docstring); ``configured.suggest`` stays when no question would be
    offered a list.

    Answer candidates are the observed top confidences (each is where an answer flips)
    plus 1.0 (never answer); ties go to the highest threshold, the more careful choice.
    """
    candidates, deflection, escalation = score_curve(outcomes)
    scores = 0.5 * deflection + 0.5 * escalation
    best = np.flatnonzero(scores >= scores.max() - 1e-12)[-1]
    answer = float(candidates[best])
    unanswered = [o for o in outcomes if o.matches and o.matches[0].confidence < answer]
    return Thresholds(answer, suggest_threshold(unanswered, configured.suggest))


def score_curve(
    outcomes: Sequence[Outcome],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Every answer threshold where an answer flips (the observed top confidences, and 1.0
    for never answering), with the deflection and out-of-scope escalation rates at each."""
    tops = np.array([o.matches[0].confidence if o.matches else 0.0 for o in outcomes])
    in_scope = np.array([o.query.expected is not None for o in outcomes], dtype=bool)
    right = np.array(
        [bool(o.matches) and o.matches[0].article.id == o.query.expected for o in outcomes],
        dtype=bool,
    )
    thresholds = np.array(sorted(set(tops.tolist()) | {1.0}))
    answered_right = np.sort(tops[right]) if len(tops) else np.zeros(0)
    out_of_scope = np.sort(tops[~in_scope]) if len(tops) else np.zeros(0)
    deflection = (len(answered_right) - np.searchsorted(answered_right, thresholds, "left")) / max(
        int(in_scope.sum()), 1
    )
    escalation = np.searchsorted(out_of_scope, thresholds, "left") / max(len(out_of_scope), 1)
    return thresholds, deflection, escalation


def suggest_threshold(unanswered: Sequence[Outcome], configured: float) -> float:
    """The lowest chance-listed threshold at which offered lists hold the expected article
    at least ``SUGGEST_HIT_TARGET`` of the time; failing that, the most reliable one."""
    if not unanswered:
        return configured
    chance = np.array([chance_listed(o.matches[:MAX_SUGGESTIONS]) for o in unanswered])
    hit = np.array(
        [
            o.query.expected in {m.article.id for m in o.matches[:MAX_SUGGESTIONS]}
            for o in unanswered
        ]
    )
    order = np.argsort(-chance, kind="stable")
    chance, hit = chance[order], hit[order]
    # offering at threshold chance[k] offers the lists 0..k (and any tied with k)
    last = np.searchsorted(-chance, -chance, "right") - 1
    rate = np.cumsum(hit)[last] / (last + 1)
    reaching = np.flatnonzero(rate >= SUGGEST_HIT_TARGET)
    k = reaching[-1] if len(reaching) else int(np.argmax(rate))
    return float(chance[k])

"""Ways of fitting the confidence model and the answer threshold on val, compared on
several data sets: is the shipped way the best of those tried on data it was not tuned on?

Run: ``python -m bench.kb_calibration --data DIR [--data DIR ...] [--out bench/results/]``.
Each data set is a folder in KB_EVAL format (``kb/``, ``val.jsonl``, ``test.jsonl``,
``test-typos.jsonl``); BANKING77 is the default. Its questions are scored once per scorer
(the default, and the ``semantic`` scorer when its extra is installed); every variant
then fits on val's evidence with 5-fold cross-fitting, as :func:`kb.calibration.calibrate`
does, and is measured on test and test-typos. The shipped variant is checked against
``calibrate`` itself: the bench stops if they disagree.

Besides ``score`` at the threshold chosen on val, the table gives the best score any
threshold reaches on test ("best-threshold"): that one tells a better confidence model
from a luckier threshold, and no variant is chosen on it.

Variants:

* ``shipped``: out-of-scope val questions weigh ``OUT_OF_SCOPE_WEIGHT`` (2), in-scope ones
  1; the threshold with the best val score. Every other variant changes one thing;
* ``out-of-scope x1`` / ``out-of-scope balanced``: out-of-scope val questions weigh 1 (as
  until this bench was written), or as much in all as the in-scope ones (as the two
  populations do in ``score``);
* ``leave-article-out``: each in-scope val question also scored with its own article
  removed, as an out-of-scope example weighing 0.5 (questions next to the KB's topics);
* ``boosted trees`` / ``pairwise products``: a non-linear confidence model
  (scikit-learn's histogram gradient boosting; logistic regression over the evidence and
  every product of two of its columns, ridge 10);
* ``one-SE threshold``: the most careful threshold whose val score is within one standard
  error of the best; ``bagged threshold``: the median of the best thresholds of 50
  bootstrap resamples of val;
* ``without above-usual`` (semantic scorer only): the two columns that compare a
  question's closeness with the article's usual one (:mod:`kb.semantic`) left out.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from bench.kb_quality import BANKING77, CONFIGURED, ROOT
from bench.kb_semantic import shipped_encoder
from kb.articles import load_articles
from kb.calibrate import (
    CROSS_FOLDS,
    OUT_OF_SCOPE_WEIGHT,
    calibrate,
    calibrate_thresholds,
    score_curve,
    suggest_threshold,
)
from kb.confidence import Examples, fit_confidence
from kb.decision import Match, Thresholds
from kb.evaluation import summarize
from kb.index import Candidates
from kb.normalize import normalize
from kb.queries import Outcome, Query, load_queries
from kb.search import KnowledgeBase
from kb.semantic import load_encoder

TEST_FILES = ("test", "test-typos")
ABOVE_USUAL = ("semantic_above_usual", "semantic_centroid_above_usual")

Predict = Callable[[np.ndarray], np.ndarray]
"""Evidence rows -> the chance each candidate is the right article."""


@dataclass
class Scored:
    """One data set's questions scored once by one KB: the evidence every variant fits on."""

    kb: KnowledgeBase
    val: list[Query]
    val_candidates: list[Candidates | None]
    without_own_article: list[tuple[int, Candidates | None]]
    """(val position, candidates with the expected article removed) per in-scope question."""
    tests: dict[str, tuple[list[Query], list[Candidates | None]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    name: str
    out_of_scope_weight: float | str = OUT_OF_SCOPE_WEIGHT
    leave_article_out: float = 0.0
    fit: str = "logistic"
    threshold: str = "best"
    drop: tuple[str, ...] = ()


VARIANTS = (
    Variant("shipped"),
    Variant("out-of-scope x1", out_of_scope_weight=1.0),
    Variant("out-of-scope balanced", out_of_scope_weight="balanced"),
    Variant("leave-article-out", leave_article_out=0.5),
    Variant("boosted trees", fit="boosted"),
    Variant("pairwise products", fit="pairwise"),
    Variant("one-SE threshold", threshold="one-se"),
    Variant("bagged threshold", threshold="bagged"),
)
SEMANTIC_ONLY = (Variant("without above-usual", drop=ABOVE_USUAL),)


def score_data_set(folder: Path, semantic: bool) -> Scored:
    articles = load_articles([folder / "kb"]).articles
    encoder = load_encoder() if semantic else None
    kb = KnowledgeBase.build(articles, learn_confidence=False, semantic=encoder)
    val = load_queries(folder / "val.jsonl")
    positions = {a.id: n for n, a in enumerate(kb.articles)}
    index: Any = kb._index  # scoring with one article hidden is a bench experiment
    without = []
    for n, query in enumerate(val):
        if query.expected in positions:
            allowed = np.ones(len(kb.articles), dtype=bool)
            allowed[positions[query.expected]] = False
            without.append((n, index.candidates(normalize(query.text), allowed)))
    scored = Scored(kb, val, [kb.candidates(q.text) for q in val], without)
    for name in TEST_FILES:
        queries = load_queries(folder / f"{name}.jsonl")
        scored.tests[name] = (queries, [kb.candidates(q.text) for q in queries])
    return scored


def _columns(scored: Scored, drop: Sequence[str]) -> list[int]:
    return [n for n, name in enumerate(scored.kb.evidence) if name not in drop]


def _examples(scored: Scored, members: Sequence[int], variant: Variant) -> Examples:
    positions = {a.id: n for n, a in enumerate(scored.kb.articles)}
    keep = _columns(scored, variant.drop)
    n_out = sum(scored.val[m].expected is None for m in members)
    weight = variant.out_of_scope_weight
    if weight == "balanced":
        weight = (len(members) - n_out) / max(n_out, 1)
    examples = Examples.empty()

    def add(candidates: Candidates | None, expected: int | None, w: float) -> None:
        if candidates is not None:
            examples.add(Candidates(candidates.articles, candidates.evidence[:, keep]), expected, w)

    for m in members:
        expected = scored.val[m].expected
        add(
            scored.val_candidates[m],
            positions.get(expected) if expected else None,
            1.0 if expected else float(weight),
        )
    if variant.leave_article_out:
        chosen = set(members)
        for source, candidates in scored.without_own_article:
            if source in chosen:
                add(candidates, None, variant.leave_article_out)
    return examples


def _fit(scored: Scored, examples: Examples, variant: Variant) -> Predict:
    features = tuple(scored.kb.evidence[n] for n in _columns(scored, variant.drop))
    x, y = np.array(examples.rows), np.array(examples.labels)
    w = np.array(examples.weights)
    if variant.fit == "boosted":
        trees = HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=0,
        ).fit(x, y, sample_weight=w)
        return lambda rows: np.round(trees.predict_proba(rows)[:, 1], 4)
    if variant.fit == "pairwise":
        mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
        upper = np.triu_indices(x.shape[1])

        def expand(rows: np.ndarray) -> np.ndarray:
            z = (rows - mean) / scale
            return np.hstack([z, (z[:, :, None] * z[:, None, :])[:, upper[0], upper[1]]])

        wide = Examples(list(expand(x)), list(y), list(w))
        names = tuple(str(n) for n in range(len(wide.rows[0])))
        model = fit_confidence(wide, ridge=10.0, features=names)
        assert model is not None
        return lambda rows: model.predict(expand(rows))
    model = fit_confidence(examples, features=features)
    assert model is not None
    return model.predict


def _outcomes(
    scored: Scored,
    queries: Sequence[Query],
    candidates: Sequence[Candidates | None],
    predict: Predict,
    drop: Sequence[str],
) -> list[Outcome]:
    keep = _columns(scored, drop)
    out = []
    for query, found in zip(queries, candidates, strict=True):
        matches: tuple[Match, ...] = ()
        if found is not None:
            confidence = predict(found.evidence[:, keep])
            order = np.argsort(-confidence, kind="stable")[:5]
            matches = tuple(
                Match(scored.kb.articles[int(found.articles[k])], round(float(confidence[k]), 4))
                for k in order
            )
        out.append(Outcome(query, matches, 0.0))
    return out


def best_threshold_score(outcomes: Sequence[Outcome]) -> float:
    """The best ``score`` any answer threshold reaches on these outcomes."""
    _, deflection, escalation = score_curve(outcomes)
    return round(float((0.5 * deflection + 0.5 * escalation).max()), 4)


def _answer_threshold(outcomes: Sequence[Outcome], rule: str) -> float:
    if rule == "bagged":
        rng = np.random.default_rng(1)
        draws = [rng.integers(0, len(outcomes), len(outcomes)) for _ in range(50)]
        chosen = [calibrate_thresholds([outcomes[i] for i in d], CONFIGURED).answer for d in draws]
        return float(np.median(chosen))
    best = calibrate_thresholds(outcomes, CONFIGURED).answer
    if rule != "one-se":
        return best
    thresholds, deflection, escalation = score_curve(outcomes)
    scores = 0.5 * deflection + 0.5 * escalation
    at = int(np.searchsorted(thresholds, best))
    n_in = sum(o.query.expected is not None for o in outcomes)
    n_out = len(outcomes) - n_in
    d, e = deflection[at], escalation[at]
    error = 0.5 * np.sqrt(d * (1 - d) / max(n_in, 1) + e * (1 - e) / max(n_out, 1))
    return float(thresholds[np.flatnonzero(scores >= scores[at] - error)[-1]])


def run_variant(scored: Scored, variant: Variant) -> dict[str, Any]:
    folds = np.random.default_rng(0).permutation(len(scored.val)) % CROSS_FOLDS
    cross_fitted: list[Outcome] = []
    for fold in range(CROSS_FOLDS):
        members = np.flatnonzero(folds != fold).tolist()
        held_out = np.flatnonzero(folds == fold).tolist()
        predict = _fit(scored, _examples(scored, members, variant), variant)
        cross_fitted += _outcomes(
            scored,
            [scored.val[m] for m in held_out],
            [scored.val_candidates[m] for m in held_out],
            predict,
            variant.drop,
        )
    answer = _answer_threshold(cross_fitted, variant.threshold)
    unanswered = [o for o in cross_fitted if o.matches and o.matches[0].confidence < answer]
    thresholds = Thresholds(answer, suggest_threshold(unanswered, CONFIGURED.suggest))
    predict = _fit(scored, _examples(scored, range(len(scored.val)), variant), variant)
    row: dict[str, Any] = {
        "variant": variant.name,
        "val_cv": summarize(cross_fitted, thresholds).score,
        "thresholds": [round(thresholds.answer, 4), round(thresholds.suggest, 4)],
    }
    for name, (queries, candidates) in scored.tests.items():
        outcomes = _outcomes(scored, queries, candidates, predict, variant.drop)
        row[name] = summarize(outcomes, thresholds).to_dict()
        row[name]["best_threshold_score"] = best_threshold_score(outcomes)
    return row


def check_shipped(scored: Scored, row: dict[str, Any]) -> None:
    """The bench's "shipped" variant must be what ``tier0 kb eval --calibrate`` does."""
    fitted = calibrate(scored.kb, scored.val, CONFIGURED)
    expected = [fitted.thresholds.answer, fitted.thresholds.suggest]
    if not np.allclose(row["thresholds"], expected, atol=1e-4):
        raise SystemExit(f"bench and calibrate disagree: {row['thresholds']} vs {expected}")


def table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| data set | scorer | variant | val CV | test score | best-threshold | precision "
        "| oos_escalation | suggest hit | typos score | typos best-threshold | thresholds |",
        "|" + "---|" * 12,
    ]
    for r in rows:
        t, ty = r["test"], r["test-typos"]
        lines.append(
            f"| {r['data']} | {r['scorer']} | {r['variant']} | {r['val_cv']:.4f} "
            f"| **{t['score']:.4f}** | {t['best_threshold_score']:.4f} "
            f"| {t['answer_precision']:.4f} | {t['oos_escalation_rate']:.4f} "
            f"| {t['suggest_hit_rate']:.4f} | {ty['score']:.4f} "
            f"| {ty['best_threshold_score']:.4f} "
            f"| {r['thresholds'][0]:.3f} / {r['thresholds'][1]:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    scorers = ["default"] + (["semantic"] if shipped_encoder() is not None else [])
    rows = []
    for folder in args.data or [BANKING77]:
        for scorer in scorers:
            scored = score_data_set(folder, semantic=scorer == "semantic")
            variants = VARIANTS + (SEMANTIC_ONLY if scorer == "semantic" else ())
            for variant in variants:
                row = {"data": folder.name, "scorer": scorer, **run_variant(scored, variant)}
                if variant.name == "shipped":
                    check_shipped(scored, row)
                rows.append(row)
                print(
                    f"{folder.name} {scorer} {variant.name}: val CV {row['val_cv']}, "
                    f"test {row['test']['score']}",
                    flush=True,
                )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kb_calibration.json").write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    markdown = table(rows)
    (args.out / "kb_calibration.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

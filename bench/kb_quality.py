"""Answer quality of tier0's matcher, its variants and five baselines, in one run.

Run: ``python -m bench.kb_quality [--data DIR] [--out bench/results/]``. On BANKING77
(``../shared/datasets/banking77`` by default) every matcher gets its answer threshold (and
tier0 its confidence model) calibrated on ``val.jsonl`` exactly as ``tier0 kb eval
--calibrate`` does, then is measured on ``test.jsonl`` and ``test-typos.jsonl``. Writes
``kb_quality.json`` and ``kb_quality.md`` (one table, with each score's ratio to the best
baseline's and each p50's ratio to the TF-IDF baseline's) into ``--out``.

Baselines (reimplemented here; a baseline's confidence is its own best score):

* ``rapidfuzz``: ``token_set_ratio`` against every phrasing, best phrasing per article;
* ``bm25``: BM25 (k1 1.5, b 0.75) over each phrasing, best phrasing per article;
* ``tfidf``: word (1-2) and character (2-5) TF-IDF cosine, best phrasing per article;
* ``tfidf+rapidfuzz``: the 50 nearest phrasings by TF-IDF re-scored as the mean of their
  cosine and ``token_set_ratio``.

tier0 variants: ``tier0`` (the default); the same with one part taken out: the kNN
vote, the fuzzy scorer, typo correction, article coverage, the confidence model (the
SVM's margin over the runner-up as confidence), calibration on val (the model the KB
learns from itself); and the same with evidence tried and not kept (see
``bench.kb_variants``): the IDF of the rarest known word the article never uses, the
lowest in-article share of the question's informative words, the question's length, and
article coverage's lead over the other candidates.

Sentence-embedding rows (see :mod:`bench.kb_semantic`), each when its packages are
installed: ``tier0 + semantic`` (the shipped ``semantic`` extra), the same embedding the
question before typo correction, ``tier0 + WordLlama evidence``, and the PyTorch MiniLM
baseline and evidence of the ``bench-minilm`` extra.

Every KB row also gets its "val CV" score: 5-fold cross-fitted confidences on val, the
threshold chosen on them, mean over 20 random splits (what every choice was made on).
Latencies are per query, one thread: wall clock (p50/p99 ms) and thread CPU time (cpu
p50/p99), which a busy machine distorts far less.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.kb_baselines import Phrasings, Rank, baselines
from bench.kb_semantic import (
    FunctionEncoder,
    SemanticEvidence,
    load_encoder,
    minilm_baseline,
    shipped_encoder,
    wordllama_encoder,
)
from bench.kb_variants import semantic_rows, tier0_variants
from kb.articles import Article, load_articles
from kb.calibrate import CROSS_FOLDS, OUT_OF_SCOPE_WEIGHT, calibrate, calibrate_thresholds
from kb.confidence import Examples, fit_confidence
from kb.decision import Thresholds
from kb.evaluation import summarize
from kb.queries import Outcome, Query, load_queries
from kb.search import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77"
CONFIGURED = Thresholds(0.35, 0.15)


def _run(rank: Rank, queries: Sequence[Query], cpu: list[float] | None = None) -> list[Outcome]:
    """Rank every query; wall-clock ms in the outcomes, thread CPU ms appended to ``cpu``."""
    outcomes = []
    for query in queries:
        start, start_cpu = time.perf_counter(), time.thread_time()
        matches = rank(query.text)
        if cpu is not None:
            cpu.append((time.thread_time() - start_cpu) * 1000)
        outcomes.append(Outcome(query, tuple(matches), (time.perf_counter() - start) * 1000))
    return outcomes


def val_cv(kb: KnowledgeBase, val: Sequence[Query], splits: int = 20) -> float:
    """Mean ``score`` of 5-fold cross-fitted confidences on val (fitted as ``calibrate``
    does), threshold chosen on them."""
    positions = {a.id: n for n, a in enumerate(kb.articles)}
    scored = [kb.candidates(q.text) for q in val]
    expected = [positions.get(q.expected) if q.expected else None for q in val]
    scores = []
    for split in range(splits):
        folds = np.random.default_rng(split).permutation(len(val)) % CROSS_FOLDS
        outcomes = []
        for fold in range(CROSS_FOLDS):
            examples = Examples.empty()
            for m in np.flatnonzero(folds != fold):
                weight = 1.0 if expected[m] is not None else OUT_OF_SCOPE_WEIGHT
                examples.add(scored[m], expected[m], weight)
            model = fit_confidence(examples, features=kb.evidence) or kb.confidence
            outcomes += [
                Outcome(val[m], tuple(kb.matches(scored[m], model=model)), 0.0)
                for m in np.flatnonzero(folds == fold)
            ]
        scores.append(summarize(outcomes, calibrate_thresholds(outcomes, CONFIGURED)).score)
    return round(float(np.mean(scores)), 4)


def measure(
    name: str,
    made: Any,
    build_ms: float,
    val: Sequence[Query],
    tests: Mapping[str, Sequence[Query]],
) -> dict[str, Any]:
    """Calibrate on val (model and threshold for a KB, threshold only otherwise), then
    measure on each test file."""
    cv = None
    if isinstance(made, tuple):  # a KB keeping its own model: calibrate the threshold only
        kb = made[1]
        thresholds = calibrate_thresholds(_run(lambda t: kb.rank(t), val), CONFIGURED)
        rank: Rank = lambda t: kb.rank(t)  # noqa: E731
    elif isinstance(made, KnowledgeBase):
        cv = val_cv(made, val)
        fitted = calibrate(made, val, CONFIGURED)
        calibrated = made.calibrated(fitted)
        thresholds = fitted.thresholds
        rank = lambda t: calibrated.rank(t)  # noqa: E731
    else:
        rank = made
        thresholds = calibrate_thresholds(_run(rank, val), CONFIGURED)
    row: dict[str, Any] = {"matcher": name, "build_ms": round(build_ms, 1)}
    if isinstance(made, KnowledgeBase):
        row["val_cv"] = cv
    for file, queries in tests.items():
        cpu: list[float] = []
        row[file] = summarize(_run(rank, queries, cpu), thresholds, build_ms).to_dict()
        row[file]["cpu_p50_ms"] = round(float(np.percentile(cpu, 50)), 3)
        row[file]["cpu_p99_ms"] = round(float(np.percentile(cpu, 99)), 3)
    return row


def table(rows: list[dict[str, Any]], baselines: Sequence[str]) -> str:
    best = {
        file: max(r[file]["score"] for r in rows if r["matcher"] in baselines)
        for file in ("test", "test-typos")
    }
    tfidf_p50 = next(r for r in rows if r["matcher"] == "tfidf")["test"]["p50_ms"]
    head = (
        "| matcher | val CV | top1 | top3 | deflection | precision | oos_escalation | score "
        "| score / best baseline | typos score | typos / best baseline | suggest hit "
        "| p50 ms | p99 ms | p50 / tfidf | cpu p50 ms | cpu p99 ms | build s |"
    )
    lines = [head, "|" + "---|" * 18]
    for r in rows:
        t, ty = r["test"], r["test-typos"]
        lines.append(
            f"| {r['matcher']} | {r.get('val_cv') or '-'} "
            f"| {t['top1_accuracy']:.4f} | {t['top3_recall']:.4f} "
            f"| {t['deflection_rate']:.4f} | {t['answer_precision']:.4f} "
            f"| {t['oos_escalation_rate']:.4f} | **{t['score']:.4f}** "
            f"| {t['score'] / best['test']:.3f} | {ty['score']:.4f} "
            f"| {ty['score'] / best['test-typos']:.3f} | {t['suggest_hit_rate']:.4f} "
            f"| {t['p50_ms']:.2f} | {t['p99_ms']:.2f} "
            f"| {t['p50_ms'] / max(tfidf_p50, 1e-9):.2f} "
            f"| {t['cpu_p50_ms']:.2f} | {t['cpu_p99_ms']:.2f} | {r['build_ms'] / 1000:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _tier0_matchers(
    articles: Sequence[Article], base: dict[str, Callable[[], Any]], notes: list[str]
) -> dict[str, Callable[[], Any]]:
    """tier0 and its variants, with the encoders whose packages are installed (the MiniLM
    baseline joins ``base``); a note in ``notes`` for each encoder, loaded or left out."""
    matchers = tier0_variants(articles)
    encoder = load_encoder()
    if encoder is None:
        notes.append("minilm rows left out: the bench-minilm extra is not installed")
    else:
        encode, startup_s = encoder
        notes.append(f"MiniLM start-up (import and load, one thread): {startup_s:.1f} s")
        base["minilm"] = lambda: minilm_baseline(Phrasings(articles), encode)

        def with_minilm() -> KnowledgeBase:
            kb = KnowledgeBase.build(articles, learn_confidence=False)
            extended: Any = SemanticEvidence(kb._index, encode)
            return KnowledgeBase(kb.articles, extended, kb.confidence)

        matchers["tier0 + MiniLM evidence"] = with_minilm
    for label, loaded in (("semantic", shipped_encoder()), ("WordLlama", wordllama_encoder())):
        if loaded is None:
            notes.append(f"{label} rows left out: its packages are not installed")
            continue
        notes.append(f"{label} encoder start-up (import and load): {loaded[1]:.1f} s")
        matchers.update(semantic_rows(articles, label, FunctionEncoder(loaded[0])))
    return matchers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BANKING77)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only", action="append", help="run only these matchers (repeatable)")
    args = parser.parse_args(argv)
    articles = load_articles([args.data / "kb"]).articles
    val = load_queries(args.data / "val.jsonl")
    tests = {
        "test": load_queries(args.data / "test.jsonl"),
        "test-typos": load_queries(args.data / "test-typos.jsonl"),
    }

    notes: list[str] = []
    base = baselines(articles)
    tier0 = _tier0_matchers(articles, base, notes)
    matchers = {**base, **tier0}
    rows = []
    for name, build in matchers.items():
        if args.only and name not in args.only and name not in base:
            continue
        start = time.perf_counter()
        made = build()
        build_ms = (time.perf_counter() - start) * 1000
        rows.append(measure(name, made, build_ms, val, tests))
        print(f"{name}: test {rows[-1]['test']['score']}, typos {rows[-1]['test-typos']['score']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kb_quality.json").write_text(
        json.dumps({"notes": notes, "rows": rows}, indent=2) + "\n"
    )
    markdown = table(rows, list(base)) + "".join(f"\n{note}\n" for note in notes)
    (args.out / "kb_quality.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

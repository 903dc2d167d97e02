"""Per-query latency and build time of the KB matcher, against a plain rapidfuzz baseline.

Run: ``python -m bench.kb_speed [--kb DIR] [--queries FILE] [--limit N]``. Defaults to the
BANKING77 KB beside the repository when present, else the sample KB. Prints one JSON
object: build time, p50/p99 of ``rank`` + ``decide`` per query (one thread), the same for
the baseline (rapidfuzz ``token_set_ratio`` against every phrasing, best per article),
measured in the same run, and the ratios matcher / baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from kb.articles import Article, load_articles
from kb.decision import Thresholds, decide
from kb.normalize import normalize
from kb.search import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77"


def _percentiles(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
    }


def _baseline(articles: tuple[Article, ...]) -> tuple[float, Any]:
    start = time.perf_counter()
    texts: list[str] = []
    owner: list[int] = []
    for i, article in enumerate(articles):
        for phrasing in (article.title, *article.questions):
            texts.append(normalize(phrasing))
            owner.append(i)
    owners = np.array(owner)

    def rank(query: str) -> int:
        scores = process.cdist([normalize(query)], texts, scorer=fuzz.token_set_ratio)[0]
        best = np.zeros(len(articles))
        np.maximum.at(best, owners, scores)
        return int(best.argmax())

    return (time.perf_counter() - start) * 1000, rank


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_kb = BANKING77 / "kb" if (BANKING77 / "kb").is_dir() else ROOT / "kb" / "sample"
    default_queries = (
        BANKING77 / "val.jsonl"
        if (BANKING77 / "val.jsonl").is_file()
        else ROOT / "tests" / "kb" / "data" / "sample_queries.jsonl"
    )
    parser.add_argument("--kb", type=Path, default=default_kb)
    parser.add_argument("--queries", type=Path, default=default_queries)
    parser.add_argument("--limit", type=int, default=500, help="queries to time")
    args = parser.parse_args(argv)

    articles = load_articles([args.kb]).articles
    lines = args.queries.read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["text"] for line in lines if line.strip()][: args.limit]

    start = time.perf_counter()
    kb = KnowledgeBase.build(articles)
    build_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    KnowledgeBase.build(articles, learn_confidence=False)
    build_calibrated_ms = (time.perf_counter() - start) * 1000
    thresholds = Thresholds(0.35, 0.15)
    ms: list[float] = []
    for query in queries:
        start = time.perf_counter()
        decide(kb.rank(query), thresholds)
        ms.append((time.perf_counter() - start) * 1000)

    base_build_ms, base_rank = _baseline(articles)
    base_ms: list[float] = []
    for query in queries:
        start = time.perf_counter()
        base_rank(query)
        base_ms.append((time.perf_counter() - start) * 1000)

    mine, base = _percentiles(ms), _percentiles(base_ms)
    report = {
        "kb": str(args.kb),
        "articles": len(articles),
        "phrasings": sum(len(set((a.title, *a.questions))) for a in articles),
        "queries_timed": len(queries),
        "matcher": {
            "build_ms": round(build_ms, 1),
            "build_with_calibration_file_ms": round(build_calibrated_ms, 1),
            **mine,
        },
        "baseline_rapidfuzz": {"build_ms": round(base_build_ms, 1), **base},
        "ratio_to_baseline": {
            "p50": round(mine["p50_ms"] / max(base["p50_ms"], 1e-9), 3),
            "p99": round(mine["p99_ms"] / max(base["p99_ms"], 1e-9), 3),
        },
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

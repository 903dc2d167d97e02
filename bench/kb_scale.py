"""Build time and per-query latency for a KB of about 100,000 phrasings (synthetic).

Run: ``python -m bench.kb_scale [--articles 1000] [--phrasings 100] [--queries 500]``.

The KB is made from BANKING77's phrasings (or the sample KB's when BANKING77 is not
beside the repository): article ``j`` takes the phrasings of intent ``j mod n`` and
names a product of its own (a made-up word) in each of them, so articles with the same
intent differ only by product, as a large real KB's near-duplicates do; each phrasing is
varied a little (a word dropped, a keyboard slip) so that no two are the same. The
articles are written as Markdown files and loaded as ``tier0`` would. Queries are val
questions (or sample queries) naming one of the products. Prints one JSON object (build
CPU time too: on a shared machine wall clock mostly measures waiting for a core).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from kb.articles import load_articles
from kb.decision import Thresholds, decide
from kb.search import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77"
_SYLLABLES = ("ka", "lo", "mi", "zen", "tra", "vo", "rex", "ul", "pa", "qui", "sor", "bel")


def product(n: int) -> str:
    """A made-up product name, different for every ``n``."""
    out = []
    for _ in range(3):
        n, r = divmod(n, len(_SYLLABLES))
        out.append(_SYLLABLES[r])
    return "".join(out) + "x"


def _vary(text: str, rng: random.Random) -> str:
    words = text.split()
    roll = rng.random()
    if roll < 0.3 and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif roll < 0.6:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            k = rng.randrange(len(w) - 1)
            words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    return " ".join(words)


def synthetic_kb(folder: Path, n_articles: int, per_article: int, seed: int = 0) -> list[str]:
    """Write the synthetic KB into ``folder``; returns the product names."""
    source_kb = BANKING77 / "kb" if (BANKING77 / "kb").is_dir() else ROOT / "kb" / "sample"
    intents = [a for a in load_articles([source_kb]).articles if len(a.questions) >= 2]
    rng = random.Random(seed)
    products = []
    for j in range(n_articles):
        base = intents[j % len(intents)]
        name = product(j)
        products.append(name)
        questions: set[str] = set()
        pool = list(base.questions)
        while len(questions) < per_article:
            text = _vary(rng.choice(pool), rng)
            questions.add(f"{text} ({name})" if rng.random() < 0.5 else f"{name}: {text}")
        meta = {
            "id": f"a{j:05d}",
            "title": f"{base.title} ({name})",
            "questions": sorted(questions),
        }
        body = f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{base.title} for {name}.\n"
        (folder / f"a{j:05d}.md").write_text(body, encoding="utf-8")
    return products


def _queries(products: list[str], limit: int, seed: int = 1) -> list[str]:
    file = BANKING77 / "val.jsonl"
    if not file.is_file():
        file = ROOT / "tests" / "kb" / "data" / "sample_queries.jsonl"
    texts = [json.loads(line)["text"] for line in file.read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    return [f"{rng.choice(texts)} {rng.choice(products)}" for _ in range(limit)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--phrasings", type=int, default=100, help="per article")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--calibrated",
        action="store_true",
        help="build as with a calibration file (skips learning the fallback confidence model)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        products = synthetic_kb(folder, args.articles, args.phrasings)
        start = time.perf_counter()
        loaded = load_articles([folder])
        load_s = time.perf_counter() - start
    articles = loaded.articles
    start, cpu = time.perf_counter(), time.process_time()
    kb = KnowledgeBase.build(articles, learn_confidence=not args.calibrated)
    build_s = time.perf_counter() - start
    build_cpu_s = time.process_time() - cpu
    build_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    thresholds = Thresholds(0.35, 0.15)
    ms: list[float] = []
    cpu_ms: list[float] = []
    for query in _queries(products, args.queries):
        start, cpu = time.perf_counter(), time.thread_time()
        decide(kb.rank(query), thresholds)
        ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.thread_time() - cpu) * 1000)
    report = {
        "articles": len(articles),
        "phrasings": sum(len({a.title, *a.questions}) for a in articles),
        "load_s": round(load_s, 2),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "build_peak_rss_mb": round(build_peak_mb, 1),
        "fallback_confidence_learnt": not args.calibrated,
        "queries_timed": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(max(ms), 2),
        "cpu_p50_ms": round(float(np.percentile(cpu_ms, 50)), 2),
        "cpu_p99_ms": round(float(np.percentile(cpu_ms, 99)), 2),
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

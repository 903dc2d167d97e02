"""KB index memory and start-up, built by each worker vs built once and mapped from the cache.

Run: ``python -m bench.kb_cache [--articles 30 10000] [--queries 300] [--out bench/results]``.

The KBs are bench.load_slack's: ``bench.kb_scale.synthetic_kb`` with 4 questions per
article (10,000 articles: about 50,000 phrasings). Every measurement runs in a fresh
child process, so its peak resident memory (``ru_maxrss``) is its own:

* ``no cache``: load the articles and build the index in the process, as every worker
  did before (the baseline the ratios are to);
* ``cold cache``: the same process with an empty cache: the index is built in a child
  process (whose peak is reported separately) and then mapped;
* ``warm cache``: a new process (a second worker) finds the file and maps it;
* ``warm cache, worker imports``: the same, after importing what ``tier0 run`` imports,
  i.e. a worker's whole footprint;
* ``..., 4 at once``: four such workers at the same time, measured when all four have
  answered their questions (the mean per worker): PSS shows what sharing the mapped file
  saves.

After the KB is ready each process answers ``--queries`` questions (BANKING77 val,
naming a product) and reports CPU time per question (the machine is shared: wall clock
is not comparable), resident memory now and at peak, and its proportional share (PSS:
pages mapped by N workers count 1/N each) and heap (anonymous) memory from
``/proc/self/smaps_rollup``. Writes ``kb_cache.json`` and ``kb_cache.md``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.kb_scale import BANKING77, ROOT, synthetic_kb

WORKERS = 4
MODES = (
    "no cache",
    "cold cache",
    "warm cache",
    "warm cache, worker imports",
    f"warm cache, worker imports, {WORKERS} at once",
)
PER_ARTICLE = 4
"""Questions per article, as bench.load_slack makes its KBs."""


def _memory() -> dict[str, float]:
    """Resident and proportional memory now (MB), from smaps_rollup, and how much of it
    is the process's own heap (anonymous; the rest is files and libraries, shareable)."""
    values: dict[str, float] = {}
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {
        "rss_mb": round(values.get("Rss", 0.0), 1),
        "pss_mb": round(values.get("Pss", 0.0), 1),
        "anonymous_mb": round(values.get("Anonymous", 0.0), 1),
    }


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def child(mode: str, folder: Path, cache_dir: Path, queries: list[str]) -> dict[str, Any]:
    """One measurement (in its own process)."""
    if "worker imports" in mode:
        for module in (
            "tier0.cli.main",
            "tier0.cli.run",
            "tier0.service",
        ):  # what `tier0 run` imports
            importlib.import_module(module)
    from kb.articles import load_articles
    from kb.index_cache import IndexCache
    from kb.search import KnowledgeBase

    imported_mb = _peak_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    articles = load_articles([folder]).articles
    load_s = time.perf_counter() - wall
    cache = None if mode == "no cache" else IndexCache(cache_dir, in_child=True)
    kb = KnowledgeBase.build(articles, cache=cache)
    ready = {
        "phrasings": sum(len(dict.fromkeys((a.title, *a.questions))) for a in articles),
        "load_articles_s": round(load_s, 2),
        "ready_s": round(time.perf_counter() - wall, 2),
        "ready_cpu_s": round(time.process_time() - cpu, 2),
        "cache_hit": bool(cache and cache.hits),
        "imports_peak_mb": imported_mb,
        "ready_peak_mb": _peak_mb(),
        "builder_child_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
        "scikit_learn_imported": "sklearn" in sys.modules,
    }
    ms = []
    for query in queries:
        start = time.thread_time()
        kb.rank(query)
        ms.append((time.thread_time() - start) * 1000)
    if "at once" in mode:  # measure when every worker has mapped and used the index
        print("ready", flush=True)
        sys.stdin.readline()
    return {
        **ready,
        "query_cpu_p50_ms": round(float(np.percentile(ms, 50)), 2),
        "query_cpu_p99_ms": round(float(np.percentile(ms, 99)), 2),
        "peak_mb": _peak_mb(),
        **_memory(),
    }


def _queries(n_articles: int, limit: int) -> list[str]:
    from bench.kb_scale import product

    file = BANKING77 / "val.jsonl"
    if not file.is_file():
        file = ROOT / "tests" / "kb" / "data" / "sample_queries.jsonl"
    texts = [json.loads(line)["text"] for line in file.read_text().splitlines() if line.strip()]
    return [f"{texts[i % len(texts)]} {product(i % n_articles)}" for i in range(limit)]


def _run_child(mode: str, folder: Path, cache_dir: Path, queries: int) -> dict[str, Any]:
    """One child's report; in the "at once" mode, the mean of ``WORKERS`` children that
    answer their questions at the same time and measure once all of them are done."""
    command = [
        *(sys.executable, "-m", "bench.kb_cache", "--child", mode),
        *(str(folder), str(cache_dir), "--queries", str(queries)),
    ]
    if "at once" not in mode:
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result
    workers = [
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{mode}: a worker failed")
    reports = [json.loads(worker.communicate("go\n", timeout=600)[0]) for worker in workers]
    mean = {
        key: round(float(np.mean([r[key] for r in reports])), 2)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for key, value in reports[0].items()
    }
    mean["peak_mb_max"] = max(r["peak_mb"] for r in reports)
    return mean


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        "# KB index: built by each worker vs built once and mapped (`python -m bench.kb_cache`)",
        "",
        f"Machine: {report['machine']}; load average at start {report['load_average']}.",
        "Each row is a fresh process. Peak = ru_maxrss; PSS counts pages shared by N",
        "processes 1/N each; heap = anonymous memory (the rest of RSS is the mapped index file",
        "and libraries, shared by every worker); CPU per question is thread CPU time (the",
        "machine was shared).",
        "",
        "| articles | phrasings | mode | ready s (wall) | ready CPU s | peak MB"
        " | builder child peak MB | RSS MB | PSS MB | heap MB | CPU p50 ms | CPU p99 ms"
        " | peak / no cache | ready / no cache |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kb in report["kbs"]:
        base = kb["runs"]["no cache"]
        for mode in MODES:
            r = kb["runs"][mode]
            lines.append(
                f"| {kb['articles']} | {kb['phrasings']} | {mode} | {r['ready_s']} |"
                f" {r['ready_cpu_s']} | {r['peak_mb']} | {r['builder_child_peak_mb'] or '-'} |"
                f" {r['rss_mb']} | {r['pss_mb']} | {r['anonymous_mb']} | {r['query_cpu_p50_ms']} |"
                f" {r['query_cpu_p99_ms']} | {r['peak_mb'] / base['peak_mb']:.3f} |"
                f" {r['ready_s'] / base['ready_s']:.3f} |"
            )
    lines += ["", f"Cache file sizes: {report['cache_files_mb']}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[30, 10_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "KB", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, folder, cache_dir = args.child
        n = len(list(Path(folder).glob("*.md")))
        print(json.dumps(child(mode, Path(folder), Path(cache_dir), _queries(n, args.queries))))
        return 0

    report: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "load_average": [round(v, 1) for v in os.getloadavg()],
        "kbs": [],
        "cache_files_mb": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.articles:
            folder = Path(tmp) / f"kb{n}"
            folder.mkdir()
            synthetic_kb(folder, n, PER_ARTICLE)
            cache_dir = Path(tmp) / f"cache{n}"
            runs = {}
            for mode in MODES:
                print(f"{n} articles: {mode}", file=sys.stderr, flush=True)
                runs[mode] = _run_child(mode, folder, cache_dir, args.queries)
            files = list(cache_dir.glob("*.idx"))
            report["cache_files_mb"][n] = [round(f.stat().st_size / 2**20, 1) for f in files]
            phrasings = runs["no cache"]["phrasings"]
            report["kbs"].append({"articles": n, "phrasings": phrasings, "runs": runs})
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kb_cache.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "kb_cache.md").write_text(_markdown(report))
    print(_markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

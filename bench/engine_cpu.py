"""Where a worker's CPU goes per event, without Slack: ``Engine.handle`` on the load test's
mix, its replies claimed and marked sent, one event after another in this process.

Run::

    python -m bench.engine_cpu [--events 300] [--only sqlite postgresql] [--profile 25]

Per backend: CPU ms per event (this process's ``time.process_time``: the database server's
work is not in it), wall ms per event, and the statements, transactions and database
round trips (statements + commits, plus pool pings) per event, counted with SQLAlchemy's
events. The storage floor of ``bench/load_floor.py`` (one inbound and one outbound message,
plain SQLAlchemy) is measured in the same run for the ratio. ``--profile N`` runs the mix
once more under cProfile with a CPU clock and lists the N functions with the most CPU of
their own and the N tier0 functions with the most CPU in total. JSON + Markdown go to
bench/results/engine_cpu.{json,md}, with the machine's load average (a loaded machine
makes CPU time longer too: compare runs made at similar load).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench.kb_scale import _queries, synthetic_kb
from bench.load_floor import floor_cost, tier0_mix
from bench.load_slack import database_url, machine
from kb import KnowledgeBase, load_articles
from storage.db import Database, connect

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = str(Path(__file__).resolve().parents[1])


@dataclass
class Counts:
    statements: int = 0
    commits: int = 0
    checkouts: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[Counts]:
    """Statements sent, transactions committed and connections taken from the pool (each
    checkout is a ping on PostgreSQL: ``pool_pre_ping``)."""
    counts = Counts()

    def statement(*_: Any) -> None:
        counts.statements += 1

    def commit(*_: Any) -> None:
        counts.commits += 1

    def checkout(*_: Any) -> None:
        counts.checkouts += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    event.listen(engine.pool, "checkout", checkout)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
        event.remove(engine.pool, "checkout", checkout)


def measure(backend: str, kb: KnowledgeBase, questions: list[str], events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        (folder / "floor").mkdir()
        floor_engine = connect(stack.enter_context(database_url(backend, folder / "floor")))
        stack.callback(floor_engine.dispose)
        database = Database.open(stack.enter_context(database_url(backend, folder)))
        stack.callback(database.close)
        floor = floor_cost(floor_engine, events)
        one = tier0_mix(database, kb, questions)
        one(-1)  # warm: first statements compile, psycopg prepares after a few runs
        with counting(database.engine) as counts:
            wall, cpu = time.perf_counter(), time.process_time()
            for n in range(events):
                one(n)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    pings = counts.checkouts if backend == "postgresql" else 0
    return {
        "backend": backend,
        "events": events,
        "cpu_ms_per_event": round(cpu * 1000 / events, 3),
        "wall_ms_per_event": round(wall * 1000 / events, 3),
        "statements_per_event": round(counts.statements / events, 2),
        "transactions_per_event": round(counts.commits / events, 2),
        "round_trips_per_event": round((counts.statements + counts.commits + pings) / events, 2),
        "floor_cpu_ms": round(floor.cpu_ms, 3),
        "floor_wall_ms": round(floor.wall_ms, 3),
        "ratio_cpu": round(cpu * 1000 / events / floor.cpu_ms, 2),
        "ratio_wall": round(wall * 1000 / events / floor.wall_ms, 2),
    }


def profile(
    backend: str, kb: KnowledgeBase, questions: list[str], events: int, top: int
) -> dict[str, list[str]]:
    """The mix under cProfile on a CPU clock: the top functions by own and by total CPU."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        database = Database.open(stack.enter_context(database_url(backend, Path(tmp))))
        stack.callback(database.close)
        one = tier0_mix(database, kb, questions)
        one(-1)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for n in range(events):
            one(n)
        profiler.disable()
    return {
        "own": _top(profiler, "tottime", top, ""),
        "total_tier0": _top(profiler, "cumulative", top, ROOT + "/(bot|storage|kb|adapters)/"),
    }


def _top(profiler: cProfile.Profile, order: str, top: int, where: str) -> list[str]:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats(order)
    if where:
        stats.print_stats(where, top)
    else:
        stats.print_stats(top)
    lines = out.getvalue().splitlines()
    start = next(n for n, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return [line.replace(ROOT + "/", "").rstrip() for line in lines[start:] if line.strip()]


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Engine CPU per event (no Slack)",
        "",
        f"`{report['command']}` on {m['cpu']}, {m['cores']} cores, Python {m['python']};"
        f" load average at start {m['load_average_at_start']}, at end"
        f" {report['load_average_at_end']} ({m['note']}).",
        "",
        "| backend | events | CPU ms/event | wall ms/event | statements/event |"
        " transactions/event | round trips/event | floor CPU ms | CPU ratio | wall ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        lines.append(
            f"| {r['backend']} | {r['events']} | {r['cpu_ms_per_event']} |"
            f" {r['wall_ms_per_event']} | {r['statements_per_event']} |"
            f" {r['transactions_per_event']} | {r['round_trips_per_event']} |"
            f" {r['floor_cpu_ms']} | {r['ratio_cpu']} | {r['ratio_wall']} |"
        )
    lines += [
        "",
        "CPU is this process's only (the database server's is not in it). Round trips:"
        " statements + commits + pool pings (PostgreSQL pings each connection it takes from"
        " the pool). Ratios: against the storage floor of bench/load_floor.py measured in the"
        " same run (one inbound and one outbound message, plain SQLAlchemy, one transaction"
        " each).",
        "",
    ]
    for backend, tops in report.get("profiles", {}).items():
        lines += [f"## Profile, {backend} (cProfile, CPU clock)", "", "Own CPU:", "", "```"]
        lines += [*tops["own"], "```", "", "tier0's functions, total CPU:", "", "```"]
        lines += [*tops["total_tier0"], "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--only", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--profile", type=int, default=0, help="list this many functions")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "command": "python -m bench.engine_cpu " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "kb"
        folder.mkdir()
        questions = _queries(synthetic_kb(folder, 30, 4), 500)
        kb = KnowledgeBase.build(load_articles([folder]).articles)
        for backend in args.only:
            print(f"== {backend}", file=sys.stderr, flush=True)
            report["runs"].append(measure(backend, kb, questions, args.events))
        if args.profile:
            report["profiles"] = {
                backend: profile(backend, kb, questions, args.events, args.profile)
                for backend in args.only
            }
    report["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "engine_cpu.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "engine_cpu.md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

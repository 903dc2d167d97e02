"""Load test through the Slack protocol: ``tier0 run --workers N`` in HTTP mode, signed Events API
requests at a target rate, a fake Slack Web API on 127.0.0.1 recording every reply.

Run (one command; ``--quick`` for a short run of every configuration)::

    python -m bench.load_slack [--quick] [--rate 300] [--seconds 5] [--only NAME ...]

Runs: 1 worker on SQLite; 1, 2 and 4 workers on PostgreSQL; each with a KB of 30 and of
10,000 articles (synthetic, bench/kb_scale.py); and 2 workers on PostgreSQL with one worker
SIGKILLed mid-run and started again by the supervisor; and two runs at 8 events/s, below
what this 2-core machine saturates at, for the service's own latencies. Traffic: 70% KB
questions (new threads in the help channel), 20% messages on open tickets (by their
requesters), 10% agents' replies in ticket cards' threads, from many simulated people,
scheduled open-loop at ``--rate``.

Per run: achieved events/s, ack latency p50/p99 (Slack's limit: 3 s), event-to-reply latency
p50/p99, lost replies (acknowledged, never answered) and duplicated replies, peak RSS and CPU
per worker. In the same run: the storage floor (one inbound + one outbound message, plain
SQLAlchemy) and tier0's per-message cost as a ratio to it. JSON + Markdown go to
bench/results/load_slack.{json,md}, with the machine and its load average (other work on the
machine shares its cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from bench.kb_scale import _queries, synthetic_kb
from bench.load_floor import floor_cost, tier0_cost
from bench.load_slack_report import markdown
from bench.load_world import (
    SIGNING_SECRET,
    Outcome,
    SlackTraffic,
    Tier0Workers,
    TimedFakeSlack,
    config_text,
    free_port,
    read_outcome,
)
from kb import KnowledgeBase, load_articles
from storage.db import Database, connect
from tests.service.process import clean_environment
from tests.support import databases

RESULTS = Path(__file__).resolve().parent / "results"
PEOPLE = 300
OPEN_TICKETS = 30
DELIVERY_LEASE = 10.0  # short, so a killed worker's claimed replies go out soon after


@dataclass(frozen=True)
class RunSpec:
    backend: str  # "sqlite" | "postgresql"
    workers: int
    articles: int
    kill: bool = False
    rate: float | None = None  # events/s when not --rate: a load this machine sustains
    seconds: float = 30.0  # with ``rate``

    @property
    def name(self) -> str:
        kill = "-kill" if self.kill else ""
        rate = f"-{self.rate:g}ps" if self.rate else ""
        return f"{self.backend}-{self.workers}w-kb{self.articles}{kill}{rate}"


RUNS = [
    RunSpec(backend, workers, articles)
    for articles in (30, 10_000)
    for backend, workers in (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4))
] + [
    RunSpec("postgresql", 2, 30, kill=True),
    # Below saturation, the latencies are the service's own, not a queue's.
    RunSpec("sqlite", 1, 30, rate=8.0),
    RunSpec("postgresql", 2, 30, rate=8.0),
]


# -- databases ----------------------------------------------------------------------------


@contextmanager
def database_url(backend: str, folder: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a fresh PostgreSQL schema (dropped after)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tier0.db'}"
        return
    with databases.fresh_schema("tier0_load") as schema:
        url = databases.POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
        yield f"{url}?options=-csearch_path%3D{schema}"


# -- one run ------------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[float, float]:
    """(CPU seconds so far, peak RSS in MB) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0, 0.0
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return cpu, int(peak.split()[1]) / 1024


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None


async def drive(
    traffic: SlackTraffic,
    tier0: Tier0Workers,
    spec: RunSpec,
    questions: list[str],
    rate: float,
    seconds: float,
) -> tuple[float, float, dict[str, Any]]:
    """Open tickets, then the timed traffic; returns (start, end of sending, kill notes)."""
    rng = random.Random(42)
    people = traffic.add_people(PEOPLE)
    connector = aiohttp.TCPConnector(limit=256)
    notes: dict[str, Any] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        await traffic.open_tickets(session, OPEN_TICKETS)
        total = int(rate * seconds)
        kill_at = int(total * 0.4) if spec.kill else -1
        tasks = []
        start = time.monotonic()
        for n in range(total):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if n == kill_at:
                victim = tier0.worker_pids()[0]
                notes["killed_pid"] = victim
                notes["killed_rss_mb"] = round(proc_stat(victim)[1], 1)
                os.kill(victim, signal.SIGKILL)
                notes["killed_after_events"] = n
            roll = rng.random()
            if roll < 0.7:
                event, expected = traffic.question(rng.choice(people), rng.choice(questions))
            elif roll < 0.9:
                event, expected = traffic.follow_up(rng.choice(traffic.tickets))
            else:
                event, expected = traffic.agent_reply(rng.choice(traffic.tickets))
            tasks.append(asyncio.create_task(traffic.send(session, event, expected)))
        sent_by = time.monotonic()
        await asyncio.gather(*tasks)
    return start, sent_by, notes


def drain(traffic: SlackTraffic, patience: float) -> Outcome:
    """Wait until every acknowledged event has its reply, or no new reply came for
    ``patience`` seconds (what is unanswered then counts as lost), then read."""
    answered, progress_at = -1, time.monotonic()
    while time.monotonic() - progress_at < patience:
        outcome = read_outcome(traffic.slack, traffic.sent)
        if not outcome.lost:
            break
        if len(outcome.replied) > answered:
            answered, progress_at = len(outcome.replied), time.monotonic()
        time.sleep(2.0)
    time.sleep(2.0)  # a reply sent twice would have arrived by now
    return read_outcome(traffic.slack, traffic.sent)


def run_one(spec: RunSpec, kb_folder: Path, questions: list[str], args: Any) -> dict[str, Any]:
    print(f"== {spec.name}", file=sys.stderr, flush=True)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(database_url(spec.backend, folder))
        slack = stack.enter_context(TimedFakeSlack())
        port = free_port()
        config = config_text(kb_folder, port, delivery_lease=DELIVERY_LEASE)
        started = time.monotonic()
        tier0 = Tier0Workers(folder, config, _environment(url, slack), spec.workers)
        stack.callback(tier0.stop)
        tier0.ready(timeout=args.ready_timeout)
        ready_s = time.monotonic() - started
        pids = tier0.worker_pids()
        cpu_before = {pid: proc_stat(pid)[0] for pid in pids}
        traffic = SlackTraffic(slack, f"http://127.0.0.1:{port}/slack/events")
        load = os.getloadavg()
        bench_cpu, bench_wall = time.process_time(), time.monotonic()
        rate, seconds = (spec.rate, spec.seconds) if spec.rate else (args.rate, args.seconds)
        seconds = min(seconds, 10.0) if args.quick else seconds
        start, sent_by, notes = asyncio.run(drive(traffic, tier0, spec, questions, rate, seconds))
        # A killed worker's stored, unhandled messages wait REPLAY_AFTER (30 s) + a sweep.
        outcome = drain(traffic, patience=max(args.patience, 45.0 if spec.kill else 0.0))
        bench_share = (time.process_time() - bench_cpu) / (time.monotonic() - bench_wall)
        pids_after = tier0.worker_pids()
        stats = {pid: proc_stat(pid) for pid in pids_after}
        load_after = os.getloadavg()
        code = tier0.stop()
    last_reply = max(outcome.replied.values(), default=start)
    cpu_used = sum(stats[p][0] - cpu_before.get(p, 0.0) for p in stats)
    return {
        "name": spec.name,
        "backend": spec.backend,
        "workers": spec.workers,
        "kb_articles": spec.articles,
        "worker_killed": spec.kill,
        "target_events_per_s": rate,
        "events_sent": len(traffic.sent),
        "offered_events_per_s": round(len(traffic.sent) / max(sent_by - start, 1e-9), 1),
        "achieved_events_per_s": round(len(outcome.replied) / max(last_reply - start, 1e-9), 1),
        **latencies(traffic, outcome),
        "lost": len(outcome.lost),
        "duplicated": outcome.duplicated,
        "duplicated_by_kind": outcome.duplicated_by_kind,
        "unacknowledged": outcome.unacknowledged,
        "retried_by_sender": sum(1 for x in traffic.sent if x.attempts > 1),
        "peak_rss_mb_per_worker": [round(stats[p][1], 1) for p in pids_after],
        "worker_cpu_ms_per_event": round(cpu_used * 1000 / max(len(outcome.replied), 1), 2),
        "start_to_ready_s": round(ready_s, 1),
        # The load generator and the fake Slack share this process: if it nears one core,
        # they, not tier0, limit the run.
        "bench_process_cpu_share": round(bench_share, 2),
        "load_average_before": [round(v, 2) for v in load],
        "load_average_after": [round(v, 2) for v in load_after],
        "exit_code": code,
        **notes,
    }


def _environment(url: str, slack: TimedFakeSlack) -> dict[str, str]:
    """``tier0 run``'s environment: the database, and the fake Slack's token and address."""
    return clean_environment(
        {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        }
    )


def latencies(traffic: SlackTraffic, outcome: Outcome) -> dict[str, Any]:
    """Acknowledgement and event-to-reply latencies (p50/p99), and acks over Slack's 3 s."""
    acked = [x for x in traffic.sent if x.acked_at is not None]
    ack_latency = [x.acked_at - x.sent_at for x in acked if x.acked_at is not None]
    reply_latency = [
        outcome.replied[i] - x.sent_at for i, x in enumerate(traffic.sent) if i in outcome.replied
    ]
    return {
        "ack_p50_ms": percentile(ack_latency, 50),
        "ack_p99_ms": percentile(ack_latency, 99),
        "acks_over_3s": sum(1 for v in ack_latency if v > 3.0),
        "reply_p50_ms": percentile(reply_latency, 50),
        "reply_p99_ms": percentile(reply_latency, 99),
    }


# -- the floor ----------------------------------------------------------------------------


def per_message_costs(backend: str, kb: KnowledgeBase, questions: list[str], count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        floor_url = stack.enter_context(database_url(backend, folder / "floor"))
        tier0_url = stack.enter_context(database_url(backend, folder))
        if backend == "sqlite":
            (folder / "floor").mkdir()
        floor_engine = connect(floor_url)
        stack.callback(floor_engine.dispose)
        database = Database.open(tier0_url)
        stack.callback(database.close)
        floor = floor_cost(floor_engine, count)
        tier0 = tier0_cost(database, kb, questions, count)
    return {
        "backend": backend,
        "floor": floor.as_dict(),
        "tier0": tier0.as_dict(),
        "ratio_wall": round(tier0.wall_ms / floor.wall_ms, 2),
        "ratio_cpu": round(tier0.cpu_ms / floor.cpu_ms, 2),
    }


# -- report -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory.split()[1]) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "note": "shared machine: other engineers' tests and builds ran on the same 2 cores",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s per run, 100 events/s")
    parser.add_argument("--rate", type=float, default=300.0, help="target events per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="traffic per run")
    parser.add_argument("--only", nargs="*", help="run names to run (default: all)")
    parser.add_argument("--floor-messages", type=int, default=300)
    parser.add_argument("--ready-timeout", type=float, default=1800.0)
    parser.add_argument(
        "--patience",
        type=float,
        default=120.0,
        help="seconds without a new reply after which unanswered events count as lost",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other runs already in the results file (re-run some of them)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds, args.floor_messages = min(args.rate, 100.0), 2.0, 100
    runs = [spec for spec in RUNS if not args.only or spec.name in args.only]
    report: dict[str, Any] = {
        "command": "python -m bench.load_slack " + " ".join(argv or sys.argv[1:]),
        "machine": machine(),
        "runs": [],
        "per_message_cost": [],
    }
    kept: list[dict[str, Any]] = []
    if args.merge and (args.out / "load_slack.json").is_file():
        earlier = json.loads((args.out / "load_slack.json").read_text())
        kept = [r for r in earlier["runs"] if r["name"] not in {s.name for s in runs}]
        report["per_message_cost"] = earlier["per_message_cost"]
        report["merged_from_earlier_runs"] = [r["name"] for r in kept]
    with tempfile.TemporaryDirectory() as tmp:
        for articles in sorted({spec.articles for spec in runs}):
            kb_folder = Path(tmp) / f"kb{articles}"
            kb_folder.mkdir()
            products = synthetic_kb(kb_folder, articles, 4)
            questions = _queries(products, 500)
            if articles == 30 and not args.merge:
                kb = KnowledgeBase.build(load_articles([kb_folder]).articles)
                for backend in ("sqlite", "postgresql"):
                    report["per_message_cost"].append(
                        per_message_costs(backend, kb, questions, args.floor_messages)
                    )
            for spec in (s for s in runs if s.articles == articles):
                report["runs"].append(run_one(spec, kb_folder, questions, args))
                _write(report, kept, args.out)
    _write(report, kept, args.out)
    print(markdown(report))
    return 0


def _write(report: dict[str, Any], kept: list[dict[str, Any]], folder: Path) -> None:
    order = {spec.name: n for n, spec in enumerate(RUNS)}
    runs = sorted([*kept, *report["runs"]], key=lambda run: order.get(run["name"], len(order)))
    whole = {**report, "runs": runs}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "load_slack.json").write_text(json.dumps(whole, indent=2) + "\n")
    (folder / "load_slack.md").write_text(markdown(whole))


if __name__ == "__main__":
    raise SystemExit(main())

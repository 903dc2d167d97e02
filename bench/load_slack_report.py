"""The report of ``bench.load_slack``: its runs and the storage floor as Markdown, next
to the issue's goals."""

from __future__ import annotations

from typing import Any

__all__ = ["goals", "markdown"]


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Load test through the Slack protocol",
        "",
        f"`{report['command']}` on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB,"
        f" Python {m['python']}; load average at start {m['load_average_at_start']}"
        f" ({m['note']}).",
        "",
        *(
            [f"Runs kept from an earlier invocation: {', '.join(kept)}."]
            if (kept := report.get("merged_from_earlier_runs"))
            else []
        ),
        "",
        "| run | workers | KB | target/s | achieved/s | ack p50 | ack p99 | reply p50 | reply p99 |"
        " lost | dup | peak RSS/worker MB | worker CPU ms/event | load avg (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        lines.append(
            f"| {r['name']} | {r['workers']} | {r['kb_articles']} | {r['target_events_per_s']} |"
            f" {r['achieved_events_per_s']} | {r['ack_p50_ms']} | {r['ack_p99_ms']} |"
            f" {r['reply_p50_ms']} | {r['reply_p99_ms']} | {r['lost']} | {r['duplicated']} |"
            f" {r['peak_rss_mb_per_worker']} | {r['worker_cpu_ms_per_event']} |"
            f" {r['load_average_before'][0]} → {r['load_average_after'][0]} |"
        )
    lines += [
        "",
        "Latencies in ms. *achieved/s*: events answered / time from the first event sent to the"
        " last reply. *lost*: acknowledged (HTTP 200) but never answered; *dup*: the same reply"
        " posted more than once.",
        "",
        "## Per-message cost against the storage floor",
        "",
        "| backend | floor wall ms | tier0 wall ms | ratio | floor CPU ms | tier0 CPU ms | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in report["per_message_cost"]:
        lines.append(
            f"| {c['backend']} | {c['floor']['wall_ms']} | {c['tier0']['wall_ms']} |"
            f" {c['ratio_wall']} | {c['floor']['cpu_ms']} | {c['tier0']['cpu_ms']} |"
            f" {c['ratio_cpu']} |"
        )
    lines += [
        "",
        "Floor: one inbound and one outbound message stored with plain SQLAlchemy, one"
        " transaction each. tier0: `Engine.handle` for the same mix (30-article KB), its"
        " replies claimed and marked sent; one message after another in one process.",
        "",
        *goals(report),
    ]
    return "\n".join(lines)


def _pair(run: dict[str, Any]) -> str:
    return f"{run['ack_p99_ms']} / {run['reply_p99_ms']}" if run else "not run"


def goals(report: dict[str, Any]) -> list[str]:
    """The issue's goals next to what this report measured."""
    runs = {r["name"]: r for r in report["runs"]}
    two = runs.get("postgresql-2w-kb30", {})
    calm = runs.get("postgresql-2w-kb30-8ps", {})
    big = [r for r in report["runs"] if r["kb_articles"] == 10_000]
    ratios = [c["ratio_wall"] for c in report["per_message_cost"]]
    rows = [
        ("events/s, PostgreSQL, 2 workers", ">= 300", two.get("achieved_events_per_s")),
        ("ack p99 ms, same run", "<= 100", two.get("ack_p99_ms")),
        ("reply p99 ms, same run", "<= 250", two.get("reply_p99_ms")),
        ("ack p99 / reply p99 ms, 2 workers at 8 events/s", "", _pair(calm)),
        ("per-message cost / storage floor (wall)", "<= 3", ratios or None),
        (
            "peak RSS MB per worker, 10,000-article KB",
            "<= 150",
            [mb for r in big for mb in r["peak_rss_mb_per_worker"]] or "not run",
        ),
        ("lost, all runs", "0", sum(r["lost"] for r in report["runs"])),
        ("duplicated, all runs", "0", sum(r["duplicated"] for r in report["runs"])),
    ]
    return [
        "## Goals",
        "",
        "| goal | target | measured |",
        "|---|---|---|",
        *(f"| {name} | {target} | {value} |" for name, target, value in rows),
        "",
    ]

"""Drill: PostgreSQL restarted under load, with ``tier0 run --workers N`` in Slack's HTTP mode.

The drill starts a PostgreSQL server of its own (``tests.reliability.private_postgres``:
the machine's binaries, a temporary folder, a free port on 127.0.0.1; the shared server
is never touched), ``tier0 run --workers N`` on it behind one HTTP port, and sends signed
Events API requests from simulated people at a steady rate (questions, follow-ups on open
tickets, agents' replies; ``bench.load_world``). While it sends, the server is stopped and
kept down for a few seconds, then started again, once per fault:

- ``fast``: ``pg_ctl stop -m fast``, the server terminates every client's session and
  shuts down cleanly (an operator's restart, a minor-version upgrade);
- ``immediate``: ``pg_ctl stop -m immediate``, every server process quits at once, as if
  the postmaster were killed; the next start runs crash recovery;
- ``kill``: SIGKILL to the postmaster (a crash, the OOM killer); its backends quit when
  they notice, and the next start runs crash recovery.

When the traffic ends, the drill waits (sending nothing more) until every acknowledged
event was answered, and counts from the fake Slack's call log: events sent, acknowledged,
answered once, lost (acknowledged, never answered), duplicated replies, writers told
their message was kept, workers that exited, and per fault the seconds from the server
accepting connections again to the first answer to a new event and to the last answer to
an event sent while it was down.

Run (one command)::

    python -m bench.drills.pg_restart [--workers 2] [--seconds 90] [--rate 6] [--down 5]

Outcome: JSON + Markdown in bench/drills/results/pg_restart.{json,md} (``--name`` to
write another pair).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.load_world import (
    SIGNING_SECRET,
    Expected,
    Outcome,
    SlackTraffic,
    Tier0Workers,
    TimedFakeSlack,
    config_text,
    free_port,
    read_outcome,
)
from bot.settings import SAMPLE_KB
from tests.reliability.private_postgres import PrivatePostgres
from tests.service.process import clean_environment

__all__ = ["Fault", "drill", "main"]

RESULTS = Path(__file__).resolve().parent / "results"
QUESTIONS = ("my vpn won't connect", "how do I reset my password", "printer is jammed")
KEPT = "kept your message"


@dataclass
class Fault:
    """One stop of the server: how (``fast``, ``immediate``, ``kill``), when (seconds into
    the traffic) and for how long."""

    mode: str
    at: float
    down: float
    stopped_at: float = 0.0
    accepting_at: float = 0.0
    sent_while_down: list[int] = field(default_factory=list)


def drill(
    workers: int, seconds: float, rate: float, faults: list[Fault], recover_timeout: float
) -> tuple[dict[str, Any], str]:
    """Run the drill: its outcome as a flat dictionary (see the module's docstring), and
    ``tier0 run``'s log."""
    with (
        PrivatePostgres() as server,
        TimedFakeSlack() as slack,
        tempfile.TemporaryDirectory() as folder,
    ):
        port = free_port()
        env = clean_environment(
            {
                "DATABASE_URL": server.url,
                "SLACK_BOT_TOKEN": slack.workspace.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
            }
        )
        config = config_text(SAMPLE_KB, port, delivery_lease=3)
        tier0 = Tier0Workers(Path(folder), config, env, workers)
        try:
            tier0.ready(timeout=180)
            traffic = SlackTraffic(slack, f"http://127.0.0.1:{port}/slack/events")
            started = time.monotonic()
            asyncio.run(_traffic(traffic, server, seconds, rate, faults))
            waited = _wait_for_answers(traffic, recover_timeout)
            time.sleep(2.0)  # anything sent twice would have arrived by now
            outcome = read_outcome(slack, traffic.sent)
            log = tier0.log
        finally:
            tier0.stop()
    result: dict[str, Any] = {
        "workers": workers,
        "traffic_seconds": seconds,
        "events_per_second_offered": rate,
        **_delivery_counts(slack, traffic, outcome),
        "worker_exits": log.count(") exited with"),
        "seconds_waited_for_answers_after_traffic": round(waited, 1),
    }
    for fault in faults:
        result |= _fault_outcome(fault, traffic.sent, outcome.replied, started)
    result |= {
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    return result, log


def _delivery_counts(
    slack: TimedFakeSlack, traffic: SlackTraffic, outcome: Outcome
) -> dict[str, int]:
    """What became of the events sent: acknowledged, answered (once), lost, told kept."""
    return {
        "events_sent": len(traffic.sent),
        "acknowledged": sum(1 for e in traffic.sent if e.acked_at is not None),
        "unacknowledged_after_retries": outcome.unacknowledged,
        "acknowledged_after_a_retry": sum(
            1 for e in traffic.sent if e.acked_at is not None and e.attempts > 1
        ),
        "answered": len(outcome.replied),
        # at least this many: each extra reply makes at most one event "more than once"
        "answered_once": len(outcome.replied) - outcome.duplicated,
        "lost": len(outcome.lost),
        "duplicated_replies": outcome.duplicated,
        "told_kept": sum(
            1
            for call in slack.calls("chat.postEphemeral")
            if call.ok and KEPT in str(call.params.get("text", ""))
        ),
    }


async def _traffic(
    traffic: SlackTraffic, server: PrivatePostgres, seconds: float, rate: float, faults: list[Fault]
) -> None:
    people = traffic.add_people(max(10, int(rate * 5)))
    async with aiohttp.ClientSession() as session:
        await traffic.open_tickets(session, 3)
        began = time.monotonic()
        faulting = asyncio.create_task(_faults(server, faults, began))
        sends: list[asyncio.Task[None]] = []
        number = 0
        while time.monotonic() - began < seconds:
            event, expected = _next_event(traffic, people, number)
            for fault in faults:
                if fault.stopped_at and not fault.accepting_at:
                    fault.sent_while_down.append(len(traffic.sent))
            sends.append(asyncio.create_task(traffic.send(session, event, expected)))
            number += 1
            await asyncio.sleep(max(0.0, began + number / rate - time.monotonic()))
        await faulting
        await asyncio.gather(*sends)


def _next_event(
    traffic: SlackTraffic, people: list[str], number: int
) -> tuple[dict[str, Any], Expected]:
    """70 % questions, 20 % follow-ups on open tickets, 10 % agents' replies, interleaved."""
    slot = number % 10
    if slot < 7 or not traffic.tickets:
        return traffic.question(people[number % len(people)], QUESTIONS[number % len(QUESTIONS)])
    ticket = traffic.tickets[number % len(traffic.tickets)]
    return traffic.follow_up(ticket) if slot < 9 else traffic.agent_reply(ticket)


async def _faults(server: PrivatePostgres, faults: list[Fault], began: float) -> None:
    for fault in faults:
        await asyncio.sleep(max(0.0, began + fault.at - time.monotonic()))
        if fault.mode == "kill":
            await asyncio.to_thread(server.kill)
        else:
            await asyncio.to_thread(server.stop, fault.mode)
        fault.stopped_at = time.monotonic()
        await asyncio.sleep(fault.down)
        await asyncio.to_thread(server.start)
        fault.accepting_at = time.monotonic()


def _wait_for_answers(traffic: SlackTraffic, timeout: float) -> float:
    began = time.monotonic()
    acknowledged = [i for i, e in enumerate(traffic.sent) if e.acked_at is not None]
    while time.monotonic() - began < timeout:
        replied = read_outcome(traffic.slack, traffic.sent).replied
        if all(i in replied for i in acknowledged):
            break
        time.sleep(0.5)
    return time.monotonic() - began


def _fault_outcome(
    fault: Fault, sent: list[Expected], replied: dict[int, float], started: float
) -> dict[str, Any]:
    after = [
        replied[i] for i, e in enumerate(sent) if i in replied and e.sent_at >= fault.accepting_at
    ]
    during = [replied[i] for i in fault.sent_while_down if i in replied]
    name = {"fast": "stop_fast", "immediate": "stop_immediate"}.get(fault.mode, fault.mode)
    return {
        f"{name}_at_seconds": round(fault.stopped_at - started, 1),
        f"{name}_down_seconds": round(fault.accepting_at - fault.stopped_at, 1),
        f"{name}_events_sent_while_down": len(fault.sent_while_down),
        f"{name}_of_them_answered": len(during),
        f"{name}_seconds_to_first_new_answer": _since(after, fault.accepting_at, min),
        f"{name}_seconds_to_last_answer_of_those_sent_while_down": _since(
            during, fault.accepting_at, max
        ),
    }


def _since(times: list[float], moment: float, pick: Any) -> float | None:
    return round(max(0.0, pick(times) - moment), 1) if times else None


def markdown(result: dict[str, Any], command: str) -> str:
    rows = "\n".join(f"| {key} | {value} |" for key, value in result.items())
    return (
        "# Drill: PostgreSQL restarted under load, `tier0 run --workers "
        f"{result['workers']}`\n\nCommand: `{command}`\n\n"
        "| measure | value |\n|---|---|\n" + rows + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--rate", type=float, default=6.0)
    parser.add_argument("--down", type=float, default=5.0, help="seconds each stop lasts")
    parser.add_argument("--recover-timeout", type=float, default=120.0)
    parser.add_argument("--log", type=Path, help="write tier0 run's log here")
    parser.add_argument("--name", default="pg_restart", help="results/NAME.{json,md}")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: unwind like ^C, so tier0 run and the server are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    faults = [
        Fault("fast", args.seconds * 0.15, args.down),
        Fault("immediate", args.seconds * 0.45, args.down),
        Fault("kill", args.seconds * 0.75, args.down),
    ]
    result, log = drill(args.workers, args.seconds, args.rate, faults, args.recover_timeout)
    if args.log:
        args.log.write_text(log)
    command = (
        f"python -m bench.drills.pg_restart --workers {args.workers} --seconds {args.seconds:g} "
        f"--rate {args.rate:g} --down {args.down:g}"
        + (f" --name {args.name}" if args.name != "pg_restart" else "")
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(markdown(result, command))
    print(markdown(result, command))
    passed = result["lost"] == 0 and result["duplicated_replies"] == 0
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

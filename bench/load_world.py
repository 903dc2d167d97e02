"""What a Slack load test runs against: a fake Slack that times every Web API call, a
``tier0 run --workers N`` in HTTP mode, and signed Events API traffic with its expected replies.

Shared by ``bench/load_slack.py`` (the measurement) and ``tests/scale`` (the same traffic,
small, as a CI check that N workers lose and duplicate nothing, also when one is killed).
Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.slack.http_mode import slack_signature
from tests.fakes.slack.records import CallLog, RecordedCall
from tests.fakes.slack_server import FakeSlack
from tests.support.slack_messages import all_text

__all__ = [
    "AGENT",
    "HELP",
    "SIGNING_SECRET",
    "TRIAGE",
    "Expected",
    "Outcome",
    "SlackTraffic",
    "Tier0Workers",
    "TimedFakeSlack",
    "config_text",
    "free_port",
    "read_outcome",
]

JSON = dict[str, Any]
HELP, TRIAGE, SPECIALISTS = "C0HELP", "C0TRIAGE", "C0SPECIAL"
AGENT = "U0AGENT"
SIGNING_SECRET = "bench-signing-secret"
ACK_LIMIT = 3.0  # Slack's: an event not acknowledged within 3 s is retried
SLACK_RETRIES = 3
TOKEN = re.compile(r"\b(?:fu|ag)-\d+\b")
READY = r"slack: ready \(http mode"
WORKER_STARTED = re.compile(r"worker (\d+) started \(pid (\d+)\)")
ROOT = Path(__file__).resolve().parents[1]


class TimedCallLog(CallLog):
    """The fake's call log, plus when each call arrived (monotonic seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    def append(self, call: RecordedCall) -> None:
        with self._changed:
            self.arrived.append(time.monotonic())
            self._calls.append(call)
            self._changed.notify_all()

    def timed(self) -> list[tuple[float, RecordedCall]]:
        with self._changed:
            return list(zip(self.arrived, self._calls, strict=True))


class TimedFakeSlack(FakeSlack):
    """FakeSlack whose call log notes arrival times, for event-to-reply latency."""

    def __init__(self) -> None:
        super().__init__()
        self.timed_log = TimedCallLog()
        self._log = self.timed_log
        self.add_user(AGENT, "agent", real_name="Agent Smith")
        for channel, name in ((HELP, "it-help"), (TRIAGE, "triage"), (SPECIALISTS, "special")):
            self.add_channel(channel, name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_text(kb: Path, port: int, *, delivery_lease: float = 30.0) -> str:
    return f"""
[service]
log_level = "INFO"
shutdown_grace_seconds = 10
database_wait_seconds = 10
delivery_lease_seconds = {delivery_lease}
scheduler_lease_seconds = 10

[kb]
paths = [{json.dumps(str(kb))}]

[sla]
enabled = false
digest = false
sweep_seconds = 5  # the leader's sweep also replays messages a killed worker left unhandled

[limits]
messages_per_minute = 0  # simulated people write far faster than real ones

[slack]
enabled = true
mode = "http"
http_host = "127.0.0.1"
http_port = {port}
help_channels = ["{HELP}"]
triage_channels = {{ "Service desk" = "{TRIAGE}", Specialists = "{SPECIALISTS}" }}

[tickets]
new_ticket_cooldown_seconds = 0

[[tickets.tiers]]
name = "Service desk"
agents = ["slack:{AGENT}"]

[[tickets.tiers]]
name = "Specialists"
"""


class Tier0Workers:
    """``tier0 run --workers N`` as an operator starts it; its log is kept for reading."""

    def __init__(self, folder: Path, config: str, env: dict[str, str], workers: int) -> None:
        self.folder = folder
        (folder / "tier0.toml").write_text(config)
        self.workers = workers
        self.lines: list[str] = []
        self._changed = threading.Condition()
        command = [sys.executable, "-m", "tier0", "--config", str(folder / "tier0.toml")]
        self.process = subprocess.Popen(
            [*command, "run", "--workers", str(workers)],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 60.0) -> list[str]:
        """The first ``count`` log lines matching ``pattern``, waiting up to ``timeout``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [line for line in self.lines if regex.search(line)]
                if len(found) >= count:
                    return found[:count]
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"no {count} x {pattern!r} from tier0 run:\n" + "\n".join(self.lines[-40:])
                    )
                self._changed.wait(0.2)

    def ready(self, timeout: float) -> None:
        self.wait_for(READY, self.workers, timeout)

    def ready_again(self, timeout: float = 120.0) -> None:
        """After a worker was started again: one more ready line than workers."""
        self.wait_for(READY, self.workers + 1, timeout)

    def worker_pids(self) -> list[int]:
        """The live workers' pids (the process itself when it runs a single worker)."""
        if self.workers == 1:
            return [self.process.pid]
        with self._changed:
            started = [
                re.search(r"worker (\d+) started \(pid (\d+)\)", line) for line in self.lines
            ]
        latest = {int(m.group(1)): int(m.group(2)) for m in started if m}
        return [latest[n] for n in sorted(latest)]

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    @property
    def log(self) -> str:
        with self._changed:
            return "\n".join(self.lines)


@dataclass
class Expected:
    """One event sent, and how to recognise its reply among the fake's calls."""

    kind: str  # "question" | "follow_up" | "agent"
    marker: str  # question: its thread ts; otherwise a token the reply must repeat
    sent_at: float = 0.0
    acked_at: float | None = None
    attempts: int = 0


@dataclass
class Outcome:
    replied: dict[int, float] = field(default_factory=dict)  # event index -> first reply time
    lost: list[int] = field(default_factory=list)  # acknowledged, never answered
    duplicated: int = 0  # replies beyond the one expected
    duplicated_by_kind: dict[str, int] = field(default_factory=dict)
    unacknowledged: int = 0  # Slack would have given up after its retries


@dataclass
class Ticket:
    requester: str
    thread: str  # the requester's thread in the help channel
    card: str  # the card's ts in the triage channel


class SlackTraffic:
    """Signed Events API requests from simulated people, as Slack's HTTP delivery sends them."""

    def __init__(self, slack: TimedFakeSlack, url: str) -> None:
        self.slack = slack
        self.url = url
        self.sent: list[Expected] = []
        self.tickets: list[Ticket] = []
        self._tokens = 0

    def add_people(self, count: int, prefix: str = "U0P") -> list[str]:
        people = [f"{prefix}{n:05d}" for n in range(count)]
        for person in people:
            self.slack.add_user(person, person.lower())
        return people

    # -- the three kinds of event ---------------------------------------------------------

    def question(self, user: str, text: str) -> tuple[JSON, Expected]:
        event = self.slack.payloads.message_event(text, user=user, channel=HELP)
        return event, Expected("question", str(event["ts"]))

    def follow_up(self, ticket: Ticket) -> tuple[JSON, Expected]:
        token = self._token("fu")
        event = self.slack.payloads.message_event(
            f"still broken, see {token}",
            user=ticket.requester,
            channel=HELP,
            thread_ts=ticket.thread,
        )
        return event, Expected("follow_up", token)

    def agent_reply(self, ticket: Ticket) -> tuple[JSON, Expected]:
        token = self._token("ag")
        event = self.slack.payloads.message_event(
            f"please try again now ({token})", user=AGENT, channel=TRIAGE, thread_ts=ticket.card
        )
        return event, Expected("agent", token)

    def _token(self, prefix: str) -> str:
        self._tokens += 1
        return f"{prefix}-{self._tokens}"

    # -- sending --------------------------------------------------------------------------

    async def send(self, session: aiohttp.ClientSession, event: JSON, expected: Expected) -> None:
        """POST like Slack: signed, retried with the same event id if not acknowledged in 3 s.

        The message is in its channel first, as on Slack (replies in its thread need it).
        """
        self.slack.world.store_message(str(event["channel"]), dict(event))
        self.sent.append(expected)
        body = json.dumps(self.slack.payloads.event_callback(event)).encode()
        expected.sent_at = time.monotonic()
        for attempt in range(SLACK_RETRIES + 1):
            expected.attempts = attempt + 1
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": slack_signature(SIGNING_SECRET, timestamp, body),
            }
            if attempt:
                headers |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "timeout"}
            try:
                async with session.post(
                    self.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(ACK_LIMIT)
                ) as response:
                    await response.read()
                    if response.status == 200:
                        expected.acked_at = time.monotonic()
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(1.0)  # Slack waits longer; the bench cannot wait minutes

    async def open_tickets(self, session: aiohttp.ClientSession, count: int) -> None:
        """``count`` requesters each ask for a person: the open tickets follow-ups go to."""
        requesters = self.add_people(count, "U0R")
        events = [
            self.slack.payloads.message_event(
                f"talk to a human about problem p{n:05d}", user=person, channel=HELP
            )
            for n, person in enumerate(requesters)
        ]
        await asyncio.gather(
            *(self.send(session, e, Expected("setup", str(e["ts"]))) for e in events)
        )
        self.sent.clear()
        for n, (person, event) in enumerate(zip(requesters, events, strict=True)):
            problem = f"p{n:05d}"
            card = await asyncio.to_thread(
                self.slack.wait_for_call,
                "chat.postMessage",
                lambda p, problem=problem: p.get("channel") == TRIAGE and problem in all_text(p),
                timeout=120.0,
                ok=True,
            )
            self.tickets.append(Ticket(person, str(event["ts"]), str(card.response["ts"])))


def read_outcome(slack: TimedFakeSlack, sent: Sequence[Expected]) -> Outcome:
    """Match every acknowledged event with the replies it caused, from the fake's call log."""
    by_thread: dict[str, list[tuple[float, JSON]]] = defaultdict(list)
    by_token: dict[str, list[tuple[float, JSON]]] = defaultdict(list)
    for arrived, call in slack.timed_log.timed():
        if call.method != "chat.postMessage" or not call.ok:
            continue
        params = call.params
        if params.get("channel") == HELP and params.get("thread_ts"):
            by_thread[str(params["thread_ts"])].append((arrived, params))
        for token in set(TOKEN.findall(all_text(params))):
            by_token[token].append((arrived, params))
    outcome = Outcome()
    for index, expected in enumerate(sent):
        if expected.acked_at is None:
            outcome.unacknowledged += 1
        if expected.kind == "question":
            replies = by_thread.get(expected.marker, [])
            # A thread may hold several different messages; the same one twice is a duplicate.
            contents = [json.dumps([p.get("text"), p.get("blocks")]) for _, p in replies]
            extra = len(contents) - len(set(contents))
        else:
            replies = by_token.get(expected.marker, [])
            extra = max(0, len(replies) - 1)
        if extra:
            outcome.duplicated += extra
            kinds = outcome.duplicated_by_kind
            kinds[expected.kind] = kinds.get(expected.kind, 0) + extra
        if replies:
            outcome.replied[index] = min(arrived for arrived, _ in replies)
        elif expected.acked_at is not None:
            outcome.lost.append(index)
    return outcome

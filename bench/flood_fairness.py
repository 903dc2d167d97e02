"""Another person's reply latency while one person floods, against the same without a flood.

The real Slack adapter (Socket Mode, Bolt, the engine on two threads as ``tier0 run`` has by
default, SQLite) against the fake Slack on 127.0.0.1. One person sends ``--flood`` slash
commands (``/tier0 status``) as fast as the fake can push them; right after, another person
asks ``/tier0 help`` ``--probes`` times, one after the other, each timed from the push to the
fake receiving its answer. The same probes run first with no flood, in the same process, so
the ratio compares like with like on a shared machine.

Run::

    python -m bench.flood_fairness [--flood 600] [--probes 5]

JSON goes to bench/results/flood_fairness.json (``--out`` for another folder).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.delivery.outbox import Delivery
from bot.events import Event
from bot.settings import Settings
from kb import KnowledgeBase, load_articles
from storage.db import Database, connect, upgrade
from tests.adapters.slack.harness import CAROL, DAN, SlackBot, seed_directory
from tests.fakes.slack_server import FakeSlack
from tests.support.chat import FakeClock

RESULTS = Path(__file__).resolve().parent / "results"
ENGINE_THREADS = 2  # [service] engine_threads' default
PATIENCE = 120.0


class Handled:
    """Counts the events the engine handled, per person (an engine observer)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.by_person: dict[str, int] = {}

    def __call__(self, event: Event, seconds: float, deliveries: list[Delivery]) -> None:
        with self._lock:
            person = event.person.id
            self.by_person[person] = self.by_person.get(person, 0) + 1
            self._lock.notify_all()

    def wait_for(self, person: str, count: int, timeout: float = PATIENCE) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: self.by_person.get(person, 0) >= count, timeout):
                raise TimeoutError(f"{person}: {self.by_person.get(person, 0)} of {count} handled")


def probe(bot: SlackBot, channel: str) -> float:
    """Seconds from Carol's ``/tier0 help`` being pushed to its answer reaching Slack."""
    after = len(bot.fake.calls())
    sent = time.monotonic()
    bot.fake.push_slash_command("/tier0", "help", user_id=CAROL, channel_id=channel)
    deadline = sent + PATIENCE
    while True:
        if any(
            c.method == "chat.postMessage" and c.params.get("channel") == channel
            for c in bot.fake.calls()[after:]
        ):
            return time.monotonic() - sent
        if time.monotonic() > deadline:
            raise TimeoutError("Carol's help was never answered")
        time.sleep(0.002)


def run(flood: int, probes: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        seed_directory(slack)
        engine = connect(f"sqlite:///{Path(tmp) / 'tier0.db'}")
        upgrade(engine)
        database = Database(engine)
        loaded = load_articles(Settings().kb.paths)
        kb = KnowledgeBase.build(loaded.articles)
        bot = SlackBot(slack, "socket", database, kb, FakeClock())
        bot._loop.loop.set_default_executor(
            ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="tier0-engine")
        )
        handled = Handled()
        bot.engine.observers.append(handled)
        bot.start()
        try:
            carol, dan = bot.dm(CAROL), bot.dm(DAN)
            probe(bot, carol)  # warm: Carol's profile and DM are looked up once
            quiet = [probe(bot, carol) for _ in range(probes)]
            before = handled.by_person.get(DAN, 0)
            started = time.monotonic()
            for _ in range(flood):
                slack.push_slash_command("/tier0", "status T-1", user_id=DAN, channel_id=dan)
            pushed = time.monotonic() - started
            during = [probe(bot, carol) for _ in range(probes)]
            handled.wait_for(DAN, before + flood)
            drained = time.monotonic() - started
        finally:
            bot.close()
            database.close()
    return {
        "flood": flood,
        "flood_pushed_in_s": round(pushed, 3),
        "flood_handled_in_s": round(drained, 3),
        "quiet_latency_s": [round(v, 3) for v in quiet],
        "flood_latency_s": [round(v, 3) for v in during],
        "quiet_median_s": round(statistics.median(quiet), 3),
        "flood_max_s": round(max(during), 3),
        "ratio_max_to_quiet_median": round(max(during) / statistics.median(quiet), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=600)
    parser.add_argument("--probes", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report = {
        "command": "python -m bench.flood_fairness " + " ".join(argv or sys.argv[1:]),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "slack_socket_sqlite": run(args.flood, args.probes),
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "flood_fairness.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

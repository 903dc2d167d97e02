"""/metrics and /healthz scraped over HTTP: what this process handled, and the desk's state
read from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.jobs.runner import Jobs
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database
from tests.insight.scrape import health, scrape
from tests.support.chat import Chat, FakeClock
from tier0.health import OperationsServer, database_metrics, health_check
from tier0.metrics import MULTIPROCESS_DIR

VPN_QUESTION = "my vpn won't connect"
OUT_OF_SCOPE = "how do I book a meeting room in Lisbon"


@pytest.fixture
def server(
    database: Database, sample_kb: KnowledgeBase, chat: Chat, clock: FakeClock
) -> Iterator[OperationsServer]:
    metrics = database_metrics(database, clock)
    chat.engine.observers.append(metrics.observe)
    running = OperationsServer("127.0.0.1", 0, metrics, health_check(database, sample_kb)).start()
    yield running
    running.stop()


def label(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def test_metrics_count_events_answers_tickets_breaches_and_the_outbox(
    server: OperationsServer, chat: Chat, clock: FakeClock, database: Database, settings: Settings
) -> None:
    chat.say(VPN_QUESTION)  # answered from the KB
    chat.press("Solved")
    chat.command("new the printer on floor 3 is on fire", "eve")  # T-1, never answered
    chat.say(OUT_OF_SCOPE, "dan")  # T-2
    chat.command("reply T-2 try Room Booker", "alice")  # first response in time
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # T-1 missed its 4 h first response
    swept = Jobs(settings, database.unit_of_work, clock).sweep()

    samples = scrape(server.port)

    events = "tier0_events_handled_total"
    assert samples[(events, label(platform="console", event="message", outcome="ok"))] == 2
    assert samples[(events, label(platform="console", event="button", outcome="ok"))] == 1
    assert samples[(events, label(platform="console", event="command", outcome="ok"))] == 2
    assert samples[("tier0_event_handling_seconds_count", label(platform="console"))] == 5
    assert samples[("tier0_kb_replies_total", label(platform="console", kind="answer"))] == 1
    assert samples[("tier0_database_up", label())] == 1
    tickets = {s: samples[("tier0_tickets", label(status=s))] for s in ("open", "waiting_on_user")}
    assert tickets == {"open": 1, "waiting_on_user": 1}  # T-1 escalated, T-2 answered
    assert samples[("tier0_tickets", label(status="claimed"))] == 0
    breached = "tier0_sla_breached_tickets"
    assert samples[(breached, label(target="first_response"))] == 1
    assert samples[(breached, label(target="resolution"))] == 0
    stored = sum(len(turn.actions) for turn in chat.history) + len(swept)
    assert samples[("tier0_outbox_pending", label(platform="console"))] == stored
    oldest = samples[("tier0_outbox_oldest_pending_seconds", label(platform="console"))]
    assert oldest == 5 * 3600  # the answer stored at 09:00, never sent (no adapter here)


def test_healthz_says_ok_while_the_database_answers(server: OperationsServer) -> None:
    assert health(server.port) == (200, {"status": "ok", "database": "ok", "knowledge_base": "ok"})


def test_other_paths_are_not_found(server: OperationsServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10)
    assert refused.value.code == 404


def test_an_unreachable_database_fails_healthz_and_shows_in_metrics(
    sample_kb: KnowledgeBase,
) -> None:
    nowhere = Database(
        create_engine(
            "postgresql+psycopg://tier0@127.0.0.1:9/none", connect_args={"connect_timeout": 2}
        )
    )
    running = OperationsServer(
        "127.0.0.1", 0, database_metrics(nowhere), health_check(nowhere, sample_kb)
    ).start()
    try:
        status, body = health(running.port)
        samples = scrape(running.port)
    finally:
        running.stop()

    assert status == 503
    assert body["status"] == "failing" and body["database"].startswith("unreachable")
    assert samples[("tier0_database_up", label())] == 0


WORKER = """
import sys
from bot.events import MessageReceived, Person, Place
from bot.reports.desk_state import DeskState
from tier0.metrics import Metrics

metrics = Metrics(lambda: DeskState({}, {}, {}, {}), sys.argv[1])
for n in range(int(sys.argv[2])):
    event = MessageReceived(Person("slack", "U1", "dan"), Place("slack", "D1"), "hi", f"e{n}")
    metrics.observe(event, 0.01, [])
"""


def test_with_several_workers_one_scrape_adds_up_every_workers_counts(
    database: Database, sample_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """As under ``tier0 run --workers N``: each worker process counts into the shared
    folder (PROMETHEUS_MULTIPROC_DIR), and the one serving /metrics reports the sum."""
    counts = tmp_path / "counts"
    counts.mkdir()
    for handled in (3, 4):
        subprocess.run(
            [sys.executable, "-c", WORKER, str(counts), str(handled)],
            env={**os.environ, MULTIPROCESS_DIR: str(counts)},
            cwd=Path(__file__).resolve().parents[2],
            check=True,
        )
    metrics = database_metrics(database, shared_dir=str(counts))
    running = OperationsServer("127.0.0.1", 0, metrics, health_check(database, sample_kb)).start()
    try:
        samples = scrape(running.port)
    finally:
        running.stop()

    events = ("tier0_events_handled_total", label(platform="slack", event="message", outcome="ok"))
    assert samples[events] == 7
    assert samples[("tier0_event_handling_seconds_count", label(platform="slack"))] == 7
    assert samples[("tier0_database_up", label())] == 1

"""Prometheus metrics: what the workers handled, and the desk's state read at scrape.

Counters and the latency histogram count the events handled. Under ``tier0 run --workers
N`` the supervisor gives every worker one ``PROMETHEUS_MULTIPROC_DIR``, prometheus_client
keeps each process's counts in a file there, and whichever worker serves ``/metrics`` adds
them all up (a worker that died or was started again included), so one scrape tells the
whole host. Tickets by status, SLA breaches and the outbox backlog are read from the
database when scraped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, assert_never

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.actions import AnswerArticle, OfferArticles
from bot.delivery.outbox import Delivery
from bot.events import ArticleSubmitted, ButtonPressed, CommandIssued, Event, MessageReceived
from bot.records import LIVE_STATUSES
from bot.reports.desk_state import DeskState

__all__ = ["MULTIPROCESS_DIR", "Metrics"]

MULTIPROCESS_DIR: Final = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's own variable: set, counts go to files in that folder."""


class _DeskCollector(Collector):
    def __init__(self, read: Callable[[], DeskState]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("tier0_database_up", "1 if the database answered this scrape")
        try:
            state = self._read()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        tickets = GaugeMetricFamily("tier0_tickets", "Tickets by status", labels=["status"])
        for status in LIVE_STATUSES:
            tickets.add_metric([status], state.tickets.get(status, 0))
        yield tickets
        breached = GaugeMetricFamily(
            "tier0_sla_breached_tickets",
            "Active tickets that missed an SLA target",
            labels=["target"],
        )
        for target, count in sorted(state.breached.items()):
            breached.add_metric([target], count)
        yield breached
        pending = GaugeMetricFamily(
            "tier0_outbox_pending", "Actions stored but not yet sent", labels=["platform"]
        )
        oldest = GaugeMetricFamily(
            "tier0_outbox_oldest_pending_seconds",
            "Age of the oldest unsent action",
            labels=["platform"],
        )
        for platform, count in sorted(state.outbox_pending.items()):
            pending.add_metric([platform], count)
            oldest.add_metric([platform], state.outbox_oldest_seconds.get(platform, 0.0))
        yield pending
        yield oldest


class Metrics:
    """``observe`` is an ``Engine`` observer; ``exposed`` is what ``/metrics`` shows: the
    counts of this process, or of every process counting into ``shared_dir``."""

    def __init__(self, read_desk: Callable[[], DeskState], shared_dir: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "tier0_events_handled",
            "Events handled (messages, button presses, commands)",
            ["platform", "event", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tier0_event_handling_seconds",
            "Time to handle one event, storing it and what the bot decided",
            ["platform"],
            registry=self.registry,
        )
        self.kb = Counter(
            "tier0_kb_replies",
            "Knowledge-base replies: one article as the answer, or a list to choose from",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.exposed = self.registry
        if shared_dir:
            self.exposed = CollectorRegistry()
            MultiProcessCollector(self.exposed, path=shared_dir)  # type: ignore[no-untyped-call]
        self.exposed.register(_DeskCollector(read_desk))

    def observe(self, event: Event, seconds: float, deliveries: list[Delivery]) -> None:
        platform = event.place.platform
        failed = any(delivery.id == 0 for delivery in deliveries)  # see Engine.handle
        self.events.labels(platform, _kind(event), "error" if failed else "ok").inc()
        self.latency.labels(platform).observe(seconds)
        for delivery in deliveries:
            if isinstance(delivery.action, AnswerArticle):
                self.kb.labels(platform, "answer").inc()
            elif isinstance(delivery.action, OfferArticles):
                self.kb.labels(platform, "suggestion").inc()


def _kind(event: Event) -> str:
    """The ``event`` label of ``tier0_events_handled`` (a submitted form counts as a message)."""
    match event:
        case ButtonPressed():
            return "button"
        case CommandIssued():
            return "command"
        case MessageReceived() | ArticleSubmitted():
            return "message"
        case _:
            assert_never(event)

"""``tier0 run`` serves /healthz and /metrics when ``[service] metrics_port`` is set: scraped
over HTTP from outside the process while it answers on (fake) Slack."""

from __future__ import annotations

import socket

from tests.adapters.slack.harness import DAN
from tests.fakes.slack_server import FakeSlack
from tests.insight.scrape import health, scrape
from tests.service.conftest import (  # noqa: F401  (fixtures)
    MakeService,
    config_text,
    make_service,
    slack,
    sqlite_url,
)
from tests.service.slack_people import SlackPeople


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_running_tier0_is_scraped_over_http(
    slack: FakeSlack,  # noqa: F811
    make_service: MakeService,  # noqa: F811
) -> None:
    port = free_port()
    service = make_service(slack=slack)
    config = config_text(slack, None).replace("[service]\n", f"[service]\nmetrics_port = {port}\n")
    (service.cwd / "tier0.toml").write_text(config)
    people = SlackPeople(slack)
    with service.start() as tier0:
        tier0.wait_for_line(rf"serving /healthz and /metrics on http://127\.0\.0\.1:{port}")
        assert health(port) == (200, {"status": "ok", "database": "ok", "knowledge_base": "ok"})
        dm = people.dm(DAN)
        people.say(DAN, "my vpn won't connect", dm)
        people.press(DAN, people.posted(dm, "Did this solve your problem?"), "Solved")
        people.posted(dm, "Glad")

        samples = scrape(port)

        assert tier0.terminate() == 0
    assert tier0.complaints() == []

    def value(name: str, **labels: str) -> float:
        return samples[(name, frozenset(labels.items()))]

    assert value("tier0_events_handled_total", platform="slack", event="message", outcome="ok") == 1
    assert value("tier0_events_handled_total", platform="slack", event="button", outcome="ok") == 1
    assert value("tier0_kb_replies_total", platform="slack", kind="answer") == 1
    assert value("tier0_event_handling_seconds_count", platform="slack") == 2
    assert value("tier0_tickets", status="open") == 0
    assert value("tier0_database_up") == 1

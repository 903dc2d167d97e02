"""A fake Slack that the real slack_sdk / slack_bolt clients talk to over sockets on 127.0.0.1.

Use the ``fake_slack`` fixture (import it into a test module, or list this module in a conftest's
``pytest_plugins``) or ``with FakeSlack() as slack:``. tests/fakes/test_slack_server.py has one
example per feature::

    client = WebClient(token=slack.workspace.bot_token, base_url=slack.api_url)
    handler = SocketModeHandler(App(client=client), slack.workspace.app_token)
    handler.connect()
    envelope_id = slack.push_event(slack.payloads.message_event("hi", user="U1", channel="C1"))
    assert slack.wait_for_ack(envelope_id) == {}
    slack.wait_for_call("chat.postMessage", lambda p: p["channel"] == "C1")
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from tests.fakes.slack.http_mode import HttpReply, SignedHttpSender, slack_signature
from tests.fakes.slack.payloads import PayloadFactory
from tests.fakes.slack.records import FakeSlackTimeout, RecordedCall, SlowAnswers
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.socket_mode import Ack
from tests.fakes.slack.workspace import Workspace

__all__ = [
    "Ack",
    "FakeSlack",
    "FakeSlackTimeout",
    "HttpReply",
    "PayloadFactory",
    "RecordedCall",
    "SignedHttpSender",
    "SlowAnswers",
    "Workspace",
    "fake_slack",
    "fake_slack_client",
    "slack_signature",
]

_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """A running FakeSlack; proxy variables are cleared so slack_sdk cannot route via a proxy."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def fake_slack_client(fake_slack: FakeSlack) -> WebClient:
    """A WebClient holding the fake workspace's bot token, pointed at the fake."""
    return WebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.api_url)

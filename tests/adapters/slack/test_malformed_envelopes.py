"""Socket Mode envelopes whose payload is not shaped like Slack's: acknowledged, so Slack
does not send them again, logged in one short line, never a traceback; the bot goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.adapters.slack.harness import DAN, SlackBot
from tests.fakes.slack.payloads import PayloadFactory
from tests.fakes.slack_server import FakeSlack

JSON = dict[str, Any]
Envelope = Callable[[PayloadFactory], JSON]


def event(**changes: object) -> Envelope:
    def envelope(payloads: PayloadFactory) -> JSON:
        message = payloads.message_event("my vpn is down", user=DAN, channel="D0DAN")
        callback = payloads.event_callback(message) | changes
        return payloads.envelope("events_api", callback, accepts_response_payload=False)

    return envelope


def interactive(kind: str, **changes: object) -> Envelope:
    def envelope(payloads: PayloadFactory) -> JSON:
        if kind == "block_actions":
            payload = payloads.block_actions("tier0:button:solved:0", user_id=DAN, channel_id="D0")
        else:
            payload = payloads.view_submission("tier0_article", user_id=DAN)
        payload |= changes
        return payloads.envelope("interactive", payload, accepts_response_payload=False)

    return envelope


def command_without(field: str) -> Envelope:
    def envelope(payloads: PayloadFactory) -> JSON:
        fields = payloads.slash_command("/tier0", "new printer jam", user_id=DAN, channel_id="C0")
        del fields[field]
        return payloads.envelope("slash_commands", fields, accepts_response_payload=True)

    return envelope


BAD_SHAPES = [
    event(event=None),
    event(event=[1]),
    event(event={"user": DAN}),
    event(team=5),
    interactive("block_actions", actions=None),
    interactive("block_actions", actions="x"),
    interactive("block_actions", actions=[{"value": "1"}]),
    interactive("block_actions", user="U0DAN"),
    interactive("view_submission", view="x"),
    command_without("user_id"),
]


def test_envelopes_not_shaped_like_slacks_are_acknowledged_without_a_traceback(
    socket_bot: SlackBot, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    for shape in BAD_SHAPES:
        slack.wait_for_ack(slack.push_envelope(shape(slack.payloads)))
    dm = socket_bot.dm(DAN)
    socket_bot.say(DAN, "my vpn is down", dm)
    socket_bot.posted(dm, "Did this solve your problem?")

    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert all("\n" not in line and len(line) < 200 for line in logged), logged
    assert len(logged) <= 1, logged  # at most one a minute

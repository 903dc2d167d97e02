"""Payloads wait in the local inbox from before Slack hears "received" until handled: what
a killed process acknowledged but never stored is answered by the next one, once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase
from storage.db import Database
from storage.inbox import Inbox
from tests.adapters.slack.harness import DAN, SlackBot
from tests.fakes.slack_server import FakeSlack
from tests.support.chat import FakeClock

ANSWERED = "Did this solve your problem?"


def left_behind(folder: Path, *payloads: dict[str, object]) -> None:
    """What a process killed after acknowledging ``payloads`` leaves in its inbox."""
    dead = Inbox(folder, "slack")
    for payload in payloads:
        dead.record(json.dumps(payload))
    dead.close()


def answers(bot: SlackBot, channel: str) -> int:
    return sum(
        1
        for call in bot.fake.calls("chat.postMessage")
        if call.ok and call.params.get("channel") == channel and ANSWERED in json.dumps(call.params)
    )


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_an_event_acknowledged_but_never_stored_is_answered_at_the_next_start(
    mode: str,
    slack: FakeSlack,
    database: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    dm = str(slack.world.open_dm(DAN)["id"])
    event = slack.payloads.message_event("my vpn won't connect", user=DAN, channel=dm)
    left_behind(inbox, slack.payloads.event_callback(event))

    bot = SlackBot(
        slack,
        "socket" if mode == "socket" else "http",
        database,
        sample_kb,
        clock,
        inbox_folder=inbox,
    ).start()
    try:
        bot.posted(dm, ANSWERED)
        bot.say(DAN, "thanks", dm)
        bot.posted(dm, "welcome")
        assert answers(bot, dm) == 1
    finally:
        bot.close()
    assert list(inbox.iterdir()) == []  # adopted, handled, forgotten


def test_a_payload_whose_event_was_already_stored_is_not_answered_twice(
    slack: FakeSlack,
    database: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    first = SlackBot(slack, "socket", database, sample_kb, clock).start()
    dm = first.dm(DAN)
    event = slack.payloads.message_event("my vpn won't connect", user=DAN, channel=dm)
    event_id = first.event(event)
    first.posted(dm, ANSWERED)
    first.close()
    # killed after storing and answering, before forgetting the payload
    left_behind(tmp_path / "inbox", slack.payloads.event_callback(event, event_id=event_id))

    again = SlackBot(
        slack, "socket", database, sample_kb, clock, inbox_folder=tmp_path / "inbox"
    ).start()
    try:
        again.say(DAN, "thanks", dm)  # handled after the adopted payload: same conversation
        again.posted(dm, "welcome")
        assert answers(again, dm) == 1
    finally:
        again.close()


def test_payloads_are_forgotten_once_handled(socket_bot: SlackBot) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.say(DAN, "my vpn won't connect", dm)
    socket_bot.posted(dm, ANSWERED)
    socket_bot.say(DAN, "thanks", dm)
    socket_bot.posted(dm, "welcome")

    assert len(socket_bot.adapter.received.inbox) == 0


def test_a_command_met_by_a_failing_slack_is_answered_once_slack_is_back(
    slack: FakeSlack, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    """Opening the DM fails (503, and again on each of the client's own retries): the
    payload stays in the inbox and is handled again a moment later, not dropped."""
    bot = SlackBot(slack, "socket", database, sample_kb, clock, retry_delays=(0.5,)).start()
    try:
        slack.fail_with_status("conversations.open", 503, times=3)
        bot.command(DAN, "new printer on floor 3 is on fire", "C0GENERAL")
        slack.wait_for_call("conversations.open", ok=False)
        bot.posted(bot.dm(DAN), "opened ticket T-1")
        assert len(bot.adapter.received.inbox) == 0
        opened = [c for c in slack.calls("chat.postMessage") if "opened ticket" in repr(c.params)]
        assert len(opened) == 1
    finally:
        bot.close()


def test_a_payload_slack_keeps_failing_on_is_given_up_after_the_last_try(
    slack: FakeSlack, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    bot = SlackBot(slack, "socket", database, sample_kb, clock, retry_delays=(0.2, 0.2)).start()
    try:
        slack.fail_with_status("conversations.open", 503, times=100)
        bot.command(DAN, "new printer on floor 3 is on fire", "C0GENERAL")
        tried = calls_once_quiet(slack, "conversations.open", quiet=4.0)
        assert tried >= 3  # the first try and two more, each with the client's own retries
        assert len(bot.adapter.received.inbox) == 0  # forgotten, not kept for ever
        assert not [c for c in slack.calls("chat.postMessage") if "T-1" in repr(c.params)]
    finally:
        bot.close()


def calls_once_quiet(slack: FakeSlack, method: str, quiet: float) -> int:
    """How many calls to ``method`` there were once none came for ``quiet`` seconds."""
    seen, since = -1, time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = len(slack.calls(method))
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"{method} was still being called after 30 s")


def test_a_failure_that_is_not_slacks_is_not_tried_again(
    slack: FakeSlack, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    bot = SlackBot(slack, "socket", database, sample_kb, clock, retry_delays=(0.2,)).start()
    try:
        slack.fail_with_error("conversations.open", "user_disabled")
        command = bot.app.settings.slack.slash_command
        slack.push_slash_command(command, "printer on fire", user_id=DAN, channel_id="C0GENERAL")
        assert calls_once_quiet(slack, "conversations.open", quiet=2.0) == 1
        assert len(bot.adapter.received.inbox) == 0
    finally:
        bot.close()

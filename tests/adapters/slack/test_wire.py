"""The Slack wire end to end: retries, duplicates, signatures, rate limits, outages, escaping."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.runtime import require_secret
from bot.errors import ConfigError
from kb import KnowledgeBase
from storage.db import Database
from tests.adapters.slack.harness import ALICE, CAROL, DAN, GENERAL, TRIAGE_1, Mode, SlackBot
from tests.fakes.slack_server import FakeSlack
from tests.support.chat import FakeClock
from tier0.app import App
from tier0.platforms.slack import build_slack_adapter

PAYLOADS = Path(__file__).parent / "payloads"


def replies_to(bot: SlackBot, channel: str, contains: str) -> int:
    return sum(
        1
        for c in bot.fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel and contains in json.dumps(c.params)
    )


def test_an_event_slack_delivers_twice_is_handled_once(bot: SlackBot) -> None:
    dm = bot.dm(DAN)
    event = bot.fake.payloads.message_event("my vpn won't connect", user=DAN, channel=dm)
    event_id = bot.event(event)
    bot.posted(dm, "Did this solve your problem?")

    if bot.mode == "socket":
        envelope = bot.fake.push_event(event, event_id=event_id)
        bot.fake.wait_for_ack(envelope)
        retry = bot.fake.redeliver(envelope, reason="timeout")
        bot.fake.wait_for_ack(retry)
    else:
        bot.event(event, event_id=event_id, retry=1)
        bot.event(event, event_id=event_id, retry=2)

    bot.say(DAN, "thanks", dm)  # handled after the retries: this conversation is in order
    bot.posted(dm, "welcome")
    assert replies_to(bot, dm, "Did this solve your problem?") == 1


def test_forged_and_stale_requests_are_refused_and_change_nothing(http_bot: SlackBot) -> None:
    dm = http_bot.dm(DAN)
    event = http_bot.fake.payloads.message_event("my vpn won't connect", user=DAN, channel=dm)
    body = json.dumps(http_bot.fake.payloads.event_callback(event)).encode()
    honest = http_bot.sender()
    forger = http_bot.fake.http_sender(http_bot.url, "not-the-signing-secret")

    assert honest.send_url_verification("abc123").json() == {"challenge": "abc123"}
    assert forger.post(body, "application/json").status == 401
    assert honest.post(body, "application/json", timestamp=1_600_000_000).status == 401
    assert honest.post(body, "application/json", signature="v0=" + "0" * 64).status == 401

    http_bot.say(DAN, "thanks", dm)
    http_bot.posted(dm, "welcome")
    assert replies_to(http_bot, dm, "Did this solve") == 0
    assert [c.params["user"] for c in http_bot.fake.calls("users.info")] == [DAN]


def test_a_rate_limited_post_is_retried_after_retry_after(socket_bot: SlackBot) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.fake.rate_limit("chat.postMessage", retry_after=0, times=1)

    socket_bot.say(DAN, "my vpn won't connect", dm)

    socket_bot.posted(dm, "Did this solve your problem?")
    assert [c.status for c in socket_bot.fake.calls("chat.postMessage")] == [429, 200]


def test_a_message_slack_cannot_take_for_a_while_is_kept_and_sent_later(
    socket_bot: SlackBot,
) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.fake.fail_with_status("chat.postMessage", 500, times=2)

    socket_bot.say(DAN, "my vpn won't connect", dm)
    with_time_passing(socket_bot, lambda: shown(socket_bot, dm, "Did this solve") > 0)

    statuses = [c.status for c in socket_bot.fake.calls("chat.postMessage")]
    assert statuses == [500, 500, 200]


def test_a_reply_slack_took_though_its_answer_was_lost_is_not_posted_again(
    socket_bot: SlackBot,
) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.fake.fail_after_handling("chat.postMessage", 503)

    socket_bot.say(DAN, "my vpn won't connect", dm)
    # the retry looks for the copy Slack kept, finds it, and does not post again
    with_time_passing(socket_bot, lambda: bool(socket_bot.fake.calls("conversations.history")))
    socket_bot.say(DAN, "thanks", dm)  # replied to after that retry: the lane is in order
    with_time_passing(socket_bot, lambda: shown(socket_bot, dm, "welcome") > 0)

    assert [c.status for c in socket_bot.fake.calls("chat.postMessage")] == [503, 200]
    assert shown(socket_bot, dm, "Did this solve") == 1


def test_a_look_up_slack_fails_is_retried_at_once_and_the_message_answered(
    socket_bot: SlackBot,
) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.fake.fail_with_status("users.info", 503)  # who is writing: safe to ask again

    socket_bot.say(DAN, "my vpn won't connect", dm)
    socket_bot.posted(dm, "Did this solve your problem?")

    assert [c.status for c in socket_bot.fake.calls("users.info")] == [503, 200]


def shown(bot: SlackBot, channel: str, contains: str) -> int:
    """How many of the channel's messages (as people see them) contain ``contains``."""
    return sum(1 for m in bot.fake.world.history(channel) if contains in json.dumps(m))


def with_time_passing(bot: SlackBot, done: Callable[[], bool]) -> None:
    """Move the engine's clock on (past any back-off of the outbox) until ``done()``."""
    deadline = time.monotonic() + 15
    while not done():
        assert time.monotonic() < deadline, [(c.method, c.status) for c in bot.fake.calls()]
        bot.clock.advance(seconds=5)
        threading.Event().wait(0.05)


def test_user_text_cannot_ping_the_channel_or_forge_mentions(bot: SlackBot) -> None:
    dm = bot.dm(DAN)
    bot.say(DAN, "<!channel> <@U0BOSS> how do I book a meeting room &lt;!here&gt; in Lisbon", dm)
    card = bot.posted(TRIAGE_1, "T-1")
    bot.cards("T-1")
    subject = card["blocks"][0]["text"]["text"]
    assert (
        subject == "*T-1* · @channel @U0BOSS how do I book a meeting room &lt;!here&gt; in Lisbon"
    )

    bot.press(ALICE, card, "Claim")
    bot.say(ALICE, "&lt;!everyone&gt; &lt;@U0DAN&gt; &lt;https://evil.example|bank&gt;", TRIAGE_1,
            thread_ts=card["ts"])  # fmt: skip
    relayed = bot.posted(dm, "everyone")
    shown = relayed["blocks"][0]["text"]["text"]
    assert shown.endswith("&lt;!everyone&gt; &lt;@U0DAN&gt; &lt;https://evil.example|bank&gt;")

    everything = json.dumps([c.params for c in bot.fake.calls() if c.method.startswith("chat.")])
    for forged in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil"):
        assert forged not in everything


def test_the_slash_command_works_from_any_channel_and_answers_in_the_dm(bot: SlackBot) -> None:
    bot.command(DAN, "new printer on floor 3 is on fire", GENERAL)
    dm = bot.dm(DAN)
    bot.posted(dm, "opened ticket T-1")
    card = bot.posted(TRIAGE_1, "printer on floor 3 is on fire")
    assert "opened directly" not in repr(card["blocks"])

    bot.command(DAN, "mine", dm)
    bot.posted(dm, "T-1")
    assert not [c for c in bot.fake.calls("chat.postMessage") if c.params["channel"] == GENERAL]


def test_create_ticket_on_a_message_opens_a_ticket_for_whoever_used_it(bot: SlackBot) -> None:
    shortcut: dict[str, Any] = json.loads((PAYLOADS / "message_shortcut.json").read_text())
    shortcut["response_url"] = bot.fake.payloads.response_url()
    shortcut["trigger_id"] = bot.fake.payloads.trigger_id()

    bot.interact(shortcut)

    bot.posted(bot.dm(CAROL), "abri o chamado T-1")  # in Carol's language, pt-BR
    card = bot.posted(TRIAGE_1, "the wifi in #lisbon-office drops every hour")
    assert f"<@{CAROL}>" in repr(card["blocks"])


def test_show_full_answer_opens_the_article_in_a_modal(socket_bot: SlackBot) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.say(DAN, "my vpn won't connect", dm)
    answer = socket_bot.posted(dm, "Did this solve your problem?")

    socket_bot.press(DAN, answer, "Show full answer")

    opened = socket_bot.fake.wait_for_call("views.open", ok=True)
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["blocks"][0]["text"]["text"].lower().startswith("vpn")
    assert len(view["blocks"]) >= 2


def test_missing_secrets_are_named(bot: SlackBot) -> None:
    app: App = bot.app
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_slack_adapter(app, {})
    needed = "SLACK_APP_TOKEN" if bot.mode == "socket" else "SLACK_SIGNING_SECRET"
    with pytest.raises(ConfigError, match=needed):
        build_slack_adapter(app, {"SLACK_BOT_TOKEN": "xoxb-1"})
    assert require_secret({"X": " y "}, "X", "") == "y"


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_start_logs_one_ready_line_and_a_refused_token_says_which(
    slack: FakeSlack,
    database: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    mode: Mode,
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.slack")
    bot = SlackBot(slack, mode, database, sample_kb, clock).start()
    bot.close()
    ready = [r.getMessage() for r in caplog.records if "ready" in r.getMessage()]
    expected = (
        "socket mode, workspace tier0 test" if mode == "socket" else "http mode on 127.0.0.1:"
    )
    assert len(ready) == 1 and expected in ready[0]

    wrong = SlackBot(slack, mode, database, sample_kb, clock)
    secret = "SLACK_BOT_TOKEN"
    if mode == "socket":
        wrong.adapter._app_token = "xapp-not-ours"
        secret = "SLACK_APP_TOKEN"
    else:
        wrong.adapter.client.token = "xoxb-not-ours"
    with pytest.raises(ConnectionError, match=f"Slack refused {secret}"):
        wrong.start()
    wrong.close()
    assert slack.active_connections == 0

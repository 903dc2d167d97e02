"""Platform trouble: replies wait out Slack's 500s and 429s and Discord's 5xx, then arrive
once each and in order; what Discord sent while the gateway was away comes in on RESUME
and is handled once."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.adapters.discord_adapter.conftest import RunningAdapter, posted, text_of
from tests.adapters.slack.harness import DAN, SlackBot
from tests.fakes.discord_server import FakeDiscord
from tests.support.slack_messages import all_text

StartBot = Callable[..., RunningAdapter]
RESUME = 6
ANSWERED = "how do I reset my account password"


def test_slack_replies_wait_out_500s_and_429s_and_arrive_once_in_order(
    socket_bot: SlackBot,
) -> None:
    dm = socket_bot.dm(DAN)
    socket_bot.fake.fail_with_status("chat.postMessage", 500, times=6)  # two whole attempts
    socket_bot.fake.rate_limit("chat.postMessage", retry_after=1, times=1)

    socket_bot.say(DAN, "my vpn won't connect", dm)
    socket_bot.say(DAN, "thanks", dm)
    deadline = time.monotonic() + 30
    while len(delivered(socket_bot, dm)) < 2:  # the outbox backs off on the engine's clock
        assert time.monotonic() < deadline, delivered(socket_bot, dm)
        socket_bot.clock.advance(seconds=5)
        time.sleep(0.2)
    time.sleep(0.5)  # a duplicate would be sent by now
    answers = delivered(socket_bot, dm)

    assert len(answers) == 2
    assert "Did this solve" in answers[0] and "welcome" in answers[1]
    statuses = [c.status for c in socket_bot.fake.calls("chat.postMessage")]
    assert statuses.count(500) == 6 and statuses.count(429) == 1


def delivered(bot: SlackBot, channel: str) -> list[str]:
    return [
        all_text(c.params)
        for c in bot.fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel
    ]


def test_discord_messages_sent_while_the_gateway_was_away_are_handled_once_after_resume(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    support = fake.channel_id("support")
    fake.fail_next("POST", rf"/channels/{support}/messages", status=502, times=2)

    with fake.gateway_held():
        fake.disconnect()
        fake.send_message("support", "alice", ANSWERED)
        fake.send_message("support", "carol", ANSWERED)
    fake.wait_for_gateway_op(RESUME, timeout=10)

    for who in ("alice", "carol"):
        posted(fake, "support", f"<@{fake.member(who).id}>")
    time.sleep(0.5)  # a duplicate would be sent by now
    answers = [
        text_of(r.json)
        for r in fake.requests
        if r.matches("POST", f"/channels/{support}/messages") and r.status == 200
    ]
    assert len(answers) == 2 and all("Reset your account password" in a for a in answers)
    statuses = [
        r.status for r in fake.requests if r.matches("POST", f"/channels/{support}/messages")
    ]
    assert statuses.count(502) == 2

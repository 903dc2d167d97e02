"""What the bot says to one person (the answer to their command, a refusal) is never posted
where others read it: in a channel it is an ephemeral message, and if Slack cannot show
that (the person is not in the channel) it is dropped with a log line, not posted."""

from __future__ import annotations

import pytest

from bot.i18n.messages import say
from tests.adapters.slack.harness import ALICE, DAN, GENERAL, HELP, TRIAGE_1, SlackBot
from tests.support.slack_messages import all_text

QUESTION = "how do I book a meeting room in Lisbon"
OPEN_TICKETS = say("agent.tickets_header", "en")


def open_a_ticket(bot: SlackBot) -> None:
    """Dan asks what the knowledge base cannot answer: T-1, with his words as subject."""
    bot_user = bot.fake.workspace.bot_user_id
    bot.say(DAN, f"<@{bot_user}> {QUESTION}", GENERAL, mention=True)
    bot.posted(TRIAGE_1, "T-1")


def posts_saying(bot: SlackBot, text: str) -> list[str]:
    return [
        c.params["channel"]
        for c in bot.fake.calls("chat.postMessage")
        if text in all_text(c.params)
    ]


def test_a_staff_command_typed_in_a_help_channel_is_answered_to_them_alone(bot: SlackBot) -> None:
    open_a_ticket(bot)

    bot.say(ALICE, "!tickets", HELP)

    answer = bot.ephemeral(ALICE, OPEN_TICKETS)
    assert answer.params["channel"] == HELP and QUESTION in answer.params["text"]
    assert posts_saying(bot, OPEN_TICKETS) == []


def test_a_private_answer_slack_cannot_show_is_dropped_with_a_log_line_not_posted(
    socket_bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    open_a_ticket(socket_bot)
    socket_bot.fake.fail_with_error("chat.postEphemeral", "user_not_in_channel")

    socket_bot.say(ALICE, "!tickets", HELP)

    socket_bot.fake.wait_for_call("chat.postEphemeral", lambda p: p.get("user") == ALICE)
    socket_bot.say(ALICE, "!tickets", HELP)  # the next one is shown: the first was given up
    socket_bot.ephemeral(ALICE, OPEN_TICKETS)
    assert posts_saying(socket_bot, OPEN_TICKETS) == []
    dropped = [r.getMessage() for r in caplog.records if "user_not_in_channel" in r.getMessage()]
    assert dropped
    assert not [line for line in dropped if OPEN_TICKETS in line or "T-1" in line]

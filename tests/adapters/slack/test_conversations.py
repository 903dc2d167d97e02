"""End to end over the real Slack protocol: employees ask, the bot answers or opens a ticket."""

from __future__ import annotations

from tests.adapters.slack.harness import DAN, SlackBot


def test_a_dm_question_is_answered_from_the_kb_and_solved(bot: SlackBot) -> None:
    dm = bot.dm(DAN)
    bot.say(DAN, "my vpn won't connect", dm)

    answer = bot.posted(dm, "Did this solve your problem?")
    assert "thread_ts" not in answer  # a DM is one conversation
    assert "VPN" in answer["blocks"][0]["text"]["text"]
    bot.press(DAN, answer, "Solved")

    bot.posted(dm, "Glad")
    assert bot.fake.calls("chat.postEphemeral") == []

"""Over the real Slack protocol: a ticket opened in a DM continues in its own thread, so the
top of the DM stays for new questions; group DMs are answered like a help channel."""

from __future__ import annotations

import time

from tests.adapters.slack.harness import ALICE, DAN, TRIAGE_1, SlackBot

QUESTION = "how do I book a meeting room in Lisbon"
VPN_QUESTION = "my vpn won't connect"


def ticket_thread(bot: SlackBot, key: str, dm: str) -> str:
    """The thread the adapter moved the ticket into, once it has."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ticket = bot.engine.ticket(key)
        if ticket is not None and ticket.place.thread is not None:
            assert ticket.place.channel == dm
            return ticket.place.thread
        time.sleep(0.01)
    raise AssertionError(f"{key} never moved into a thread")


def test_a_dm_ticket_lives_in_the_thread_of_its_announcement(bot: SlackBot) -> None:
    dm = bot.dm(DAN)
    bot.say(DAN, QUESTION, dm)
    announced = bot.posted(dm, "opened ticket T-1")
    assert "thread_ts" not in announced
    thread = ticket_thread(bot, "T-1", dm)
    assert thread == announced["ts"]
    card = bot.posted(TRIAGE_1, "T-1")

    bot.say(DAN, "it is for six people", dm, thread_ts=thread)
    bot.posted(TRIAGE_1, "*dan*: it is for six people", thread_ts=card["ts"])

    bot.press(ALICE, card, "Claim")
    bot.say(ALICE, "Which day do you need it?", TRIAGE_1, thread_ts=card["ts"])
    asked = bot.fake.wait_for_call(
        "chat.postMessage",
        lambda p: p.get("thread_ts") == thread and "Which day" in str(p.get("blocks")),
        ok=True,
    )
    assert asked.params["reply_broadcast"] is True  # shown at the top of the DM too

    bot.say(DAN, "Tuesday, six people", dm)  # answered at the top, where it was shown
    bot.posted(TRIAGE_1, "*dan*: Tuesday, six people", thread_ts=card["ts"])
    bot.posted(dm, "Added to ticket T-1")


def test_a_new_question_at_the_top_of_the_dm_is_answered_and_may_join_the_ticket(
    bot: SlackBot,
) -> None:
    dm = bot.dm(DAN)
    bot.say(DAN, QUESTION, dm)
    bot.posted(dm, "opened ticket T-1")
    thread = ticket_thread(bot, "T-1", dm)
    card = bot.posted(TRIAGE_1, "T-1")

    bot.say(DAN, VPN_QUESTION, dm)
    answer = bot.posted(dm, "Did this solve your problem?")
    assert "thread_ts" not in answer and "VPN" in answer["blocks"][0]["text"]["text"]

    bot.press(DAN, answer, "Add to T-1 instead")
    bot.posted(TRIAGE_1, f"*dan*: {VPN_QUESTION}", thread_ts=card["ts"])
    bot.posted(dm, "Added to ticket T-1")
    assert bot.engine.ticket("T-1").place.thread == thread  # type: ignore[union-attr]


def test_the_rating_in_a_dm_ticket_thread_is_pressed_there(bot: SlackBot) -> None:
    dm = bot.dm(DAN)
    bot.say(DAN, QUESTION, dm)
    thread = ticket_thread(bot, "T-1", dm)
    card = bot.posted(TRIAGE_1, "T-1")
    bot.press(ALICE, card, "Claim")
    bot.press(ALICE, bot.updated(TRIAGE_1, card["ts"], "claimed"), "Resolve")

    rating = bot.posted(dm, "How would you rate", thread_ts=thread)
    bot.press(DAN, rating, "5")

    bot.posted(dm, "Thanks", thread_ts=thread)


def test_a_question_in_a_group_dm_is_answered_in_a_thread_under_it(bot: SlackBot) -> None:
    group = "G0MPIM0001"
    asked = bot.say(DAN, VPN_QUESTION, group, channel_type="mpim")

    answer = bot.posted(group, "Did this solve your problem?", thread_ts=str(asked["ts"]))
    assert "VPN" in answer["blocks"][0]["text"]["text"]

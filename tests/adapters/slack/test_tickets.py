"""End to end over the real Slack protocol: a ticket from a mention to its rating and reopening."""

from __future__ import annotations

import re

from bot.i18n.messages import say
from kb import KnowledgeBase
from storage.db import Database
from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    CAROL,
    DAN,
    ERIN,
    GENERAL,
    HELP,
    TRIAGE_1,
    TRIAGE_2,
    SlackBot,
)
from tests.security.platforms import slack_tokens
from tests.support.chat import FakeClock

QUESTION = "how do I book a meeting room in Lisbon"
HOSTILE_VPN_QUESTION = "my vpn won't connect <!everyone> <!here> **now** " + "`x` " * 25_000


def mention(bot: SlackBot, text: str, channel: str = GENERAL, user: str = DAN) -> str:
    """@tier0 in a channel; returns the ts of the message (the requester's thread)."""
    bot_user = bot.fake.workspace.bot_user_id
    return str(bot.say(user, f"<@{bot_user}> {text}", channel, mention=True)["ts"])


def test_a_ticket_from_a_mention_to_rating_and_reopen(bot: SlackBot) -> None:
    thread = mention(bot, QUESTION)
    opened = bot.posted(GENERAL, "opened ticket T-1", thread_ts=thread)
    assert opened["thread_ts"] == thread

    card = bot.posted(TRIAGE_1, "T-1")
    assert "thread_ts" not in card
    assert f"<@{DAN}>" in repr(card["blocks"]) and QUESTION in repr(card["blocks"])
    assert bot.cards("T-1")[0].message_id == card["ts"]

    bot.press(ALICE, card, "Claim")
    card = bot.updated(TRIAGE_1, card["ts"], f"<@{ALICE}>")
    bot.posted(GENERAL, "is looking at your ticket T-1", thread_ts=thread)

    bot.choose(ALICE, card, "high")
    bot.updated(TRIAGE_1, card["ts"], "*Priority*\\nhigh")

    bot.say(
        ALICE, "Please try Room Booker <https://rooms.example.com>", TRIAGE_1, thread_ts=card["ts"]
    )
    relayed = bot.posted(GENERAL, "Room Booker", thread_ts=thread)
    assert "*alice* (Service desk): Please try Room Booker https://rooms.example.com" in repr(
        relayed["blocks"]
    )

    bot.say(DAN, "it says access denied", GENERAL, thread_ts=thread)
    bot.posted(TRIAGE_1, "*dan*: it says access denied", thread_ts=card["ts"])

    bot.say(ALICE, "!note checking his AD groups", TRIAGE_1, thread_ts=card["ts"])
    bot.say(ALICE, "Checking your permissions now", TRIAGE_1, thread_ts=card["ts"])
    bot.posted(GENERAL, "Checking your permissions now", thread_ts=thread)
    shown_to_dan = repr([c.params for c in bot.fake.calls() if c.params.get("channel") == GENERAL])
    assert "AD groups" not in shown_to_dan

    bot.press(ALICE, bot.message(TRIAGE_1, card["ts"]), "Escalate")
    moved = bot.updated(TRIAGE_1, card["ts"], f"now with Specialists in <#{TRIAGE_2}>")
    assert not [b for b in moved["blocks"] if b["type"] == "actions"]
    second = bot.posted(TRIAGE_2, "T-1")
    bot.posted(GENERAL, "passed to the Specialists team", thread_ts=thread)
    bot.cards("T-1", count=2)

    bot.press(ERIN, second, "Claim")  # Erin is a specialist through the user group
    bot.updated(TRIAGE_2, second["ts"], f"<@{ERIN}>")
    bot.say(DAN, "still denied", GENERAL, thread_ts=thread)
    bot.posted(TRIAGE_2, "*dan*: still denied", thread_ts=second["ts"])

    bot.say(ERIN, "!resolve", TRIAGE_2, thread_ts=second["ts"])
    rating = bot.posted(GENERAL, "How would you rate", thread_ts=thread)
    labels = [
        e["text"]["text"] for b in rating["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == ["1", "2", "3", "4", "5", "Reopen"]
    bot.updated(TRIAGE_2, second["ts"], "*Status*\\nresolved")

    bot.press(DAN, rating, "5")
    bot.posted(GENERAL, "Thanks for rating T-1 5/5", thread_ts=thread)
    bot.press(DAN, rating, "Reopen")
    bot.posted(GENERAL, "Ticket T-1 is open again", thread_ts=thread)
    bot.updated(TRIAGE_2, second["ts"], "Last change: reopened")
    assert bot.fake.calls("chat.postEphemeral") == []


def test_a_help_channel_message_is_answered_in_a_thread_under_it(bot: SlackBot) -> None:
    event = bot.say(CAROL, "nao consigo acessar a vpn", HELP)
    answer = bot.posted(HELP, say("answer.ask_solved", "pt-BR"))
    assert answer["thread_ts"] == event["ts"]
    bot.press(CAROL, answer, say("button.still_need_help", "pt-BR"))
    bot.posted(HELP, "abri o chamado T-1", thread_ts=event["ts"])
    card = bot.posted(TRIAGE_1, "T-1")
    assert "did not help" in repr(card["blocks"])


def test_the_card_lists_what_the_bot_tried_and_hostile_words_neither_ping_nor_break_it(
    bot: SlackBot,
) -> None:
    thread = mention(bot, HOSTILE_VPN_QUESTION)
    offer = bot.posted(GENERAL, "Which one fits best?", thread_ts=thread)

    bot.press(DAN, offer, "None of these")

    blocks = bot.posted(TRIAGE_1, "T-1")["blocks"]
    assert [b["type"] for b in blocks[:3]] == ["section", "section", "section"]
    heading, *tried = blocks[2]["text"]["text"].split("\n")
    assert heading == "*Bot tried*"
    assert len(tried) == 3 and tried[0].startswith("• VPN won't connect (vpn-cannot-connect) · ")
    assert all(
        re.search(r" · \d+% sure · offered in a list: none of the list fit$", t) for t in tried
    )
    subject = blocks[0]["text"]["text"]
    assert subject.startswith("*T-1* · my vpn won't connect @everyone @here **now** `x`")
    assert len(subject) < 300  # a subject is one line of the question
    tokens = {token for block in blocks for token in slack_tokens(repr(block))}
    assert {t for t in tokens if not t.startswith("<!date^")} == {f"<@{DAN}>"}


def test_someone_who_is_not_an_agent_cannot_claim(bot: SlackBot) -> None:
    mention(bot, QUESTION)
    card = bot.posted(TRIAGE_1, "T-1")
    bot.cards("T-1")

    bot.press(CAROL, card, "Claim")

    refusal = bot.ephemeral(CAROL, say("agent.not_agent", "pt-BR"))
    assert refusal.params["channel"] == TRIAGE_1
    assert bot.fake.calls("chat.update") == []
    assert bot.engine.cards("T-1")[0].message_id == card["ts"]


def test_two_agents_claiming_at_once_one_wins(bot: SlackBot) -> None:
    mention(bot, QUESTION)
    card = bot.posted(TRIAGE_1, "T-1")
    bot.cards("T-1")
    element = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("value") == "T-1" and e["text"]["text"] == "Claim"
    )
    clicks = [bot.click_payload(who, card, element) for who in (ALICE, BOB)]
    if bot.mode == "socket":
        envelopes = [bot.fake.push_interactive(p) for p in clicks]
        for envelope in envelopes:
            bot.fake.wait_for_ack(envelope)
    else:
        import threading

        threads = [threading.Thread(target=bot.interact, args=(p,)) for p in clicks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    refusal = bot.fake.wait_for_call("chat.postEphemeral", lambda p: "already claimed" in p["text"])
    loser = refusal.params["user"]
    winner = ALICE if loser == BOB else BOB
    bot.updated(TRIAGE_1, card["ts"], f"<@{winner}>")
    claimed = [c for c in bot.fake.calls("chat.update") if "*Assignee*" in repr(c.params)]
    assert all(f"<@{loser}>" not in repr(c.params) for c in claimed)


def test_threads_the_bot_has_no_part_in_are_left_alone(bot: SlackBot) -> None:
    lunch = bot.say(CAROL, "lunch at noon?", GENERAL)
    bot.say(DAN, "yes, my vpn won't connect though", GENERAL, thread_ts=lunch["ts"])

    dm = bot.dm(DAN)
    bot.say(DAN, "thanks", dm)
    bot.posted(dm, "welcome")
    assert not [c for c in bot.fake.calls("chat.postMessage") if c.params["channel"] == GENERAL]
    assert len(bot.fake.calls("conversations.replies")) == 1


def test_an_agent_answering_in_the_requesters_thread_is_recorded_on_the_ticket(
    bot: SlackBot,
) -> None:
    thread = mention(bot, QUESTION)
    card = bot.posted(TRIAGE_1, "T-1")
    bot.cards("T-1")
    bot.press(ALICE, card, "Claim")
    bot.posted(GENERAL, "is looking at your ticket", thread_ts=thread)

    bot.say(ALICE, "Use the Lisbon room app", GENERAL, thread_ts=thread)

    bot.updated(TRIAGE_1, card["ts"], "waiting on requester")  # the ticket took it as a reply
    relayed = [c for c in bot.fake.calls("chat.postMessage") if "Lisbon room app" in str(c.params)]
    assert relayed == []  # the requester already sees it in their thread


def test_after_a_restart_the_requesters_thread_still_reaches_the_ticket(
    socket_bot: SlackBot, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    thread = mention(socket_bot, QUESTION)
    card = socket_bot.posted(TRIAGE_1, "T-1")
    socket_bot.cards("T-1")
    socket_bot.close()

    again = SlackBot(socket_bot.fake, "socket", database, sample_kb, clock).start()
    try:
        again.say(DAN, "any news?", GENERAL, thread_ts=thread)  # not in memory: asks Slack
        again.posted(TRIAGE_1, "*dan*: any news?", thread_ts=card["ts"])
        again.say(ALICE, "looking now", TRIAGE_1, thread_ts=card["ts"])
        again.posted(GENERAL, "looking now", thread_ts=thread)
    finally:
        again.close()

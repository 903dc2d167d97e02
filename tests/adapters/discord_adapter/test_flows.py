"""Customers and staff on Discord, end to end: the real adapter and engine, FakeDiscord on
127.0.0.1, every step observed as the REST calls the bot made."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.adapters.discord_adapter.conftest import (
    RunningAdapter,
    command_answer,
    custom_ids,
    followup,
    posted,
    text_of,
)
from tests.fakes.discord_server import FakeDiscord
from tests.security.platforms import discord_leaks, discord_pings, discord_shown

StartBot = Callable[..., RunningAdapter]
ANSWERED = "how do I reset my account password"
UNANSWERED = "the coffee machine on floor three is leaking water"


def test_a_question_in_the_support_channel_is_answered_and_marked_solved(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    question = fake.send_message("support", "alice", ANSWERED)

    answer = posted(fake, "support", "Reset your account password")
    alice = fake.member("alice")
    assert answer.json["message_reference"]["message_id"] == int(question["id"])
    assert answer.json["allowed_mentions"] == {"parse": [], "replied_user": False}
    solved = next(c for c in custom_ids(answer.json) if c.startswith("tier0:solved:"))
    assert text_of(answer.json).startswith(f"<@{alice.id}>")

    fake.send_component(solved, user="alice", message=answer.response)
    thanks = followup(fake, "Glad that helped")
    assert thanks.json["flags"] == 64  # only alice sees it in the shared channel


def test_the_card_lists_what_the_bot_tried_and_hostile_words_neither_ping_nor_format(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    hostile = f"{ANSWERED} @everyone <@&{fake.role('Service desk').id}> **now** [x](http://e.test)"
    fake.send_message("support", "alice", hostile + " `x`" * 25_000)
    offer = posted(fake, "support", "Which one fits best?")
    fake.send_component("tier0:pick:account-password-reset", user="alice", message=offer.response)
    answer = followup(fake, "Did this solve your problem?")
    still = next(c for c in custom_ids(answer.json) if c.startswith("tier0:still_need_help:"))

    fake.send_component(still, user="alice", message=answer.response)

    embed = posted(fake, "triage-1", "T-1").json["embeds"][0]
    picked, *passed_over = next(
        f["value"] for f in embed["fields"] if f["name"] == "Bot tried"
    ).split("\n")
    assert re.fullmatch(
        r"• Reset your account password \(account-password-reset\) · \d+% sure"
        r" · picked from a list: did not help",
        picked,
    )
    assert passed_over and all(
        t.endswith("offered in a list: another was picked") for t in passed_over
    )
    for text in (embed["title"], embed["description"]):
        assert discord_leaks(text) == [] and discord_pings(text) == [], text
    assert discord_shown(embed["description"]).startswith(hostile)
    assert len(embed["description"]) < 1000  # a subject is one line of the question


def open_ticket(
    fake: FakeDiscord, who: str = "alice", text: str = UNANSWERED, card_says: str = ""
) -> tuple[int, dict[str, Any]]:
    """``who`` asks what the KB cannot answer; returns the private thread id and the card."""
    support = fake.channel_id("support")
    fake.send_message("support", who, text)
    created = fake.wait_for_request(
        "POST", rf"/channels/{support}/threads", lambda r: r.status == 201
    )
    thread = int(created.response["id"])
    card = posted(fake, "triage-1", card_says or text)
    return thread, card.response


def test_a_ticket_goes_from_private_thread_to_claim_escalation_resolve_and_rating(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    alice, bob, dave = (fake.member(n) for n in ("alice", "bob", "dave"))

    thread, card = open_ticket(fake)
    created = fake.wait_for_request("POST", r"/channels/\d+/threads")
    assert created.json["type"] == 12 and created.json["invitable"] is False
    intro = posted(fake, thread, "Ticket T-1")
    assert "priority normal" in intro.json["content"]
    assert "Service desk" in intro.json["content"]
    assert posted(fake, "support", f"<#{thread}>").json["content"].startswith(f"<@{alice.id}>")
    assert fake.thread_member_ids(thread) == {fake.bot.id, alice.id}
    assert custom_ids(card)[:3] == ["tier0:claim:T-1", "tier0:escalate:T-1", "tier0:resolve:T-1"]
    card_thread = int(
        fake.wait_for_request("POST", rf"/channels/\d+/messages/{card['id']}/threads").response[
            "id"
        ]
    )

    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    assert followup(fake, "You claimed T-1").json["flags"] == 64
    fake.wait_for_request("PUT", rf"/channels/{thread}/thread-members/{bob.id}")
    assert fake.thread_member_ids(thread) == {fake.bot.id, alice.id, bob.id}
    posted(fake, thread, "Bob from the Service desk team is looking at your ticket T-1")
    edited = fake.wait_for_request("PATCH", rf"/channels/\d+/messages/{card['id']}")
    assert "Assignee: <@" in text_of(edited.json) and "tier0:unclaim:T-1" in custom_ids(edited.json)

    fake.send_message(card_thread, "bob", "Please turn the water valve off")
    posted(fake, thread, "**Bob** (support team): Please turn the water valve off")
    fake.send_message(thread, "alice", "Done, it *still* drips")
    relayed = posted(fake, card_thread, "it \\*still\\* drips")
    assert relayed.json["content"].startswith("**Alice** (requester, T-1)")
    fake.send_message(card_thread, "bob", "!note customer seems annoyed")

    fake.send_component("tier0:escalate:T-1", user="bob", message=int(card["id"]))
    modal = fake.wait_for_request(
        "POST", r"/interactions/\d+/[^/]+/callback", lambda r: r.json["type"] == 9
    )
    assert modal.json["data"]["custom_id"] == "tier0:escalate:T-1"
    fake.send_modal_submit(
        "tier0:escalate:T-1", {"text": "needs a plumber"}, user="bob", channel="triage-1"
    )
    posted(fake, thread, "passed to the Specialists team")
    card2 = posted(fake, "triage-2", UNANSWERED).response
    first_card = fake.message(int(card["id"]))
    assert first_card["components"] == []  # only the current tier's card has buttons
    assert "escalated to Specialists: needs a plumber" in text_of(first_card)

    fake.send_component("tier0:resolve:T-1", user="dave", message=int(card2["id"]))
    rating = posted(fake, thread, "How would you rate")
    assert "tier0:rate:T-1:5" in custom_ids(rating.json)
    fake.send_component("tier0:rate:T-1:5", user="alice", message=rating.response)
    ask_comment = followup(fake, "Thanks for rating T-1 5/5")
    assert custom_ids(ask_comment.json) == ["tier0:comment:T-1", "tier0:skip_comment:T-1"]
    fake.send_component("tier0:comment:T-1", user="alice", message=rating.response)
    fake.wait_for_request(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        lambda r: r.json["type"] == 9 and r.json["data"]["custom_id"] == "tier0:comment:T-1",
    )
    fake.send_modal_submit("tier0:comment:T-1", {"text": "quick!"}, user="alice", channel=thread)
    followup(fake, "your comment was added to T-1")
    closed = fake.wait_for_request("PATCH", rf"/channels/{thread}")
    assert closed.json == {"archived": True, "locked": True}

    in_thread = [text_of(r.json) for r in fake.requests if r.path == f"/channels/{thread}/messages"]
    assert not any("annoyed" in text for text in in_thread)
    assert dave.id not in fake.thread_member_ids(thread)  # nobody claimed it at tier 2


def test_a_claim_by_someone_without_a_staff_role_is_refused_privately_and_changes_nothing(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    thread, card = open_ticket(fake)

    fake.send_component("tier0:claim:T-1", user="mallory", message=int(card["id"]))

    refusal = followup(fake, "Only support agents can do that.")
    assert refusal.json["flags"] == 64
    assert not [r for r in fake.requests if r.method == "PATCH" and card["id"] in r.path]
    assert fake.thread_member_ids(thread) == {fake.bot.id, fake.member("alice").id}


def test_of_two_agents_claiming_at_once_exactly_one_wins(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    thread, card = open_ticket(fake)

    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    fake.send_component("tier0:claim:T-1", user="erin", message=int(card["id"]))

    won = followup(fake, "You claimed T-1")
    lost = followup(fake, "T-1 is already claimed by")
    assert won is not lost
    agents = fake.thread_member_ids(thread) - {fake.bot.id, fake.member("alice").id}
    assert len(agents) == 1


def test_mentions_in_user_text_never_ping_anyone(fake: FakeDiscord, start_bot: StartBot) -> None:
    start_bot()
    role = fake.role("Service desk").id
    bob = fake.member("bob").id
    text = f"@everyone @here <@&{role}> <@{bob}> the **printer** room is flooded"
    thread, card = open_ticket(fake, text=text, card_says="room is flooded")
    fake.send_message(thread, "alice", "@everyone still flooded")
    relayed = fake.wait_for_request(
        "POST", r"/channels/\d+/messages", lambda r: "still flooded" in text_of(r.json)
    )

    sent = [
        r
        for r in fake.requests
        if r.method != "GET" and r.matches(r.method, r"/channels/\d+/messages(/\d+)?")
    ]
    assert sent and all(r.json["allowed_mentions"]["parse"] == [] for r in sent)
    assert all(r.json["allowed_mentions"].get("replied_user", False) is False for r in sent)
    assert all(not r.response["mention_everyone"] for r in sent if r.response)
    assert all(r.response["mention_roles"] == [] for r in sent if r.response)
    assert "@\u200beveryone still flooded" in relayed.json["content"]
    title = card["embeds"][0]["title"]
    assert "@\u200beveryone @\u200bhere" in title and "\\*\\*printer\\*\\*" in title


def test_a_card_button_still_works_after_the_bot_restarts(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    thread, card = open_ticket(fake)

    start_bot()  # stops the first bot, starts a new one on the same database
    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))

    followup(fake, "You claimed T-1")
    fake.wait_for_request("PUT", rf"/channels/{thread}/thread-members/{fake.member('bob').id}")


def test_the_open_ticket_limit_per_person_holds(fake: FakeDiscord, start_bot: StartBot) -> None:
    start_bot(max_open_per_requester=1)
    open_ticket(fake)

    fake.send_message("support", "alice", "and the fridge on floor two is making loud noises")
    asked = posted(fake, "support", "Is it about your ticket T-1")
    new_ticket = next(c for c in custom_ids(asked.json) if c.startswith("tier0:new_ticket:"))
    fake.send_component(new_ticket, user="alice", message=asked.response)

    assert followup(fake, "You already have 1 open ticket (T-1)").json["flags"] == 64
    threads = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/threads")]
    assert len([r for r in threads if r.json.get("type") == 12]) == 1


def test_a_message_discord_refuses_is_kept_and_sent_after_recovery(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    support = fake.channel_id("support")
    fake.fail_next("POST", rf"/channels/{support}/messages", status=503)

    fake.send_message("support", "alice", ANSWERED)

    answer = posted(fake, "support", "Reset your account password")
    attempts = [
        r.status for r in fake.requests if r.matches("POST", f"/channels/{support}/messages")
    ]
    assert attempts[0] == 503 and answer.status == 200


def test_support_command_answers_privately_in_the_support_channel(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()

    fake.send_command("support", user="carol", channel="support", options={"question": ANSWERED})

    answer = fake.wait_for_request("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    assert "Reset your account password" in text_of(answer.json)
    deferred = fake.wait_for_request("POST", r"/interactions/\d+/[^/]+/callback")
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] == 64

    fake.send_command("support", user="carol", channel="support")
    form = fake.wait_for_request(
        "POST", r"/interactions/\d+/[^/]+/callback", lambda r: r.json["type"] == 9
    )
    assert form.json["data"]["custom_id"] == "tier0:ask:"


def test_a_question_asked_while_an_earlier_press_is_still_being_answered_is_not_lost(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    fake.world.ack_seconds = 1.0
    fake.send_message("support", "alice", ANSWERED)
    answer = posted(fake, "support", "Reset your account password")
    solved = next(c for c in custom_ids(answer.json) if c.startswith("tier0:solved:"))
    slow = fake.slow_next("POST", r"/webhooks/\d+/[^/]+$", seconds=1.5)
    fake.send_component(solved, user="alice", message=answer.response)
    assert slow.started.wait(10)

    fake.send_command("support", user="alice", channel="support", options={"question": ANSWERED})

    assert "Reset your account password" in text_of(command_answer(fake, "Reset").json)
    callbacks = [r for r in fake.requests if r.path.endswith("/callback")]
    assert len(callbacks) == 2 and all(r.status < 400 for r in callbacks)


def test_a_direct_message_is_answered_in_the_dm(fake: FakeDiscord, start_bot: StartBot) -> None:
    start_bot()
    dm = fake.dm_channel_id("carol")

    fake.send_message(dm, "carol", ANSWERED)

    answer = posted(fake, dm, "Reset your account password")
    assert "message_reference" not in answer.json

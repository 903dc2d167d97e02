"""Catch-up: what people wrote on Discord while no tier0 process was connected is read
back from the channels' history when a session starts, and handled once, in order.

The real adapter, engine and database (SQLite and PostgreSQL) against FakeDiscord, which
keeps every message in its channel's history whether or not a session received it."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.events import Event, MessageReceived, Person, Place
from kb import KnowledgeBase
from storage.db import Database
from tests.adapters.discord_adapter.conftest import (
    RunningAdapter,
    discord_settings,
    posted,
    text_of,
)
from tests.adapters.discord_adapter.test_flows import open_ticket
from tests.fakes.discord_server import FakeDiscord

StartBot = Callable[..., RunningAdapter]
ANSWERED = "how do I reset my account password"
ANSWER = "Reset your account password"
OVERLAP = (5 * 60 * 1000) << 22
"""Five minutes of snowflake: how far before the newest stored message a channel is read."""


def replies(fake: FakeDiscord, channel: int | str) -> Counter[int]:
    """How many times the bot answered each message (by id) in ``channel``."""
    channel_id = channel if isinstance(channel, int) else fake.channel_id(channel)
    return Counter(
        int(r.json["message_reference"]["message_id"])
        for r in fake.requests
        if r.matches("POST", rf"/channels/{channel_id}/messages")
        and r.status == 200
        and (r.json or {}).get("message_reference")
    )


def history_reads(fake: FakeDiscord, channel: int | str) -> list[dict[str, str]]:
    """The queries of the bot's GET /channels/{id}/messages calls, in order."""
    channel_id = channel if isinstance(channel, int) else fake.channel_id(channel)
    return [r.query for r in fake.requests if r.matches("GET", rf"/channels/{channel_id}/messages")]


def test_a_question_written_while_tier0_was_stopped_is_answered_once_after_it_starts(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot().stop()  # tier0 ran here before; now it is down
    question = fake.send_message("support", "alice", ANSWERED)

    bot = start_bot()
    answer = posted(fake, "support", ANSWER)
    assert answer.json["message_reference"]["message_id"] == int(question["id"])
    bot.stop()  # waits for what is in flight and sends what is queued

    assert replies(fake, "support") == {int(question["id"]): 1}


def test_a_question_written_during_an_outage_resume_cannot_cover_is_answered_after_identify(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    bot = start_bot()
    with fake.gateway_held():
        fake.disconnect()
        fake.invalidate_session()  # Discord forgot the session: RESUME is refused
        question = fake.send_message("support", "alice", ANSWERED)  # no session gets it
    answer = posted(fake, "support", ANSWER, timeout=15)
    bot.stop()

    assert answer.json["message_reference"]["message_id"] == int(question["id"])
    assert replies(fake, "support") == {int(question["id"]): 1}


def test_a_message_handled_before_the_stop_is_not_read_or_answered_again(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    bot = start_bot()
    before = fake.send_message("support", "alice", ANSWERED)
    posted(fake, "support", ANSWER)
    bot.stop()
    during = fake.send_message("support", "carol", ANSWERED)

    bot = start_bot()
    posted(fake, "support", f"<@{fake.member('carol').id}>")
    bot.stop()

    assert replies(fake, "support") == {int(before["id"]): 1, int(during["id"]): 1}
    # Read from a little before the newest stored message; what tier0 stored is skipped.
    assert int(history_reads(fake, "support")[-1]["after"]) == int(before["id"]) - OVERLAP


def test_a_message_stored_after_an_older_one_that_was_lost_does_not_hide_it(
    fake: FakeDiscord, start_bot: StartBot, database: Database, sample_kb: KnowledgeBase
) -> None:
    start_bot().stop()
    lost = fake.send_message("support", "alice", ANSWERED)  # received, killed before storing
    stored = fake.send_message("support", "carol", ANSWERED)  # another turn, stored first
    killed = Engine(discord_settings(fake), sample_kb, database.unit_of_work)
    carol = Person("discord", str(fake.member("carol").id), "Carol")
    where = Place("discord", str(fake.channel_id("support")), f"user:{carol.id}")
    killed.handle(MessageReceived(carol, where, ANSWERED, message_id=stored["id"]))

    bot = start_bot()
    posted(fake, "support", f"<@{fake.member('alice').id}>")
    bot.stop()

    assert replies(fake, "support") == {int(lost["id"]): 1}
    # The killed process's answer to carol is sent from the outbox, once (without the
    # reply reference, which only the process that received the question knows).
    to_carol = [
        r
        for r in fake.requests
        if r.matches("POST", rf"/channels/{where.channel}/messages")
        and text_of(r.json).startswith(f"<@{carol.id}>")
    ]
    assert len(to_carol) == 1


def test_a_message_seen_live_and_in_the_history_at_once_is_answered_once(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    support = fake.channel_id("support")
    reading = fake.slow_next("GET", rf"/channels/{support}/messages", seconds=2.0)
    bot = start_bot()
    handled: list[str] = []

    def record(event: Event, _seconds: float, _deliveries: list[Delivery]) -> None:
        handled.append(event.event_id)

    bot.adapter.engine.observers.append(record)
    assert reading.started.wait(10)
    # Sent while catch-up's read is in flight: the live session gets it, and so does the
    # history page the read returns.
    question = fake.send_message("support", "alice", ANSWERED)
    posted(fake, "support", ANSWER)
    bot.stop()

    assert int(question["id"]) in {int(m["id"]) for m in history_page(fake, support)}
    assert handled.count(f"msg:{question['id']}") == 2  # live and caught up, both handled
    assert replies(fake, "support") == {int(question["id"]): 1}  # ... and answered once


def history_page(fake: FakeDiscord, channel_id: int) -> list[dict[str, str]]:
    read = next(r for r in fake.requests if r.matches("GET", rf"/channels/{channel_id}/messages"))
    assert isinstance(read.response, list)
    return read.response


def test_messages_in_ticket_and_card_threads_during_downtime_reach_the_other_side(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    bot = start_bot()
    thread, card = open_ticket(fake)
    card_thread = int(
        fake.wait_for_request("POST", rf"/channels/\d+/messages/{card['id']}/threads").response[
            "id"
        ]
    )
    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    posted(fake, thread, "is looking at your ticket T-1")
    bot.stop()
    fake.send_message(thread, "alice", "It still drips, and now the floor is wet")
    fake.send_message(card_thread, "bob", "Please turn the water valve off")

    start_bot()

    relayed = posted(fake, card_thread, "now the floor is wet")
    assert relayed.json["content"].startswith("**Alice** (requester, T-1)")
    # bob is staff by his role, which a message read from history does not carry: the
    # adapter looked his membership up before handing the message on.
    posted(fake, thread, "**Bob** (support team): Please turn the water valve off")


def test_the_window_and_the_per_channel_cap_are_respected(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    window = {"catch_up_hours": 1, "catch_up_messages": 2}
    start_bot(window).stop()
    too_old = fake.send_message(
        "support", "mallory", ANSWERED, written_at=datetime.now(UTC) - timedelta(hours=2)
    )
    first = fake.send_message("support", "alice", ANSWERED)
    second = fake.send_message("support", "carol", ANSWERED)
    third = fake.send_message("support", "mallory", ANSWERED)

    bot = start_bot(window)
    posted(fake, "support", f"<@{fake.member('carol').id}>")
    bot.stop()
    assert replies(fake, "support") == {int(first["id"]): 1, int(second["id"]): 1}
    assert int(history_reads(fake, "support")[-1]["after"]) > int(too_old["id"])

    bot = start_bot(window)  # the next new session goes on after the newest stored
    posted(fake, "support", f"<@{fake.member('mallory').id}>")
    bot.stop()
    assert replies(fake, "support") == {int(m["id"]): 1 for m in (first, second, third)}


def test_nothing_is_read_from_channels_the_bot_does_not_serve(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot().stop()
    fake.send_message("general", "alice", ANSWERED)
    fake.send_message("triage-1", "bob", ANSWERED)
    asked = fake.send_message("support", "carol", ANSWERED)

    bot = start_bot()
    posted(fake, "support", ANSWER)
    bot.stop()

    assert history_reads(fake, "general") == [] and history_reads(fake, "triage-1") == []
    assert replies(fake, "general") == {} and replies(fake, "triage-1") == {}
    assert replies(fake, "support") == {int(asked["id"]): 1}


def test_a_direct_message_written_while_tier0_was_stopped_is_answered(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    dm = fake.dm_channel_id("carol")
    bot = start_bot()
    first = fake.send_message(dm, "carol", ANSWERED)
    answer = posted(fake, dm, ANSWER)
    bot.stop()
    fake.send_message(dm, "carol", ANSWERED)  # while tier0 is down

    bot = start_bot()
    fake.wait_for_request(
        "POST", rf"/channels/{dm}/messages", lambda r: r is not answer and ANSWER in text_of(r.json)
    )
    bot.stop()

    assert int(history_reads(fake, dm)[-1]["after"]) == int(first["id"]) - OVERLAP


def test_missed_messages_are_handled_in_order_before_a_newer_live_one_of_the_conversation(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    dm = fake.dm_channel_id("carol")
    bot = start_bot()
    fake.send_message(dm, "carol", ANSWERED)
    posted(fake, dm, ANSWER)
    bot.stop()
    missed = [fake.send_message(dm, "carol", f"{ANSWERED} ({n})") for n in (1, 2)]
    reading = fake.slow_next("GET", rf"/channels/{dm}/messages", seconds=2.0)

    bot = start_bot()
    handled: list[str] = []
    bot.adapter.engine.observers.append(lambda event, *_: handled.append(event.event_id))
    assert reading.started.wait(10)
    live = fake.send_message(dm, "carol", f"{ANSWERED} (3)")  # while the read is in flight
    deadline = time.monotonic() + 10
    while len(handled) < 4 and time.monotonic() < deadline:  # 1, 2, 3 and 3 again (live)
        time.sleep(0.05)
    bot.stop()

    order = list(dict.fromkeys(handled))  # each message's first handling
    assert order == [f"msg:{m['id']}" for m in (*missed, live)]


def test_catch_up_off_reads_nothing(fake: FakeDiscord, start_bot: StartBot) -> None:
    start_bot({"catch_up_hours": 0}).stop()
    fake.send_message("support", "alice", ANSWERED)

    bot = start_bot({"catch_up_hours": 0})
    question = fake.send_message("support", "carol", ANSWERED)
    posted(fake, "support", f"<@{fake.member('carol').id}>")
    bot.stop()

    assert history_reads(fake, "support") == []
    assert replies(fake, "support") == {int(question["id"]): 1}

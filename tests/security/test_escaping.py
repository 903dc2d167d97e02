"""Links, mentions and invisible characters in what people write, end to end: through the
real adapters to FakeDiscord and FakeSlack, each case as a person would type it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from tests.adapters.discord_adapter.conftest import RunningAdapter, posted, text_of
from tests.adapters.slack.harness import ALICE, DAN, GENERAL, TRIAGE_1, SlackBot
from tests.fakes.discord_server import FakeDiscord
from tests.security.platforms import INVISIBLE, discord_leaks, discord_shown
from tests.support.slack_messages import all_text

StartBot = Callable[..., RunningAdapter]
LEAKING = "the coffee machine on floor three is leaking water"
LINKS = "see [one](http://a.test) or [two](http://b.test) or <http://c.test>"
DISGUISED = "invoice\u202etxt.exe"  # shows as "invoiceexe.txt"


def test_on_discord_every_link_in_a_question_stays_text_on_the_card(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    fake.send_message("support", "alice", f"{LEAKING} {LINKS}")

    embed = posted(fake, "triage-1", "coffee machine").json["embeds"][0]

    for text in (embed["title"], embed["description"]):
        assert discord_leaks(text) == [], text
    assert LINKS in discord_shown(embed["description"])


def test_on_discord_bidi_overrides_and_nul_never_reach_a_card_or_a_relay(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    fake.send_message("support", "alice", f"{LEAKING} {DISGUISED}")
    support = fake.channel_id("support")
    created = fake.wait_for_request("POST", rf"/channels/{support}/threads")
    thread = int(created.response["id"])
    card = posted(fake, "triage-1", "coffee machine").response
    card_thread = int(
        fake.wait_for_request("POST", rf"/channels/\d+/messages/{card['id']}/threads").response[
            "id"
        ]
    )
    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    posted(fake, thread, "is looking at your ticket T-1")

    fake.send_message(thread, "alice", f"it is called {DISGUISED}")
    fake.send_message(card_thread, "bob", "Please turn\x00 the valve off")

    relayed = posted(fake, card_thread, "it is called")
    answered = posted(fake, thread, "Please turn")
    for text in (text_of(card), text_of(relayed.json), text_of(answered.json)):
        assert not INVISIBLE.search(text), repr(text)
    assert "invoicetxt.exe" in text_of(card) and "invoicetxt.exe" in text_of(relayed.json)
    assert "Please turn the valve off" in text_of(answered.json)


def test_on_slack_bidi_overrides_and_nul_never_reach_a_card_or_a_relay(
    socket_bot: SlackBot,
) -> None:
    bot = socket_bot
    bot_user = bot.fake.workspace.bot_user_id
    thread = str(bot.say(DAN, f"<@{bot_user}> {LEAKING} {DISGUISED}", GENERAL, mention=True)["ts"])
    card = bot.posted(TRIAGE_1, "T-1")
    bot.press(ALICE, card, "Claim")
    bot.posted(GENERAL, "is looking at your ticket T-1", thread_ts=thread)

    bot.say(DAN, f"it is called {DISGUISED}", GENERAL, thread_ts=thread)
    bot.say(ALICE, "Please turn\x00 the valve off", TRIAGE_1, thread_ts=card["ts"])

    relayed = bot.posted(TRIAGE_1, "it is called", thread_ts=card["ts"])
    answered = bot.posted(GENERAL, "Please turn", thread_ts=thread)
    for text in (t for message in (card, relayed, answered) for t in strings(message)):
        assert not INVISIBLE.search(text), repr(text)
    assert "invoicetxt.exe" in all_text(card) and "invoicetxt.exe" in all_text(relayed)
    assert "Please turn the valve off" in all_text(answered)


def strings(value: Any) -> Iterator[str]:
    """Every string in a message as posted (``repr`` would hide the characters looked for)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)

"""Over the real Discord protocol: a DM has no threads, so the words decide whether what a
customer writes while their ticket is open is about it or a new question."""

from __future__ import annotations

from collections.abc import Callable

from tests.adapters.discord_adapter.conftest import RunningAdapter, custom_ids, followup, posted
from tests.fakes.discord_server import FakeDiscord

StartBot = Callable[..., RunningAdapter]
ANSWERED = "how do I reset my account password"
UNANSWERED = "the coffee machine on floor three is leaking water"


def open_dm_ticket(fake: FakeDiscord) -> tuple[int, dict[str, object], int]:
    """carol asks in her DM what the KB cannot answer: her DM, the announcement, the card
    thread."""
    dm = fake.dm_channel_id("carol")
    fake.send_message(dm, "carol", UNANSWERED)
    announced = posted(fake, dm, "opened ticket T-1").response
    card = posted(fake, "triage-1", UNANSWERED).response
    card_thread = fake.wait_for_request(
        "POST", rf"/channels/\d+/messages/{card['id']}/threads"
    ).response["id"]
    return dm, announced, int(card_thread)


def test_a_new_question_in_the_dm_is_answered_with_a_one_tap_add_to_the_ticket(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, _, card_thread = open_dm_ticket(fake)

    fake.send_message(dm, "carol", ANSWERED)
    answer = posted(fake, dm, "Reset your account password")
    assert "tier0:add_to_ticket:T-1" in custom_ids(answer.json)
    assert not [r for r in fake.requests if r.path == f"/channels/{card_thread}/messages"]

    fake.send_component("tier0:add_to_ticket:T-1", user="carol", message=answer.response)
    relayed = posted(fake, card_thread, ANSWERED)
    assert relayed.json["content"].startswith("**Carol** (requester, T-1)")


def test_a_reply_to_the_bots_message_joins_the_ticket(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, announced, card_thread = open_dm_ticket(fake)

    fake.send_message(dm, "carol", ANSWERED, reply_to=int(str(announced["id"])))

    relayed = posted(fake, card_thread, ANSWERED)
    assert "Carol" in relayed.json["content"]


def test_someone_else_cannot_press_the_add_button_of_a_customers_answer(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, _, card_thread = open_dm_ticket(fake)
    fake.send_message(dm, "carol", ANSWERED)
    answer = posted(fake, dm, "Reset your account password")

    fake.send_component("tier0:add_to_ticket:T-1", user="dave", message=answer.response)

    assert followup(fake, "no longer open").json["flags"] == 64  # only dave sees it
    assert not [r for r in fake.requests if r.path == f"/channels/{card_thread}/messages"]

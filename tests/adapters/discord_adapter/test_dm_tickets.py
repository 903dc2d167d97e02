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


def kb_answer_in_dm(fake: FakeDiscord, dm: int) -> tuple[dict[str, object], str]:
    """carol asks what the KB answers: the answer, and the custom id of its add button."""
    fake.send_message(dm, "carol", ANSWERED)
    answer = posted(fake, dm, "Reset your account password")
    add = next(c for c in custom_ids(answer.json) if c.startswith("tier0:add_to_ticket:T-1:"))
    return answer.response, add


def test_a_new_question_in_the_dm_is_answered_with_a_one_tap_add_to_the_ticket(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, _, card_thread = open_dm_ticket(fake)

    answer, add = kb_answer_in_dm(fake, dm)
    assert not [r for r in fake.requests if r.path == f"/channels/{card_thread}/messages"]

    fake.send_component(add, user="carol", message=answer)
    relayed = posted(fake, card_thread, ANSWERED)
    assert relayed.json["content"].startswith("**Carol** (requester, T-1)")


def test_an_answer_to_the_agents_question_joins_the_ticket_and_says_so(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, _, card_thread = open_dm_ticket(fake)
    card = posted(fake, "triage-1", UNANSWERED).response
    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    fake.send_message(card_thread, "bob", "Which floor is it on?")
    posted(fake, dm, "Which floor is it on?")

    fake.send_message(dm, "carol", ANSWERED)  # words the KB knows, but an answer to Bob

    assert "Carol" in posted(fake, card_thread, ANSWERED).json["content"]
    assert not [
        r for r in fake.requests if r.path == f"/channels/{dm}/messages" and "Reset" in str(r.json)
    ]


def test_a_discord_reply_to_a_kb_answer_is_a_question_not_a_ticket_message(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, _, card_thread = open_dm_ticket(fake)
    answer, _ = kb_answer_in_dm(fake, dm)

    fake.send_message(
        dm, "carol", "the parking barrier will not lift", reply_to=int(str(answer["id"]))
    )

    posted(fake, dm, "Is it about your ticket T-1")
    assert not [r for r in fake.requests if r.path == f"/channels/{card_thread}/messages"]


def test_someone_else_cannot_press_the_add_button_of_a_customers_answer(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    dm, _, card_thread = open_dm_ticket(fake)
    answer, add = kb_answer_in_dm(fake, dm)

    fake.send_component(add, user="dave", message=answer)

    assert followup(fake, "no longer open").json["flags"] == 64  # only dave sees it
    assert not [r for r in fake.requests if r.path == f"/channels/{card_thread}/messages"]

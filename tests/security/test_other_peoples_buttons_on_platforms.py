"""Over the real protocols: someone pressing or answering another person's question in a
shared place is told privately that it is not theirs, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n.messages import say
from tests.adapters.discord_adapter.conftest import RunningAdapter, followup, posted, text_of
from tests.adapters.discord_adapter.test_flows import open_ticket
from tests.adapters.slack.harness import CAROL, DAN, GENERAL, TRIAGE_1, SlackBot
from tests.fakes.discord_server import FakeDiscord

StartBot = Callable[..., RunningAdapter]
NOT_YOURS = say("conversation.not_yours")


def test_on_slack_a_colleague_cannot_press_still_need_help_on_someones_answer(
    socket_bot: SlackBot,
) -> None:
    bot_user = socket_bot.fake.workspace.bot_user_id
    question = f"<@{bot_user}> my vpn won't connect"
    thread = str(socket_bot.say(DAN, question, GENERAL, mention=True)["ts"])
    answer = socket_bot.posted(GENERAL, "Did this solve your problem?", thread_ts=thread)

    socket_bot.press(CAROL, answer, "Still need help")

    socket_bot.ephemeral(CAROL, say("conversation.not_yours", "pt-BR"))  # her Slack's language
    assert socket_bot.engine.ticket("T-1") is None
    socket_bot.press(DAN, answer, "Still need help")
    socket_bot.posted(TRIAGE_1, "T-1")
    ticket = socket_bot.engine.ticket("T-1")
    assert ticket is not None and ticket.requester.id == DAN


def test_on_discord_nobody_else_writes_into_a_ticket_thread_or_its_rating_comment(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    """Carol, let into Alice's private ticket thread, writes in it and sends the comment
    form of Alice's rating: she is told it is not hers, and Alice's ticket stays as it was
    (nothing relayed to the agents, no comment, the thread not closed)."""
    start_bot()
    thread, card = open_ticket(fake)

    fake.send_message(thread, "carol", "my card number is 4111")
    refusals_to_carol(fake, 1)
    fake.send_component("tier0:resolve:T-1", user="bob", message=int(card["id"]))
    rating = posted(fake, thread, "How would you rate")
    fake.send_component("tier0:rate:T-1:4", user="alice", message=rating.response)
    followup(fake, "Thanks for rating T-1 4/5")
    fake.send_component("tier0:comment:T-1", user="alice", message=rating.response)
    fake.send_modal_submit("tier0:comment:T-1", {"text": "awful"}, user="carol", channel=thread)
    refusals_to_carol(fake, 2)

    assert not [r for r in fake.requests if "4111" in text_of(r.json)]
    assert not [r for r in fake.requests if r.method == "PATCH" and r.path == f"/channels/{thread}"]
    fake.send_modal_submit("tier0:comment:T-1", {"text": "quick"}, user="alice", channel=thread)
    followup(fake, "your comment was added to T-1")


def refusals_to_carol(fake: FakeDiscord, count: int) -> None:
    """Wait until the bot has sent Carol ``count`` refusals (by DM or as answers)."""

    def sent() -> int:
        return sum(r.method == "POST" and NOT_YOURS in text_of(r.json) for r in fake.requests)

    fake.wait_for_request("POST", r"/.+", lambda r: sent() >= count)

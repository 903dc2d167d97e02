"""On Slack, through the fake workspace: refused actions change nothing, and a signed
request sent again (a replay) has no further effect."""

from __future__ import annotations

import json
import time

from bot.i18n.messages import say
from tests.adapters.slack.harness import ALICE, DAN, GENERAL, TRIAGE_1, TRIAGE_2, SlackBot

QUESTION = "how do I book a meeting room in Lisbon"


def ticket_of_dan(bot: SlackBot) -> dict[str, object]:
    """Dan asks in a channel; T-1's card at the Service desk."""
    bot_user = bot.fake.workspace.bot_user_id
    bot.say(DAN, f"<@{bot_user}> {QUESTION}", GENERAL, mention=True)
    card = bot.posted(TRIAGE_1, "T-1")
    bot.cards("T-1")
    return card


def test_an_agent_of_a_lower_tier_cannot_claim_an_escalated_ticket(socket_bot: SlackBot) -> None:
    card = ticket_of_dan(socket_bot)
    socket_bot.press(ALICE, card, "Escalate")
    specialists_card = socket_bot.posted(TRIAGE_2, "T-1")
    socket_bot.cards("T-1", count=2)

    socket_bot.press(ALICE, specialists_card, "Claim")

    text = say("agent.tier_too_low", key="T-1", tier="Specialists", verb="claim")
    socket_bot.ephemeral(ALICE, text)
    ticket = socket_bot.engine.ticket("T-1")
    assert ticket is not None and ticket.status == "open" and ticket.assignee is None


def test_a_requester_cannot_resolve_their_ticket_with_the_slash_command(
    socket_bot: SlackBot,
) -> None:
    ticket_of_dan(socket_bot)

    socket_bot.command(DAN, "resolve T-1 never mind", GENERAL)

    assert socket_bot.ephemeral(DAN, say("agent.not_agent")).params["channel"] == socket_bot.dm(DAN)
    ticket = socket_bot.engine.ticket("T-1")
    assert ticket is not None and ticket.status == "open"


def test_a_signed_request_replayed_is_accepted_once_and_acted_on_once(http_bot: SlackBot) -> None:
    dm = http_bot.dm(DAN)
    event = http_bot.fake.payloads.message_event("my vpn won't connect", user=DAN, channel=dm)
    body = json.dumps(http_bot.fake.payloads.event_callback(event)).encode()
    now = int(time.time())

    first = http_bot.sender().post(body, "application/json", timestamp=now)
    replayed = http_bot.sender().post(body, "application/json", timestamp=now)
    late = http_bot.sender().post(body, "application/json", timestamp=now - 6 * 60)

    assert (first.status, replayed.status, late.status) == (200, 200, 401)
    http_bot.posted(dm, "Did this solve your problem?")
    http_bot.say(DAN, "thanks", dm)  # handled after the replay: this conversation is in order
    http_bot.posted(dm, "welcome")
    answers = [
        c
        for c in http_bot.fake.calls("chat.postMessage")
        if "Did this solve" in json.dumps(c.params)
    ]
    assert len(answers) == 1

"""No command tells someone that a ticket they may not see exists.

"you" asked T-1, which alice (Service desk) escalated to the Specialists (bob); dan asked
T-2, still at the Service desk. carol is another requester. A requester sees only their own
tickets, an agent those of their tier and below: to anyone else, every command naming T-1
answers exactly as it answers for T-9, which does not exist.
"""

from __future__ import annotations

import pytest

from bot.events import CommandIssued
from bot.i18n.messages import say
from tests.support.chat import BotTurn, Chat

KEY_COMMANDS = [
    "status {key}",
    "reopen {key}",
    "claim {key}",
    "unclaim {key}",
    "assign {key} bob",
    "reply {key} 'is it plugged in?'",
    "note {key} 'asked about the cable'",
    "escalate {key} 'needs a lead'",
    "resolve {key} 'replaced the cable'",
    "priority {key} high",
    "link {key} T-2",
    "link T-2 {key}",
]
SUBJECT = "the projector in room 4 is dead"


def t1_at_the_specialists(chat: Chat) -> None:
    chat.command(f"new '{SUBJECT}'")
    chat.command("escalate T-1 'a hardware fault'", who="alice")
    chat.command("new 'the printer on floor 2 jammed'", who="dan")


def shown(bot: BotTurn, key: str) -> tuple[list[str], list[str]]:
    """The kinds of every action, and every text, with the ticket's key written as ``KEY``."""
    return [type(a).__name__ for a in bot.actions], [t.replace(key, "KEY") for t in bot.texts()]


@pytest.mark.parametrize("line", KEY_COMMANDS)
@pytest.mark.parametrize(
    "who", ["carol", "alice"], ids=["another requester", "an agent of a lower tier"]
)
def test_a_ticket_one_may_not_see_is_answered_like_a_missing_one(
    chat: Chat, who: str, line: str
) -> None:
    t1_at_the_specialists(chat)

    existing = chat.command(line.format(key="T-1"), who=who)
    missing = chat.command(line.format(key="T-9"), who=who)

    assert existing.refusal()
    assert shown(existing, "T-1") == shown(missing, "T-9")


def test_an_agent_s_status_of_a_ticket_above_their_tier_shows_nothing_of_it(chat: Chat) -> None:
    t1_at_the_specialists(chat)

    assert chat.command("status T-1", who="alice").refusal() == "There is no ticket T-1."
    assert SUBJECT in chat.command("status T-1", who="bob").text()
    assert SUBJECT in chat.command("status T-1").text()
    assert "printer" in chat.command("status T-2", who="alice").text()


def test_in_the_ticket_s_own_conversation_an_agent_of_a_lower_tier_hears_why(chat: Chat) -> None:
    """There (the requester's thread, a card's thread) the ticket is no secret."""
    t1_at_the_specialists(chat)
    in_its_thread = CommandIssued(chat.person("alice"), chat.place("you"), "claim", ("T-1",), "c")

    refused = chat.send(in_its_thread).refusal()

    assert refused == say("agent.tier_too_low", key="T-1", tier="Specialists", verb="claim")


@pytest.mark.parametrize("line", ["status {key}", "reopen {key}"])
def test_a_key_typed_in_lower_case_is_answered_alike_too(chat: Chat, line: str) -> None:
    """The refusal names the key as keys are written (T-9), whatever was typed, so the case
    of the answer does not tell a hidden ticket from a missing one."""
    t1_at_the_specialists(chat)

    existing = chat.command(line.format(key="t-1"), who="carol")
    missing = chat.command(line.format(key="t-9"), who="carol")

    assert shown(existing, "T-1") == shown(missing, "T-9")

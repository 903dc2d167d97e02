"""Who may do what to a ticket: every agent action by every kind of person.

T-1 was asked by "you" and escalated to the Specialists (tier 2). The people:
requester (you), another requester (carol), an agent of a lower tier (alice, Service
desk), an agent of the ticket's tier (bob, Specialists) and an admin (max, Leads, the
top tier). A refused action is answered with a reason and changes nothing stored about
the ticket; an allowed one changes it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.actions import Refuse
from bot.settings import Settings, TierSettings
from storage.db import Database
from storage.models import FeedbackRow, MessageRow, TicketEventRow, TicketRow
from tests.support.chat import Chat

PEOPLE = {
    "requester": "you",
    "other requester": "carol",
    "agent of a lower tier": "alice",
    "agent of the tier": "bob",
    "admin": "max",
}
COMMANDS = {
    "claim": "claim T-1",
    "unclaim": "unclaim T-1",
    "assign": "assign T-1 bob",
    "reply": "reply T-1 'try the other cable'",
    "note": "note T-1 'checked the logs'",
    "escalate": "escalate T-1 'needs a lead'",
    "priority": "priority T-1 high",
    "resolve": "resolve T-1 'replaced the cable'",
    "reopen": "reopen T-1",
    "tickets": "tickets",
}
READ_ONLY = {"tickets"}
ALLOWED = {
    "requester": {"reopen"},
    "other requester": set(),
    "agent of a lower tier": {"tickets"},
    "agent of the tier": set(COMMANDS),
    "admin": set(COMMANDS),
}
BEFORE = {  # what the ticket went through before the action, so that it can apply
    "unclaim": ["claim T-1"],
    "reopen": ["claim T-1", "resolve T-1 'fixed'"],
}


@pytest.fixture
def settings() -> Settings:
    return Settings(
        tickets={
            "tiers": [
                TierSettings(name="Service desk", agents=["console:alice"]),
                TierSettings(name="Specialists", agents=["console:bob"]),
                TierSettings(name="Leads", agents=["console:max"]),
            ]
        }
    )


def ticket_state(database: Database) -> list[Any]:
    """Everything stored about T-1: the ticket, its history, transcript and ratings."""
    with database.session() as session:
        return [
            [tuple(row) for row in session.execute(select(*model.__table__.c).order_by(model.id))]
            for model in (TicketRow, TicketEventRow, FeedbackRow)
        ] + [
            [
                tuple(row)
                for row in session.execute(
                    select(*MessageRow.__table__.c)
                    .where(MessageRow.ticket_id.is_not(None))
                    .order_by(MessageRow.id)
                )
            ]
        ]


def t1_at_tier_2(chat: Chat, action: str) -> None:
    chat.command("new 'the projector in room 4 is dead'")
    chat.command("escalate T-1 'a hardware fault'", who="bob")
    for line in BEFORE.get(action, []):
        chat.command(line, who="bob")


@pytest.mark.parametrize("action", COMMANDS)
@pytest.mark.parametrize("role", PEOPLE)
def test_permission_matrix(chat: Chat, database: Database, role: str, action: str) -> None:
    t1_at_tier_2(chat, action)
    before = ticket_state(database)

    bot = chat.command(COMMANDS[action], who=PEOPLE[role])

    after = ticket_state(database)
    if action in ALLOWED[role]:
        assert not bot.of(Refuse), f"{role} may {action}: {bot.actions}"
        assert (after == before) == (action in READ_ONLY)
    else:
        assert bot.refusal(), f"{role} may not {action}, yet got {bot.actions}"
        assert after == before


def test_an_agent_of_a_lower_tier_does_not_even_see_the_ticket_listed(chat: Chat) -> None:
    t1_at_tier_2(chat, "tickets")

    assert "T-1" not in chat.command("tickets", who="alice").text()
    assert "T-1" in chat.command("tickets", who="bob").text()

"""Who may know that a ticket exists: its requester, and agents of its tier or above.

To anyone else a ticket is answered exactly as one that does not exist, so that no command
tells a stranger which keys are taken, nor a lower tier what its tickets are about.
"""

from __future__ import annotations

from bot.records import Ticket
from bot.turn import Turn

__all__ = ["may_see", "no_such_ticket", "refusal"]


def may_see(turn: Turn, ticket: Ticket) -> bool:
    """Whether this person may see ``ticket``: theirs, or at their tier or below."""
    is_requester = turn.user.id == ticket.requester.id
    return is_requester or (turn.agent_tier is not None and turn.agent_tier >= ticket.tier)


def refusal(turn: Turn, ticket: Ticket, reason: str) -> str:
    """``reason`` for someone who may see ``ticket``, or who is in its own conversation (its
    card's thread, its requester's thread), where it is no secret; to anyone else, what a
    missing ticket gets."""
    if may_see(turn, ticket) or turn.conversation.ticket_id == ticket.id:
        return reason
    return no_such_ticket(turn, ticket.key)


def no_such_ticket(turn: Turn, key: str) -> str:
    return turn.say("agent.no_such_ticket", key=key.upper())

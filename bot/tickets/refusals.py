"""What a person is told when a ticket change is refused, and the words those answers use.

A refusal changes nothing and says why: the ticket is in a status that does not allow it,
or it changed under them (another agent was faster).
"""

from __future__ import annotations

from bot.i18n.messages import say
from bot.records import Ticket
from bot.turn import Turn

__all__ = ["assignee_name", "refuse_inactive", "refuse_stale", "status_label"]


def refuse_stale(turn: Turn, ticket: Ticket, verb: str) -> None:
    """The ticket changed under us (another agent was faster): say what it is now."""
    current = turn.store.ticket(ticket.id)
    if current.status == "claimed" and current.assignee and current.assignee.id != turn.user.id:
        turn.refuse(
            turn.say("agent.already_claimed", key=current.key, agent=assignee_name(current))
        )
    else:
        refuse_inactive(turn, current, verb)


def refuse_inactive(turn: Turn, ticket: Ticket, verb: str) -> None:
    """The ticket's status does not allow this (say, replying to a resolved ticket).

    ``verb`` is what was refused, as a past participle ("replied to").
    """
    turn.refuse(
        turn.say(
            "agent.not_active",
            key=ticket.key,
            status=status_label(ticket, turn.locale),
            verb=turn.say(f"verb.{verb.replace(' ', '_')}"),
        )
    )


def status_label(ticket: Ticket, locale: str) -> str:
    return say(f"status.{ticket.status}", locale)


def assignee_name(ticket: Ticket) -> str:
    assignee = ticket.assignee
    return (assignee.name or assignee.platform_id) if assignee else "nobody"

"""Against spam: how many open tickets one person may have, and how soon another."""

from __future__ import annotations

from datetime import timedelta

from bot.records import ACTIVE_STATUSES, Ticket
from bot.settings import TicketSettings
from bot.turn import Turn

__all__ = ["at_limit", "cooldown_refusal", "opened_moments_ago"]


def at_limit(turn: Turn, settings: TicketSettings) -> bool:
    """Whether this person already has the most open tickets allowed; if so, they hear
    which they are. Only open tickets count: right after one was resolved, a new one is
    welcome."""
    limit = settings.max_open_per_requester
    mine = turn.store.list_tickets(ACTIVE_STATUSES, limit, requester_id=turn.user.id)
    if len(mine) < limit:
        return False
    keys = ", ".join(t.key for t in mine)
    turn.reply(turn.say("ticket.limit_reached", count=len(mine), keys=keys))
    return True


def opened_moments_ago(turn: Turn, settings: TicketSettings) -> Ticket | None:
    """This person's ticket opened within the cooldown and still open, which takes what
    they meant for another one."""
    latest = turn.store.list_tickets(ACTIVE_STATUSES, 1, requester_id=turn.user.id)
    pause = timedelta(seconds=settings.new_ticket_cooldown_seconds)
    return latest[0] if latest and turn.now - latest[0].created_at < pause else None


def cooldown_refusal(turn: Turn, ticket: Ticket, settings: TicketSettings) -> None:
    """Nothing to add to ``ticket``: when a new one may be opened, and where to write."""
    pause = timedelta(seconds=settings.new_ticket_cooldown_seconds)
    seconds = int((pause - (turn.now - ticket.created_at)).total_seconds()) + 1
    turn.reply(turn.say("ticket.cooldown", key=ticket.key, count=seconds))

"""Against spam: how many open tickets one person may have, and how soon another."""

from __future__ import annotations

from datetime import timedelta

from bot.records import ACTIVE_STATUSES
from bot.settings import TicketSettings
from bot.turn import Turn

__all__ = ["may_open"]


def may_open(turn: Turn, settings: TicketSettings, *, cooldown: bool) -> bool:
    """Whether this person may open a ticket now; if not, they hear why and where to go.

    Only open tickets count: right after one was resolved, a new one is welcome. The
    cooldown (skipped when the person chose a new ticket when asked) names the ticket that
    is still open, which can take the details instead.
    """
    limit = settings.max_open_per_requester
    mine = turn.store.list_tickets(ACTIVE_STATUSES, limit, requester_id=turn.user.id)
    if len(mine) >= limit:
        keys = ", ".join(t.key for t in mine)
        turn.reply(turn.say("ticket.limit_reached", count=len(mine), keys=keys))
        return False
    pause = timedelta(seconds=settings.new_ticket_cooldown_seconds)
    if cooldown and mine and turn.now - mine[0].created_at < pause:
        wait = pause - (turn.now - mine[0].created_at)
        seconds = int(wait.total_seconds()) + 1
        turn.reply(turn.say("ticket.cooldown", key=mine[0].key, count=seconds))
        return False
    return True

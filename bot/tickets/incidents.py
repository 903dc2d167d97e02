"""Possible incidents: when many people report the same problem within minutes, it is
usually one outage, not many problems.

When a new ticket makes ``incident_tickets`` similar tickets (``kb.gaps.similarity``) on
one platform within ``incident_minutes``, the agents of its tier are alerted once in their
triage channel, and everyone reporting it from then on is told the problem is known and
being worked on. Each ticket in a suspected incident gets an ``incident`` entry in its
history: that is how a later report knows the alert was already raised.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import RemindAgents, TicketView
from bot.i18n.messages import say
from bot.records import Ticket
from bot.settings import TicketSettings
from bot.turn import Turn
from kb.gaps import DEFAULT_THRESHOLD, similarity

__all__ = ["RECENT_TICKETS", "IncidentWatch"]

RECENT_TICKETS = 200
"""The newest tickets looked at (by id, so the cost never grows with all tickets stored)."""
INCIDENT_EVENT = "incident"


class IncidentWatch:
    def __init__(self, settings: TicketSettings, locale: str) -> None:
        self.reports = settings.incident_tickets
        self.window = timedelta(minutes=settings.incident_minutes)
        self.locale = locale

    def opened(self, turn: Turn, ticket: Ticket, view: TicketView) -> None:
        """Called for each new ticket, after its card is on its way."""
        if not self.reports:
            return
        similar = [
            t
            for t in turn.store.list_tickets(None, RECENT_TICKETS)
            if t.id != ticket.id
            and t.place.platform == ticket.place.platform
            and t.created_at >= turn.now - self.window
            and similarity(t.subject, ticket.subject) >= DEFAULT_THRESHOLD
        ]
        if len(similar) + 1 < self.reports:
            return
        history = (event for t in similar for event in turn.store.ticket_events(t.id))
        known = any(event.kind == INCIDENT_EVENT for event in history)
        keys = ", ".join(t.key for t in reversed(similar))
        turn.store.log_ticket_event(ticket, None, INCIDENT_EVENT, turn.now, detail=f"like {keys}")
        if not known:
            minutes = int(self.window.total_seconds() // 60)
            text = say(
                "incident.alert",
                self.locale,
                count=len(similar) + 1,
                minutes=minutes,
                keys=f"{keys}, {ticket.key}",
                subject=ticket.subject,
            )
            turn.emit(RemindAgents(view, text, kind="breach"))
        turn.reply(turn.say("incident.known", count=len(similar) + 1))

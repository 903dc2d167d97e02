"""Duplicate tickets: the same problem reported twice.

A new ticket is compared (``kb.gaps.similarity``) with the active tickets of its platform;
when one looks alike, the agents see it in the card's thread ("looks like T-1040 and 3
others"). An agent links a duplicate to the ticket it repeats (``/link T-1045 T-1040``);
when that parent is resolved, every linked ticket still open is resolved with it and its
requester gets the resolve summary (never the parent's conversation, which was written for
another person). Links are entries in both tickets' histories, so
nothing but the history is needed to find them again.
"""

from __future__ import annotations

from bot.actions import ChangeKind, RemindAgents, TicketView, UpdateTicketCard
from bot.i18n.messages import say
from bot.records import ACTIVE_STATUSES, Ticket
from bot.store.tickets import TicketStore
from bot.tickets.refusals import refuse_inactive
from bot.turn import Turn
from kb.gaps import DEFAULT_THRESHOLD, similarity

__all__ = ["DUPLICATE_EVENT", "LINKED_EVENT", "Duplicates"]

RECENT_TICKETS = 200
"""The newest active tickets compared (by id: the cost never grows with all tickets)."""
LINKED_EVENT = ChangeKind.LINKED.value
"""On the duplicate: ``detail`` is the key of the ticket it repeats."""
DUPLICATE_EVENT = "duplicate"
"""On the parent: ``detail`` is the key of a duplicate linked to it."""


class Duplicates:
    def __init__(self, locale: str) -> None:
        """``locale``: the help desk's language, which the agents' side speaks."""
        self.locale = locale

    def likely(self, store: TicketStore, ticket: Ticket) -> list[Ticket]:
        """Active tickets of the same platform that read like ``ticket``, most alike first;
        only those of its tier or below, which the agents reading its card may see."""
        scored = [
            (similarity(other.subject, ticket.subject), other)
            for other in store.list_tickets(ACTIVE_STATUSES, RECENT_TICKETS)
            if other.id != ticket.id
            and other.place.platform == ticket.place.platform
            and other.tier <= ticket.tier
        ]
        alike = [(score, other) for score, other in scored if score >= DEFAULT_THRESHOLD]
        return [other for _, other in sorted(alike, key=lambda pair: (-pair[0], pair[1].id))]

    def opened(self, turn: Turn, ticket: Ticket, view: TicketView) -> None:
        """Tell the agents, in the new card's thread, which tickets it looks like."""
        alike = self.likely(turn.store, ticket)
        if not alike:
            return
        text = say(
            "duplicates.hint",
            self.locale,
            key=alike[0].key,
            count=len(alike),
            keys=", ".join(t.key for t in alike[:5]),
            link=f"{turn.command_prefix}link {ticket.key} {alike[0].key}",
        )
        turn.emit(RemindAgents(view, text))

    def link(
        self, turn: Turn, ticket: Ticket, parent: Ticket, view: TicketView, requester_locale: str
    ) -> None:
        """Make ``ticket`` (shown as ``view``) a duplicate of ``parent``; links stay one level
        deep. Its requester is told in ``requester_locale``."""
        if parent.id == ticket.id:
            turn.refuse(say("duplicates.not_itself", self.locale, key=ticket.key))
        elif not parent.active:
            refuse_inactive(turn, parent, "linked to")
        elif (grandparent := self.parent_of(turn.store, parent)) is not None:
            turn.refuse(
                say("duplicates.parent_linked", self.locale, key=parent.key, parent=grandparent)
            )
        elif (current := self.parent_of(turn.store, ticket)) is not None:
            turn.refuse(say("duplicates.already", self.locale, key=ticket.key, parent=current))
        elif self.children(turn.store, ticket):
            turn.refuse(say("duplicates.has_duplicates", self.locale, key=ticket.key))
        else:
            turn.store.log_ticket_event(
                ticket, turn.user, LINKED_EVENT, turn.now, detail=parent.key
            )
            turn.store.log_ticket_event(
                parent, turn.user, DUPLICATE_EVENT, turn.now, detail=ticket.key
            )
            notice = say("duplicates.told", requester_locale, key=ticket.key, parent=parent.key)
            turn.tell_requester(ticket, notice, locale=requester_locale)
            change = f"duplicate of {parent.key}"
            turn.emit(UpdateTicketCard(view, change, ChangeKind.LINKED))
            turn.reply(say("duplicates.linked", self.locale, key=ticket.key, parent=parent.key))

    def resolved_notice(self, parent: Ticket, summary: str, locale: str) -> str:
        """What a duplicate's requester is told when ``parent`` is resolved: the summary,
        written for sharing, or else a sentence with no word of the parent's conversation
        (its replies were written for another person and may hold their details)."""
        if summary:
            return say("duplicates.resolved", locale, parent=parent.key, answer=summary)
        return say("duplicates.resolved_generic", locale, parent=parent.key)

    def parent_of(self, store: TicketStore, ticket: Ticket) -> str | None:
        linked = [e.detail for e in store.ticket_events(ticket.id) if e.kind == LINKED_EVENT]
        return linked[-1] if linked else None

    def children(self, store: TicketStore, parent: Ticket) -> list[Ticket]:
        """The duplicates linked to ``parent`` that are still active."""
        keys = [e.detail for e in store.ticket_events(parent.id) if e.kind == DUPLICATE_EVENT]
        found = (store.ticket_by_key(key) for key in dict.fromkeys(keys))
        return [t for t in found if t is not None and t.active]

"""The SLA sweep of one ticket: reminders and breaches while it runs, the nudge and the
automatic resolve while it waits on its requester, closing it when the reopen window is over.

What is due is derived from the ticket itself (its clock in the database), never from the
scheduler's memory, and the ticket is locked while it is swept, so a restart catches up
once and two schedulers never double up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.actions import (
    Action,
    AskRating,
    ChangeKind,
    PostTicketCard,
    RemindAgents,
    Reply,
    UpdateTicketCard,
)
from bot.i18n.messages import priority_label, say
from bot.jobs.context import JobContext
from bot.records import Ticket, TicketClock
from bot.store.conversation import ConversationStore
from bot.store.sla import SlaStore
from bot.store.tickets import TicketStore
from bot.tickets.desk import rating_buttons
from bot.tickets.transitions import TRANSITIONS, TicketAction, perform

__all__ = ["sweep_ticket"]


class SweepStore(SlaStore, TicketStore, ConversationStore, Protocol):
    """What the sweep reads and changes: due tickets, the tickets themselves, and the
    requesters' conversations it writes into (nudges, closing notices)."""


def sweep_ticket(
    store: SweepStore, ticket_id: int, now: datetime, context: JobContext
) -> list[Action]:
    """Do whatever fell due for one ticket by ``now``; nothing if another worker has it.

    The requester's conversation is locked before the ticket, in the order the engine
    takes them, so a sweep and a requester's message never wait on each other in a circle.
    """
    peek = store.ticket(ticket_id)
    store.conversation(peek.place, now)
    ticket = store.lock_due_ticket(ticket_id, now)
    if ticket is None or ticket.conversation_id != peek.conversation_id:
        return []
    return _Sweep(store, now, context).run(ticket)


class _Sweep:
    def __init__(self, store: SweepStore, now: datetime, context: JobContext) -> None:
        self.store = store
        self.now = now
        self.policy = context.policy
        self.desk = context.desk
        self.actions: list[Action] = []

    def run(self, ticket: Ticket) -> list[Action]:
        ticket = self._set(ticket, self.policy.clock(ticket, self.now))
        if TRANSITIONS[TicketAction.CLOSE].allows(ticket):
            self._close_if_due(ticket)
        elif TRANSITIONS[TicketAction.AUTO_RESOLVE].allows(ticket):
            self._waiting(ticket)
        elif TRANSITIONS[TicketAction.ESCALATE_ON_BREACH].allows(ticket):
            self._running(ticket)
        current = self.store.ticket(ticket.id)
        self._set(current, self.policy.clock(current, self.now))
        return self.actions

    # -- open and claimed: reminders and breaches -------------------------------------------

    def _running(self, ticket: Ticket) -> None:
        clock = ticket.sla
        breaches: list[tuple[str, datetime]] = []
        due = clock.first_response_due_at
        if (
            ticket.first_response_at is None
            and clock.first_response_breached_at is None
            and due is not None
            and due <= self.now
        ):
            breaches.append(("first_response", due))
            clock = replace(clock, first_response_breached_at=self.now)
        due = clock.resolution_due_at
        if clock.resolution_breached_at is None and due is not None and due <= self.now:
            breaches.append(("resolution", due))
            clock = replace(clock, resolution_breached_at=self.now)
        clock = self._remind(ticket, clock)
        ticket = self._set(ticket, clock)
        if breaches:
            self._breached(ticket, breaches)

    def _remind(self, ticket: Ticket, clock: TicketClock) -> TicketClock:
        """At most one reminder per sweep: after downtime, only the latest one that passed.

        Reminders are to claim the ticket, so only while it may be claimed; none once the
        first response is breached: the breach itself says more.
        """
        claimable = TRANSITIONS[TicketAction.CLAIM].allows(ticket)
        if not claimable or ticket.first_response_at is not None:
            return clock
        passed = sum(1 for at in self.policy.reminder_times(ticket) if at <= self.now)
        if passed <= clock.reminders_sent:
            return clock
        if clock.first_response_breached_at is None and clock.first_response_due_at:
            share = round(self.policy.reminders[passed - 1] * 100)
            due = self._describe(ticket, clock.first_response_due_at, self.desk.locale)
            text = say(
                "sla.reminder",
                self.desk.locale,
                key=ticket.key,
                priority=priority_label(ticket.priority, self.desk.locale),
                share=share,
                due=due,
            )
            self.actions.append(RemindAgents(self.desk.view(ticket), text))
            self.store.log_ticket_event(ticket, None, "sla_reminder", self.now, detail=f"{share}%")
        return replace(clock, reminders_sent=passed)

    def _breached(self, ticket: Ticket, breaches: list[tuple[str, datetime]]) -> None:
        """Escalate once for everything breached in this sweep (or say so at the top tier)."""
        agents = self.desk.locale
        what = "; ".join(
            say(f"sla.breach_{name}", agents, due=self._describe(ticket, due, agents))
            for name, due in breaches
        )
        breached = ChangeKind.SLA_BREACHED
        self.store.log_ticket_event(ticket, None, breached.value, self.now, detail=what)
        if self.policy.escalate_on_breach and ticket.tier < self.desk.agents.top_tier:
            updated = self._perform(
                ticket, TicketAction.ESCALATE_ON_BREACH, f"SLA breached: {what}"
            )
            if updated is not None:
                self._escalated(updated, what)
                return
        view = self.desk.view(ticket)
        self.actions.append(UpdateTicketCard(view, f"SLA breached: {what}", breached))
        message = (
            "sla.breached_top_tier"
            if ticket.tier >= self.desk.agents.top_tier
            else "sla.breached_noted"
        )
        text = say(message, agents, key=ticket.key, what=what, tier=self.desk.tier_name(ticket))
        self.actions.append(RemindAgents(view, text, kind="breach"))

    def _escalated(self, after: Ticket, what: str) -> None:
        tier = self.desk.tier_name(after)
        view = self.desk.view(after)
        change = say("sla.breached_escalated", self.desk.locale, what=what, tier=tier)
        self.actions.append(UpdateTicketCard(view, change, ChangeKind.ESCALATED))
        self.actions.append(PostTicketCard(view))
        locale = self.desk.requester_locale(after)
        notice = say("ticket.escalated_notice", locale, key=after.key, tier=tier)
        self._tell_requester(after, notice, locale)

    # -- waiting on the requester: nudge, then resolve ------------------------------------

    def _waiting(self, ticket: Ticket) -> None:
        clock = ticket.sla
        resolve_at = self.policy.auto_resolve_at(clock)
        nudge_at = self.policy.nudge_at(clock)
        if resolve_at is not None and resolve_at <= self.now:
            self._auto_resolve(ticket)
        elif nudge_at is not None and nudge_at <= self.now and clock.nudged_at is None:
            locale = self.desk.requester_locale(ticket)
            when = self._describe(ticket, resolve_at or self.now, locale)
            self._tell_requester(
                ticket, say("sla.nudge", locale, key=ticket.key, when=when), locale
            )
            self.store.log_ticket_event(ticket, None, "nudged", self.now)
            self._set(ticket, replace(clock, nudged_at=self.now))

    def _auto_resolve(self, ticket: Ticket) -> None:
        updated = self._perform(ticket, TicketAction.AUTO_RESOLVE)
        if updated is None:
            return
        self._requester_conversation(updated, "rating", updated.id)
        locale = self.desk.requester_locale(updated)
        text = say("sla.auto_resolved", locale, key=updated.key)
        view = self.desk.view(updated)
        self.actions.append(AskRating(view, text, rating_buttons(updated.key, locale)))
        self.store.record_message(
            updated.conversation_id, text, "out", self.now, ticket_id=updated.id
        )
        change = "resolved automatically: no reply"
        self.actions.append(UpdateTicketCard(view, change, ChangeKind.AUTO_RESOLVED))

    # -- resolved: closed when the reopen window is over ----------------------------------

    def _close_if_due(self, ticket: Ticket) -> None:
        close_at = self.policy.close_at(ticket)
        if close_at is None or close_at > self.now:
            return
        updated = self._perform(ticket, TicketAction.CLOSE)
        if updated is None:
            return
        self._requester_conversation(updated, "idle", None)
        self.actions.append(UpdateTicketCard(self.desk.view(updated), "closed", ChangeKind.CLOSED))

    # -- helpers ----------------------------------------------------------------------------

    def _set(self, ticket: Ticket, clock: TicketClock) -> Ticket:
        if clock == ticket.sla:
            return ticket
        return self.store.set_clock(ticket, clock, self.now)

    def _perform(self, ticket: Ticket, action: TicketAction, detail: str = "") -> Ticket | None:
        """The sweep's own changes go through the state machine like everyone else's."""
        return perform(self.store, self.policy, ticket, action, self.now, by=None, detail=detail)

    def _tell_requester(self, ticket: Ticket, text: str, locale: str) -> None:
        self.actions.append(Reply(ticket.place, text, (), locale))
        self.store.record_message(
            ticket.conversation_id, text, "out", self.now, ticket_id=ticket.id
        )

    def _requester_conversation(self, ticket: Ticket, state: str, ticket_id: int | None) -> None:
        """Point the requester's conversation at the ticket (to rate it), or free it."""
        conversation = self.store.conversation(ticket.place, self.now)
        if conversation.ticket_id != ticket.id:
            return
        conversation.state = "rating" if state == "rating" else "idle"
        conversation.ticket_id = ticket_id
        self.store.save_conversation(conversation, self.now)

    def _describe(self, ticket: Ticket, moment: datetime, locale: str) -> str:
        return self.policy.desk(ticket.place.platform).describe(moment, locale)

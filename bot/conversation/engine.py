"""The conversation engine: one platform-neutral entry point, ``Engine.handle(event)``,
and the few calls adapters make about tickets (cards posted, threads made for them).

It keeps events safe and observed: spooled while the database cannot be used, tried
again while another transaction is in the way, answered with a refusal on an internal
error. What one event does is ``bot.conversation.handling`` (its two transactions) and
``bot.conversation.router`` (who acts on it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from bot.actions import Refuse, TicketView
from bot.clock import Clock, utc_now
from bot.conversation.answering import Answerer
from bot.conversation.handling import EventHandling
from bot.conversation.language import WrittenLanguage
from bot.conversation.limits import InboundLimits
from bot.conversation.requester_commands import RequesterCommands
from bot.conversation.router import Router
from bot.conversation.sorting import TicketSorting
from bot.delivery.outbox import Delivery, Outbox
from bot.delivery.replay import REPLAY_AFTER, replay_stale
from bot.delivery.spool import EventSpool, NotKept
from bot.events import Event, Person, Place
from bot.i18n.messages import pick_locale, say
from bot.learning.drafts import ArticleDraft
from bot.learning.save_article import ArticleLearning, learned_folder
from bot.records import TICKET_STATES, Card
from bot.settings import Settings
from bot.sla.policy import SlaPolicy
from bot.store.delivery import DeliveryStore
from bot.store.unit_of_work import UnitOfWork
from bot.tickets.agent_commands import AgentCommands
from bot.tickets.agents import AgentDirectory
from bot.tickets.desk import TicketDesk
from bot.turn import TurnStore
from kb import KnowledgeBase

__all__ = ["Engine", "EngineStore", "HandlingObserver"]

log = logging.getLogger(__name__)

HandlingObserver = Callable[[Event, float, list[Delivery]], None]


class EngineStore(TurnStore, DeliveryStore, Protocol):
    """What the engine keeps: conversations, tickets, questions, and delivery (processed
    events, the outbox, replays); the SLA sweep's queries are the scheduled jobs'."""


class Engine:
    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        unit_of_work: UnitOfWork[EngineStore],
        clock: Clock = utc_now,
        *,
        spool: EventSpool | None = None,
    ) -> None:
        self.settings = settings
        self.spool = spool
        """Where events go while the database is unreachable (``bot.delivery.spool``)."""
        self.agents = AgentDirectory(settings.tickets.tiers)
        self.sla = SlaPolicy(settings.sla, settings.tickets.reopen_days)
        self.desk = TicketDesk(
            settings.tickets, self.agents, self.sla, locale=settings.default_locale
        )
        self.commands = AgentCommands(self.desk)
        written = WrittenLanguage(kb)
        self.answerer = Answerer(settings, kb, self.desk, written)
        self.learning = ArticleLearning(self.desk, kb, learned_folder(settings.kb.paths))
        self.limits = InboundLimits(settings.limits)
        lease = timedelta(seconds=settings.service.delivery_lease_seconds)
        self.outbox = Outbox(unit_of_work, clock, lease=lease)
        window = timedelta(minutes=settings.tickets.agent_reply_window_minutes)
        router = Router(
            self.desk,
            self.answerer,
            TicketSorting(self.desk, window),
            self.commands,
            RequesterCommands(self.desk, self.agents, settings.default_locale),
            self.learning,
            self.limits,
            settings.tickets.note_prefix,
        )
        self._handling = EventHandling(
            settings, self.agents, self.limits, router, unit_of_work, clock, written
        )
        self._unit_of_work = unit_of_work
        self._clock = clock
        self.observers: list[HandlingObserver] = []
        """Told about each handled event (metrics): it, its seconds and what was decided."""

    def handle(self, event: Event, *, redeliverable: bool = False) -> list[Delivery]:
        """Act on one event; returns the stored actions for the adapters to send.

        An internal error is answered with a refusal that is not stored (id 0): the event
        stays unprocessed, so a redelivery is handled normally. While the database is
        unreachable or cannot write, the event is spooled instead, and handled (first) once
        it is back; if the spool refuses it too, its writer is told it was not kept, or,
        for a ``redeliverable`` event (its caller keeps it and tries again later), ``NotKept``
        is raised: the only exception this raises.
        """
        started = time.perf_counter()
        handle = self._handling.handle
        try:
            if self.spool is not None:
                self.spool.drain(handle)
                deliveries = self.spool.attempt(handle, event)  # again if the db was busy
            else:
                deliveries = handle(event)
        except Exception as error:
            deliveries = [Delivery(0, self._failed(event, error, redeliverable=redeliverable))]
        for observer in self.observers:
            observer(event, time.perf_counter() - started, deliveries)
        return deliveries

    def _failed(self, event: Event, error: Exception, *, redeliverable: bool) -> Refuse:
        """What the writer of an event that could not be handled is told, once it is kept
        in the spool if the database could not be used (or raise ``NotKept``)."""
        locale = pick_locale(event.person.locale, self.settings.default_locale)
        kept = self.spool.keep(event, error) if self.spool is not None else "not an outage"
        if kept == "lost" and redeliverable:
            raise NotKept(event.event_id) from error
        if kept == "not an outage":
            log.exception("could not handle %s %s", type(event).__name__, event.event_id)
            said = say("error.internal", locale)
        else:  # the database cannot be used; the writer hears whether it was kept
            said = say("spool.kept" if kept == "kept" else "spool.not_kept", locale)
        return Refuse(event.person, event.place, said)

    def attach_card(self, key: str, card: Card, workspace: Place | None) -> None:
        """An adapter posted a ticket card; ``workspace`` is where agents discuss it."""
        now = self._clock()
        with self._unit_of_work() as store:
            ticket = store.ticket_by_key(key)
            if ticket is None:
                raise KeyError(key)
            store.record_card(ticket, card, now)
            if workspace is not None:
                conversation = store.conversation(workspace, now)
                conversation.kind = "agents"
                conversation.ticket_id = ticket.id
                store.save_conversation(conversation, now)

    def move_ticket(self, key: str, place: Place) -> None:
        """The ticket's conversation continues in ``place`` (say, a private thread made for it).

        The old place is freed for new questions (one asked there meanwhile keeps its
        buttons); everything about the ticket, from now on, is said in the new one.
        """
        now = self._clock()
        with self._unit_of_work() as store:
            ticket = store.ticket_by_key(key)
            if ticket is None:
                raise KeyError(key)
            old = store.conversation(ticket.place, now)
            new = store.conversation(place, now)
            new.ticket_id, new.kind, new.question = ticket.id, "ticket", ticket.subject
            if old.ticket_id == ticket.id:
                old.ticket_id = None
                if old.state in TICKET_STATES:  # a new question asked meanwhile stays put
                    new.state, old.state = old.state, "idle"
            store.save_conversation(old, now)
            store.save_conversation(new, now)
            store.move_ticket(ticket, new, now)
            store.log_ticket_event(ticket, None, "moved", now, detail=_describe_place(place))

    def drain_spool(self) -> list[Delivery]:
        """Handle what this process kept in its spool during an outage, once the database
        answers (raises while it does not). The spool is a local file, so every worker
        drains its own, leader or not, without waiting for a new event to arrive."""
        return self.spool.drain(self._handling.handle) if self.spool is not None else []

    def replay_unhandled(self, older_than: timedelta = REPLAY_AFTER) -> list[Delivery]:
        """Handle messages that were stored but never handled (the process died mid-way,
        or handling failed). Each is handled as the event that carried it, so a later
        redelivery by the platform has no further effect. ``tier0 run`` calls it with every
        scheduler sweep, the first right at start-up. Events spooled during a database
        outage go first.
        """
        return self.drain_spool() + replay_stale(
            self._unit_of_work,
            self.handle,
            self._clock(),
            older_than=older_than,
            default_locale=self.settings.default_locale,
        )

    def ticket(self, key: str) -> TicketView | None:
        """The ticket as it is now (adapters use it to find where its conversation went)."""
        with self._unit_of_work() as store:
            ticket = store.ticket_by_key(key)
            return self.desk.view(ticket) if ticket else None

    def cards(self, key: str) -> list[Card]:
        """Where the ticket's cards are, oldest first, for editing them in place."""
        with self._unit_of_work() as store:
            ticket = store.ticket_by_key(key)
            return list(store.cards(ticket.id)) if ticket else []

    def draft_article(self, person: Person, key: str) -> ArticleDraft | str:
        """The article an agent may save from resolved ticket ``key``, for them to review,
        or why not. Read-only, so an adapter can open a review form within the platform's
        few seconds for answering a button press; saving is an ``ArticleSubmitted`` event."""
        with self._unit_of_work() as store:
            return self.learning.draft(store, person, self.agents.tier_of(person), key)


def _describe_place(place: Place) -> str:
    return f"to {place.platform} {place.channel}" + (
        f" thread {place.thread}" if place.thread else ""
    )

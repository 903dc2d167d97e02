"""Handling one event in two transactions.

The first stores the inbound message, so nothing a person wrote is lost even if handling
fails; the second marks the event as processed (a redelivered event stops there), acts on
it and records what the bot says, with the replies queued in the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.conversation.inbound import inbound_of
from bot.conversation.language import WrittenLanguage
from bot.conversation.limits import InboundLimits
from bot.conversation.router import Router
from bot.conversation.storable import storable
from bot.delivery.outbox import Delivery, enqueue_all
from bot.events import CommandIssued, Event, MessageReceived
from bot.i18n.messages import pick_locale
from bot.records import User
from bot.settings import Settings
from bot.store.delivery import OutboxQueue, ProcessedEvents
from bot.store.unit_of_work import UnitOfWork
from bot.tickets.agents import AgentDirectory
from bot.turn import Turn, TurnStore

__all__ = ["EventHandling", "HandlingStore"]


class HandlingStore(TurnStore, ProcessedEvents, OutboxQueue, Protocol):
    """What handling an event touches: its turn's store, processed events, the outbox."""


class EventHandling:
    def __init__(
        self,
        settings: Settings,
        agents: AgentDirectory,
        limits: InboundLimits,
        router: Router,
        unit_of_work: UnitOfWork[HandlingStore],
        clock: Clock,
        written: WrittenLanguage,
    ) -> None:
        self.settings = settings
        self.agents = agents
        self.limits = limits
        self.router = router
        self.written = written
        self._unit_of_work = unit_of_work
        self._clock = clock

    def handle(self, event: Event) -> list[Delivery]:
        """Act on ``event`` once; the stored actions, or none for an event seen before."""
        now = self._clock()
        cut = self.limits.cut(storable(event))
        event = cut.event
        platform = event.place.platform
        inbound = inbound_of(event)
        user: User | None = None
        if inbound is not None:
            with self._unit_of_work() as store:
                if store.is_processed(platform, event.event_id):
                    return []
                user = store.save_user(event.person, self.agents.role_of(event.person), now)
                conversation = store.conversation(event.place, now)
                store.record_inbound(
                    inbound[0],
                    inbound[1],
                    user,
                    conversation,
                    now,
                    event_id=event.event_id,
                    kind="command" if isinstance(event, CommandIssued) else "message",
                )
        with self._unit_of_work() as store:
            if not store.mark_processed(platform, event.event_id, now):
                return []
            if inbound is not None and store.is_inbound_handled(platform, inbound[0]):
                return []  # the same message under another event id (a replay, a retry)
            turn = self._turn(store, event, now, user)
            if cut.length is not None:
                turn.reply(turn.say("limits.cut", count=self.limits.max_chars, length=cut.length))
            self.router.route(turn, event)
            store.save_conversation(turn.conversation, now)
            if inbound is not None:
                store.mark_inbound_handled(platform, inbound[0], turn.ticket_id, now)
            return enqueue_all(store, turn.actions, now)

    def _turn(self, store: TurnStore, event: Event, now: datetime, user: User | None) -> Turn:
        """Agents are answered in the help desk's language, requesters in their own: the
        one they chose with ``/language``, else the one this message or their last clear one
        is written in, else their chat app's; else the desk's.

        ``user`` is the person as saved with the inbound message a moment ago, if it was.
        """
        if user is None:
            user = store.save_user(event.person, self.agents.role_of(event.person), now)
        agent_tier = self.agents.tier_of(event.person)
        if agent_tier is None and isinstance(event, MessageReceived):
            user = self.written.follow(store, user, event.text, now)
        default = self.settings.default_locale
        return Turn(
            store=store,
            now=now,
            person=event.person,
            user=user,
            conversation=store.conversation(event.place, now),
            agent_tier=agent_tier,
            locale=pick_locale(None if agent_tier is not None else user.locale, default),
            command_prefix=self._command_prefix(event.place.platform),
            private=isinstance(event, CommandIssued),
        )

    def _command_prefix(self, platform: str) -> str:
        """How people type a command: ``/tier0 new`` on Slack, ``/new`` elsewhere."""
        if platform == "slack":
            return f"{self.settings.slack.slash_command} "
        return "/"

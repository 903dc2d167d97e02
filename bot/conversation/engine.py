"""The conversation engine: one platform-neutral entry point, ``Engine.handle(event)``.

Each event is handled in two transactions. The first stores the inbound message, so
nothing a person wrote is lost even if handling fails; the second marks the event as
processed (a redelivered event stops there), acts on it and records what the bot says.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.actions import Refuse, TicketView
from bot.commands import AGENT_COMMANDS
from bot.conversation.answering import Answerer
from bot.conversation.limits import InboundLimits
from bot.conversation.storable import storable
from bot.conversation.turn import Turn
from bot.delivery.outbox import Delivery, Outbox, enqueue_all
from bot.delivery.replay import REPLAY_AFTER, replay_stale
from bot.delivery.spool import EventSpool, NotKept
from bot.events import (
    ArticleSubmitted,
    ButtonPressed,
    CommandIssued,
    Event,
    MessageReceived,
    Person,
    Place,
)
from bot.i18n.catalogues import language_name, languages, supported_locale
from bot.i18n.messages import pick_locale, say
from bot.learning.drafts import ArticleDraft
from bot.learning.save_article import ArticleLearning, learned_folder
from bot.records import Card, Role, Ticket, User
from bot.settings import Settings
from bot.sla.policy import SlaPolicy
from bot.store import Store, UnitOfWork
from bot.tickets.agent_commands import AgentCommands
from bot.tickets.agents import AgentDirectory
from bot.tickets.desk import TicketDesk
from bot.tickets.visibility import may_see, no_such_ticket
from kb import KnowledgeBase

__all__ = ["Clock", "Engine", "HandlingObserver", "utc_now"]

LANGUAGE_COMMANDS = frozenset({"language", "idioma", "lang"})
AUTO_LANGUAGE = frozenset({"auto", "automatico", "automático"})

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
HandlingObserver = Callable[[Event, float, list[Delivery]], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Engine:
    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        unit_of_work: UnitOfWork,
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
        self.answerer = Answerer(settings, kb, self.desk)
        self.learning = ArticleLearning(self.desk, kb, learned_folder(settings.kb.paths))
        self.limits = InboundLimits(settings.limits)
        lease = timedelta(seconds=settings.service.delivery_lease_seconds)
        self.outbox = Outbox(unit_of_work, clock, lease=lease)
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
        try:
            if self.spool is not None:
                self.spool.drain(self._handle)
                deliveries = self.spool.attempt(self._handle, event)  # again if the db was busy
            else:
                deliveries = self._handle(event)
        except Exception as error:
            locale = pick_locale(event.person.locale, self.settings.default_locale)
            kept = self.spool.keep(event, error) if self.spool is not None else "not an outage"
            if kept == "lost" and redeliverable:
                raise NotKept(event.event_id) from error
            if kept == "not an outage":
                log.exception("could not handle %s %s", type(event).__name__, event.event_id)
                said = say("error.internal", locale)
            else:  # the database cannot be used; the writer hears whether it was kept
                said = say("spool.kept" if kept == "kept" else "spool.not_kept", locale)
            deliveries = [Delivery(0, Refuse(event.person, event.place, said))]
        for observer in self.observers:
            observer(event, time.perf_counter() - started, deliveries)
        return deliveries

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

        The old place is freed for new questions; everything about the ticket, from now on,
        is said in the new one.
        """
        now = self._clock()
        with self._unit_of_work() as store:
            ticket = store.ticket_by_key(key)
            if ticket is None:
                raise KeyError(key)
            old = store.conversation(ticket.place, now)
            new = store.conversation(place, now)
            new.ticket_id, new.state = ticket.id, old.state
            new.question = old.question
            if old.ticket_id == ticket.id:
                old.ticket_id, old.state = None, "idle"
            store.save_conversation(old, now)
            store.save_conversation(new, now)
            store.move_ticket(ticket, new, now)
            store.log_ticket_event(ticket, None, "moved", now, detail=_describe_place(place))

    def drain_spool(self) -> list[Delivery]:
        """Handle what this process kept in its spool during an outage, once the database
        answers (raises while it does not). The spool is a local file, so every worker
        drains its own, leader or not, without waiting for a new event to arrive."""
        return self.spool.drain(self._handle) if self.spool is not None else []

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

    def _handle(self, event: Event) -> list[Delivery]:
        now = self._clock()
        cut = self.limits.cut(storable(event))
        event = cut.event
        platform = event.place.platform
        inbound = _inbound(event)
        user: User | None = None
        if inbound is not None:
            with self._unit_of_work() as store:
                if store.is_processed(platform, event.event_id):
                    return []
                user = store.save_user(event.person, self._role(event.person), now)
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
            self._dispatch(turn, event)
            store.save_conversation(turn.conversation, now)
            if inbound is not None:
                store.mark_inbound_handled(platform, inbound[0], turn.ticket_id, now)
            return enqueue_all(store, turn.actions, now)

    def _turn(self, store: Store, event: Event, now: datetime, user: User | None) -> Turn:
        """Agents are answered in the help desk's language, requesters in their own (the one
        they chose with ``/language``, else their chat app's), else the desk's.

        ``user`` is the person as saved with the inbound message a moment ago, if it was.
        """
        if user is None:
            user = store.save_user(event.person, self._role(event.person), now)
        agent_tier = self.agents.tier_of(event.person)
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

    def _role(self, person: Person) -> Role:
        return "agent" if self.agents.tier_of(person) is not None else "requester"

    # -- routing --------------------------------------------------------------------------

    def _dispatch(self, turn: Turn, event: Event) -> None:
        if self._flooding(turn, event):
            return
        if isinstance(event, MessageReceived):
            self._message(turn, event.text)
        elif isinstance(event, ButtonPressed):
            self._button(turn, event.action, event.value)
        elif isinstance(event, ArticleSubmitted):
            self.learning.save(turn, event)
        else:
            self._command(turn, event.name.lower(), list(event.args), event.quoting)

    def _flooding(self, turn: Turn, event: Event) -> bool:
        """Over the rate, which counts everything a person sends (agents are never over it:
        the desk's own staff, whose bursts are work). A message stays stored, on the
        person's ticket if one is open; a command, press or form changes nothing. Either
        way they hear once, when the bot listens again."""
        if turn.agent_tier is not None:
            return False
        if _inbound(event) is None:  # not stored as a message: counted through its event
            turn.store.record_sender(event.place.platform, event.event_id, turn.user.id)
        slowdown = self.limits.rate.check(turn.store, turn.user.id, turn.now)
        if slowdown is None:
            return False
        if not isinstance(event, MessageReceived):
            if slowdown.tell:
                turn.refuse(turn.say("limits.slow_down_ignored", count=slowdown.seconds))
            return True
        ticket = self.desk.current_ticket(turn)
        if ticket is not None and ticket.active and ticket.requester.id == turn.user.id:
            turn.ticket_id = ticket.id  # a bystander's words never join someone else's ticket
        if slowdown.tell:
            turn.reply(turn.say("limits.slow_down", count=slowdown.seconds))
        return True

    def _message(self, turn: Turn, text: str) -> None:
        ticket = self.desk.current_ticket(turn)
        if ticket is not None and turn.conversation.kind == "agents":
            self._agents_workspace(turn, ticket, text)
        elif ticket is not None and ticket.active:
            if turn.agent_tier is not None and turn.user.id != ticket.requester.id:
                self._agent_speaks_in_ticket(turn, ticket)
            else:
                self.desk.follow_up(turn, ticket, text)
        elif ticket is not None and turn.conversation.state == "commenting":
            self.desk.comment(turn, ticket, text)
        else:
            self.answerer.question(turn, text)

    def _agent_speaks_in_ticket(self, turn: Turn, ticket: Ticket) -> None:
        """An agent writing in the requester's own thread: the requester already sees it."""
        turn.ticket_id = ticket.id
        if ticket.assignee is None or ticket.assignee.id != turn.user.id:
            turn.refuse(turn.say("agent.in_ticket_unclaimed", key=ticket.key))
            return
        self.commands.answered(turn, ticket)

    def _agents_workspace(self, turn: Turn, ticket: Ticket, text: str) -> None:
        """A card's thread: agents' messages go to the requester, unless they are notes.

        The inbound message is not filed on the ticket as is: the note or the relayed reply
        is, so a note can never show up in the requester's transcript.
        """
        prefix = self.settings.tickets.note_prefix
        if text.lstrip().lower().startswith(prefix.lower()):
            note = text.lstrip()[len(prefix) :].strip()
            self.commands.run(turn, "note", [ticket.key, note] if note else [ticket.key])
        elif text.strip():
            self.commands.run(turn, "reply", [ticket.key, text])

    def _button(self, turn: Turn, action: str, value: str) -> None:
        match action:
            case "solved":
                self.answerer.solved(turn, value)
            case "still_need_help":
                self.answerer.still_need_help(turn, value)
            case "pick":
                self.answerer.pick(turn, value)
            case "none_of_these":
                self.answerer.none_of_these(turn)
            case "rate":
                self.desk.rate(turn, value)
            case "skip_comment":
                self.desk.skip_comment(turn)
            case "reopen":
                self._reopen(turn, [value])
            case "claim" | "unclaim" | "resolve":
                self.commands.run(turn, action, [value])
            case _:
                turn.refuse(turn.say("choice.expired"))

    def _command(
        self, turn: Turn, name: str, args: list[str], quoting: Person | None = None
    ) -> None:
        if name in AGENT_COMMANDS:
            self.commands.run(turn, name, args)
        elif name == "reopen":
            self._reopen(turn, args)
        elif name in ("human", "person"):
            self._ask_for_person(turn, " ".join(args))
        elif name in ("new", "ticket"):
            self._new_ticket(turn, name, " ".join(args), quoting)
        elif name in ("mytickets", "status"):
            self._my_tickets(turn, args)
        elif name in LANGUAGE_COMMANDS:
            self._language(turn, args)
        elif name in ("help", "start"):
            text = turn.say("help.requester")
            if turn.agent_tier is not None:
                text = f"{text}\n{turn.say('help.agent')}"
            turn.reply(text)
        else:
            turn.refuse(turn.say("command.unknown", name=name))

    def _reopen(self, turn: Turn, args: list[str]) -> None:
        if args and self.desk.looks_like_key(args[0]):
            ticket = turn.store.ticket_by_key(args[0])
        else:
            ticket = self.desk.current_ticket(turn)
        if ticket is None:
            key = args[0] if args else ""
            turn.refuse(
                no_such_ticket(turn, key) if key else turn.say("agent.ticket_needed", name="reopen")
            )
            return
        self.desk.reopen(turn, ticket)

    def _new_ticket(self, turn: Turn, name: str, text: str, quoting: Person | None = None) -> None:
        """Skip the bot: open a ticket straight away (a shortcut or slash command).

        Text taken from someone else's message ("Create ticket" on it, ``quoting`` its
        author) is also kept as theirs, so exporting or erasing their data finds it and,
        through it, every copy made here (the subject, the command, replies, the outbox).
        It is filed as quoted, never as something they asked: they are told nothing.
        """
        if not text.strip():
            turn.refuse(turn.say("ticket.new_usage", name=name))
            return
        if quoting is not None and quoting.ref != turn.person.ref:
            author = turn.store.find_user(quoting.platform, quoting.id)
            if author is None:
                author = turn.store.save_user(quoting, self._role(quoting), turn.now)
            turn.record(turn.conversation.id, text, ticket_id=None, direction="quoted", user=author)
        if self.desk.someone_elses(turn, self.desk.current_ticket(turn)):
            return  # the question waiting here is someone else's: keep it as it is
        turn.conversation.question = text
        self.desk.open(turn, text, failed_article_id=None, reason="opened directly")

    def _my_tickets(self, turn: Turn, args: list[str]) -> None:
        """The requester's own tickets, or one of them by key (agents: of their tier or below)."""
        if args and self.desk.looks_like_key(args[0]):
            ticket = turn.store.ticket_by_key(args[0])
            if ticket is None or not may_see(turn, ticket):
                turn.refuse(no_such_ticket(turn, args[0]))
                return
            turn.reply(self.desk.describe(ticket, turn.locale))
            return
        mine = turn.store.list_tickets(None, 10, requester_id=turn.user.id)
        if not mine:
            turn.reply(turn.say("ticket.mine_none"))
            return
        lines = [self.desk.describe(ticket, turn.locale) for ticket in mine]
        turn.reply("\n".join([turn.say("ticket.mine_header"), *lines]))

    def _language(self, turn: Turn, args: list[str]) -> None:
        """``/language pt-BR``: write to this person in that language from now on, whatever
        their chat app says; ``/language auto`` follows the app again."""
        available = ", ".join(languages())
        if not args:
            turn.reply(turn.say("language.usage", available=available))
            return
        if args[0].lower() in AUTO_LANGUAGE:
            turn.user = turn.store.set_locale(turn.user, turn.person.locale, False, turn.now)
            turn.locale = pick_locale(turn.user.locale, self.settings.default_locale)
            message = "language.auto"
        else:
            tag = supported_locale(args[0])
            if tag is None:
                turn.refuse(turn.say("language.unknown", requested=args[0], available=available))
                return
            turn.user = turn.store.set_locale(turn.user, tag, True, turn.now)
            turn.locale, message = tag, "language.set"
        turn.reply(turn.say(message, language=language_name(turn.locale, turn.locale)))

    def _command_prefix(self, platform: str) -> str:
        """How people type a command: ``/tier0 new`` on Slack, ``/new`` elsewhere."""
        if platform == "slack":
            return f"{self.settings.slack.slash_command} "
        return "/"

    def _ask_for_person(self, turn: Turn, text: str) -> None:
        ticket = self.desk.current_ticket(turn)
        if ticket is not None and ticket.active:
            self.desk.follow_up(turn, ticket, text or turn.say("command.human_again"))
            return
        question = text or turn.conversation.question or ""
        self.desk.open(turn, question, failed_article_id=None, reason="asked for a person")


def _describe_place(place: Place) -> str:
    return f"to {place.platform} {place.channel}" + (
        f" thread {place.thread}" if place.thread else ""
    )


def _inbound(event: Event) -> tuple[str, str] | None:
    """(message id, text) of what a person wrote, to be stored before acting on it."""
    if isinstance(event, MessageReceived):
        return event.message_id, event.text
    if isinstance(event, CommandIssued):
        return event.event_id, " ".join(("/" + event.name, *event.args))
    return None

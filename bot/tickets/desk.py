"""The ticket lifecycle shared by requesters and agents: open, view, resolve, reopen, rate.

Every status change goes through the state machine (``bot.tickets.transitions``): a
compare-and-set on the stored ticket followed by an entry in its history, so two agents
acting at once produce one winner and one clear refusal, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.actions import (
    AskRating,
    Button,
    ChangeKind,
    PostTicketCard,
    RelayToAgents,
    RelayToRequester,
    TicketView,
    UpdateTicketCard,
)
from bot.attempts import judged
from bot.i18n.catalogues import SOURCE_LOCALE
from bot.i18n.messages import pick_locale, priority_label, say
from bot.records import ACTIVE_STATUSES, TICKET_STATES, ConversationState, Ticket, User
from bot.settings import TicketSettings
from bot.sla.policy import SlaPolicy
from bot.sla.settings import SLASettings
from bot.tickets.agents import AgentDirectory
from bot.tickets.duplicates import Duplicates
from bot.tickets.incidents import IncidentWatch
from bot.tickets.open_limits import at_limit, cooldown_refusal, opened_moments_ago
from bot.tickets.refusals import assignee_name, refuse_inactive, refuse_stale, status_label
from bot.tickets.transitions import TRANSITIONS, TicketAction, may, perform
from bot.tickets.visibility import refusal
from bot.turn import Turn

__all__ = ["RATINGS", "SUBJECT_LIMIT", "TicketDesk", "rating_buttons", "subject_line"]

SUBJECT_LIMIT = 200
RATINGS = range(1, 6)


class TicketDesk:
    def __init__(
        self,
        settings: TicketSettings,
        agents: AgentDirectory,
        sla: SlaPolicy | None = None,
        *,
        locale: str = SOURCE_LOCALE,
    ) -> None:
        """``locale`` is the help desk's default language: the agents' side speaks it."""
        self.settings = settings
        self.agents = agents
        self.locale = locale
        self.sla = sla or SlaPolicy(SLASettings(enabled=False), settings.reopen_days)
        self._key = re.compile(rf"^{re.escape(settings.key_prefix)}-\d+$", re.IGNORECASE)
        self.incidents = IncidentWatch(settings, locale)
        self.duplicates = Duplicates(locale)

    # -- looking things up ----------------------------------------------------------------

    def looks_like_key(self, text: str) -> bool:
        return bool(self._key.match(text.strip()))

    def view(self, ticket: Ticket) -> TicketView:
        return TicketView(
            key=ticket.key,
            status=ticket.status,
            tier=ticket.tier,
            tier_name=self.agents.tier_name(ticket.tier),
            priority=ticket.priority,
            subject=ticket.subject,
            requester=ticket.requester.as_person(),
            place=ticket.place,
            assignee=ticket.assignee.as_person() if ticket.assignee else None,
            created_at=ticket.created_at,
            attempts=ticket.attempts,
            first_response_due_at=(
                ticket.sla.first_response_due_at if ticket.first_response_at is None else None
            ),
            resolution_due_at=ticket.sla.resolution_due_at,
            sla_paused=ticket.sla.paused_at is not None and ticket.status == "waiting_on_user",
            breached=tuple(
                name
                for name, at in (
                    ("first_response", ticket.sla.first_response_breached_at),
                    ("resolution", ticket.sla.resolution_breached_at),
                )
                if at is not None
            ),
            locale=self.requester_locale(ticket),
        )

    def requester_locale(self, ticket: Ticket) -> str:
        """The language the ticket's requester is written to in: theirs, or the desk's."""
        return pick_locale(ticket.requester.locale, self.locale)

    def current_ticket(self, turn: Turn) -> Ticket | None:
        """The ticket this conversation belongs to, if any (active or awaiting a rating)."""
        if turn.conversation.ticket_id is None:
            return None
        return turn.store.ticket(turn.conversation.ticket_id)

    def open_ticket_of(self, turn: Turn) -> Ticket | None:
        """This person's newest active ticket, which a new question may really be about."""
        mine = turn.store.list_tickets(ACTIVE_STATUSES, 1, requester_id=turn.user.id)
        return mine[0] if mine else None

    def someone_elses(self, turn: Turn, ticket: Ticket | None) -> bool:
        """Whether this place is busy with another person's question, and if so tell this
        one, privately, that nothing was done.

        In a shared place (a channel thread, a ticket's thread) a bystander must not press
        the asker's buttons, write into their ticket or rating comment, or take the place
        over with a question of their own while the asker's is pending: their open ticket,
        the rating of their resolved one, or an answer, offer or question awaiting them.
        Once nothing is pending, anyone may ask here.
        """
        conversation = turn.conversation
        if ticket is not None and (ticket.active or conversation.state in TICKET_STATES):
            owner: int | None = ticket.requester.id
        elif conversation.state in ("answered", "choosing", "sorting"):
            owner = conversation.requester_id
        else:
            owner = None
        if owner is None or owner == turn.user.id:
            return False
        turn.refuse(turn.say("conversation.not_yours"))
        return True

    # -- opening --------------------------------------------------------------------------

    def open(
        self,
        turn: Turn,
        question: str,
        *,
        failed_article_id: str | None,
        reason: str,
        chosen: bool = False,
    ) -> None:
        """Open a ticket for the person in this conversation and tell them and the agents.
        It takes the articles the bot tried on the conversation's question: any the person
        had not said a word on yet, they passed over by asking for a person. Without a
        question, the subject says so in the agents' language.

        Someone who already has the maximum of open tickets is pointed at them instead
        (against spam); someone who opened one moments ago is pointed at it, unless it was
        opened without a question: this is then what it is about. The cooldown does not
        hold back a new ticket the person ``chosen`` when asked whether it was about their
        open one.
        """
        if self.someone_elses(turn, self.current_ticket(turn)):
            return
        if self._held_back(turn, question, chosen=chosen):
            return
        subject = subject_line(question) or say("ticket.no_question", self.locale)
        ticket = turn.store.open_ticket(
            requester=turn.user,
            conversation=turn.conversation,
            subject=subject,
            priority=self.settings.default_priority,
            tier=1,
            failed_article_id=failed_article_id,
            now=turn.now,
            attempts=judged(turn.conversation.attempts, "asked_for_person"),
        )
        opened = TRANSITIONS[TicketAction.OPEN]
        turn.store.log_ticket_event(
            ticket, turn.user, opened.logged.value, turn.now, to_status=ticket.status, detail=reason
        )
        ticket = turn.store.set_clock(ticket, self.sla.clock(ticket, turn.now), turn.now)
        turn.conversation.ticket_id = ticket.id
        turn.conversation.state, turn.conversation.attempts = "idle", ()
        turn.ticket_id = ticket.id
        message = "ticket.opened_on_request" if reason == "asked for a person" else "ticket.opened"
        text = turn.say(
            message,
            key=ticket.key,
            priority=priority_label(ticket.priority, turn.locale),
            tier=self.tier_name(ticket),
        )
        back = self.sla.back_at(ticket.place.platform, turn.now)
        if back is not None:
            when = self.sla.desk(ticket.place.platform).describe(back, turn.locale)
            text = f"{text}\n{turn.say('sla.out_of_hours', when=when)}"
        turn.reply(text, ticket_key=ticket.key)
        view = self.view(ticket)
        turn.emit(PostTicketCard(view))
        if self.settings.duplicate_hints:
            self.duplicates.opened(turn, ticket, view)
        self.incidents.opened(turn, ticket, view)

    def _held_back(self, turn: Turn, question: str, *, chosen: bool) -> bool:
        """Whether no ticket may be opened now (the person hears why and where to go)."""
        if at_limit(turn, self.settings):
            return True
        recent = None if chosen else opened_moments_ago(turn, self.settings)
        if recent is not None and subject_line(question) and self.awaits_question(recent):
            self.follow_up(turn, recent, question, acknowledge=True)  # what it is about
        elif recent is not None:
            cooldown_refusal(turn, recent, self.settings)
        return recent is not None

    def describe(self, ticket: Ticket, locale: str) -> str:
        """One line on a ticket, for the requester or an agent (in their ``locale``)."""
        return say(
            "ticket.status",
            locale,
            key=ticket.key,
            status=status_label(ticket, locale),
            tier=self.tier_name(ticket),
            priority=priority_label(ticket.priority, locale),
            assignee=assignee_name(ticket) if ticket.assignee else say("ticket.unclaimed", locale),
            subject=(
                say("ticket.no_question", locale)
                if self.awaits_question(ticket)
                else ticket.subject[:80]
            ),
        )

    # -- requester side -------------------------------------------------------------------

    def follow_up(
        self,
        turn: Turn,
        ticket: Ticket,
        text: str,
        *,
        acknowledge: bool = False,
        about: str | None = None,
    ) -> None:
        """A message in a place with an active ticket belongs to that ticket (if its
        requester wrote it). The requester hears it was added while nobody has the ticket
        yet, or when ``acknowledge`` (they chose to add it). ``about``: what the message
        says the problem is (not "thanks"), the subject of a ticket opened without one;
        by default the whole message."""
        if self.someone_elses(turn, ticket):
            return
        turn.ticket_id = ticket.id
        replied = TicketAction.REQUESTER_REPLY
        if TRANSITIONS[replied].allows(ticket):
            updated = perform(turn.store, self.sla, ticket, replied, turn.now, by=turn.user)
            if updated:
                self.show_change(turn, updated, replied, "requester replied")
                ticket = updated
        subject = text if about is None else about
        if subject.strip() and self.awaits_question(ticket):
            ticket = self._described(turn, ticket, subject)
        turn.emit(RelayToAgents(self.view(ticket), text, turn.person))
        if acknowledge or ticket.status == "open":
            turn.reply(
                turn.say("ticket.follow_up_noted", key=ticket.key, tier=self.tier_name(ticket))
            )

    def awaits_question(self, ticket: Ticket) -> bool:
        """Opened with nothing said about the problem ("talk to a human" alone)."""
        return ticket.subject == say("ticket.no_question", self.locale)

    def _described(self, turn: Turn, ticket: Ticket, text: str) -> Ticket:
        """The requester's first words on a ticket opened without a question are its
        subject, on its card too."""
        updated = turn.store.update_ticket(
            ticket, ACTIVE_STATUSES, turn.now, subject=subject_line(text) or ticket.subject
        )
        if updated is None:
            return ticket
        turn.store.log_ticket_event(updated, turn.user, ChangeKind.DESCRIBED.value, turn.now)
        turn.emit(UpdateTicketCard(self.view(updated), "described", ChangeKind.DESCRIBED))
        return updated

    # -- resolve and reopen (agents, and requesters for reopen) ---------------------------

    def resolve(self, turn: Turn, ticket: Ticket, summary: str) -> None:
        updated = self.change(turn, ticket, TicketAction.RESOLVE, summary)
        if updated is None:
            return
        if summary:
            self.relay_to_requester(turn, updated, summary)
        self._set_requester_state(turn, updated, "rating")
        locale = self.requester_locale(updated)
        text = say("ticket.resolved_ask_rating", locale, key=updated.key)
        turn.emit(AskRating(self.view(updated), text, rating_buttons(updated.key, locale)))
        turn.record(updated.conversation_id, text, ticket_id=updated.id)
        self.show_change(turn, updated, TicketAction.RESOLVE, "resolved")
        if turn.conversation.id != updated.conversation_id:
            turn.reply(turn.say("agent.resolved", key=updated.key))
        for duplicate in self.duplicates.children(turn.store, updated):
            locale = self.requester_locale(duplicate)
            self.resolve(turn, duplicate, self.duplicates.resolved_notice(updated, summary, locale))

    def reopen(self, turn: Turn, ticket: Ticket) -> None:
        """Its requester may reopen a resolved ticket within ``reopen_days``; agents of its
        tier or above at any time."""
        reopen = TicketAction.REOPEN
        if not may(reopen, ticket, turn.user, turn.agent_tier):
            turn.refuse(refusal(turn, ticket, turn.say("agent.not_requester", key=ticket.key)))
            return
        if not TRANSITIONS[reopen].allows(ticket):
            refuse_inactive(turn, ticket, TRANSITIONS[reopen].refused_as)
            return
        window = timedelta(days=self.settings.reopen_days)
        can_work = turn.agent_tier is not None and turn.agent_tier >= ticket.tier
        if not can_work and ticket.resolved_at and turn.now - ticket.resolved_at > window:
            days = self.settings.reopen_days
            turn.refuse(turn.say("agent.reopen_window_over", key=ticket.key, count=days))
            return
        updated = self.change(turn, ticket, reopen)
        if updated is None:
            return
        self._set_requester_state(turn, updated, "idle")
        locale = self.requester_locale(updated)
        turn.tell_requester(
            updated,
            say("ticket.reopened_notice", locale, key=updated.key, tier=self.tier_name(updated)),
            locale=locale,
        )
        self.show_change(turn, updated, reopen, "reopened")
        if turn.conversation.id != updated.conversation_id:
            turn.reply(turn.say("agent.reopened", key=updated.key))

    # -- shared helpers -------------------------------------------------------------------

    def relay_to_requester(self, turn: Turn, ticket: Ticket, text: str) -> None:
        turn.emit(RelayToRequester(self.view(ticket), text, turn.person))
        turn.record(ticket.conversation_id, text, ticket_id=ticket.id, user=turn.user)

    def change(
        self,
        turn: Turn,
        ticket: Ticket,
        action: TicketAction,
        detail: str = "",
        *,
        chosen: User | None = None,
        priority: str | None = None,
    ) -> Ticket | None:
        """Do ``action`` as this turn's person (see ``transitions.perform``); when the ticket
        changed under them, tell them what it is now and return None."""
        updated = perform(
            turn.store,
            self.sla,
            ticket,
            action,
            turn.now,
            by=turn.user,
            detail=detail,
            chosen=chosen,
            priority=priority,
        )
        if updated is None:
            refuse_stale(turn, ticket, TRANSITIONS[action].refused_as)
        return updated

    def show_change(self, turn: Turn, ticket: Ticket, action: TicketAction, text: str) -> None:
        """Redraw the ticket's card, saying ``text`` about what ``action`` did."""
        turn.emit(UpdateTicketCard(self.view(ticket), text, TRANSITIONS[action].logged))

    def _set_requester_state(self, turn: Turn, ticket: Ticket, state: ConversationState) -> None:
        conversation = (
            turn.conversation
            if turn.conversation.id == ticket.conversation_id
            else turn.store.conversation(ticket.place, turn.now)
        )
        conversation.state = state
        conversation.ticket_id = ticket.id
        if conversation is not turn.conversation:
            turn.store.save_conversation(conversation, turn.now)

    def tier_name(self, ticket: Ticket) -> str:
        return self.agents.tier_name(ticket.tier)


def subject_line(question: str) -> str:
    """A ticket's subject: the question on one line, cut to ``SUBJECT_LIMIT``."""
    return " ".join(question.split())[:SUBJECT_LIMIT]


def rating_buttons(key: str, locale: str) -> tuple[Button, ...]:
    """1-5 and Reopen, offered when a ticket is resolved (by an agent or automatically)."""
    ratings = [Button(str(n), "rate", f"{key}:{n}") for n in RATINGS]
    return (*ratings, Button(say("button.reopen", locale), "reopen", key))

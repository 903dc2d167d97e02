"""Which ticket a message belongs to, when someone with an open ticket writes again.

A ticket lives in its own thread wherever the platform has threads (a thread in a Slack DM
or channel, a Discord private thread): what is written there is about it, and a new
top-level message is a new question. Where a ticket shares its conversation with new
questions (a Discord DM, the console) the words decide: an answer to an agent's question,
or a message soon after an agent (or the person) took the ticket further, belongs to it;
anything else is a question the knowledge base tries first. Either way its answer offers
"Add to T-1 instead"; when the knowledge base finds nothing (or, beside the ticket, is
unsure) the person is asked, once, which it is.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.actions import Button, ChangeKind, RelayToAgents
from bot.conversation.handover import Handover
from bot.records import Conversation, Ticket
from bot.tickets.desk import TicketDesk
from bot.tickets.refusals import status_label
from bot.turn import Turn

__all__ = [
    "PENDING_STATES",
    "Placed",
    "TicketSorting",
    "add_instead_button",
    "ask_which",
    "is_pending",
    "question_mark",
    "shares_conversation",
]

WORKED_ON = frozenset(
    {
        ChangeKind.CLAIMED,
        ChangeKind.ASSIGNED,
        ChangeKind.AGENT_REPLIED,
        ChangeKind.REQUESTER_REPLIED,
        ChangeKind.ESCALATED,
        ChangeKind.REOPENED,
        ChangeKind.DESCRIBED,
    }
)
"""A ticket's history entries that mean a conversation about it is going on: a message
soon after one is about the ticket (not its opening, notes or the SLA's entries). A
ticket opened without a question and then described is a conversation going on too."""
PENDING_STATES = frozenset({"answered", "choosing", "sorting"})
"""The conversation's question is still the person's to place (answered, offered, asked)."""


@dataclass(frozen=True)
class Placed:
    """A requester's message is about ``ticket``. ``acknowledge``: tell them it was added
    (they could not tell from where they wrote it); ``pending``: the question they were
    asked about goes first (they wrote on instead of answering)."""

    ticket: Ticket
    acknowledge: bool
    pending: str | None = None


class TicketSorting:
    def __init__(self, desk: TicketDesk, agent_reply_window: timedelta) -> None:
        self.desk = desk
        self.agent_reply_window = agent_reply_window
        self.handover = Handover(desk)

    def place(self, turn: Turn, here: Ticket | None, mine: Ticket | None) -> Placed | None:
        """The active ticket a message is about, or None for a new question. ``here`` is
        this conversation's active ticket, ``mine`` the person's newest open one: at the
        top of a DM whose ticket went on in a thread, that one counts too (its agents'
        words are shown there as well)."""
        ticket = here if here is not None else _moved_out_of_this_dm(turn, mine)
        if ticket is None:
            return None
        conversation = turn.conversation
        if turn.user.id != ticket.requester.id:
            return Placed(ticket, acknowledge=False)  # refused there, never a question
        if here is not None and _made_for_one_ticket(conversation):
            return Placed(ticket, acknowledge=False)
        if conversation.state == "sorting":  # asked once which it is, they wrote on
            return Placed(ticket, acknowledge=True, pending=conversation.question)
        if self.desk.awaits_question(ticket):  # opened without one: this says what about
            return Placed(ticket, acknowledge=True)
        if ticket.status == "waiting_on_user":  # an agent asked something: the answer
            return Placed(ticket, acknowledge=here is None)
        if self._worked_on_since(turn, ticket, turn.now - self.agent_reply_window):
            return Placed(ticket, acknowledge=True)
        return None

    def follow_up(self, turn: Turn, placed: Placed, text: str) -> None:
        """The message joins the ticket (after the question it was asked about, if any)."""
        ticket = placed.ticket
        if placed.pending:
            self._settle(turn, ticket, placed.pending)
            turn.emit(RelayToAgents(self.desk.view(ticket), placed.pending, turn.person))
        about = self.handover.question_in(text)  # "thanks" or "help" says what about
        self.desk.follow_up(turn, ticket, text, acknowledge=placed.acknowledge, about=about)

    def add(self, turn: Turn, value: str) -> None:
        """ "Add to T-1": the question its button was offered for joins the person's ticket,
        where the agents see it, wherever it was written."""
        key, _, mark = value.partition(":")
        conversation = turn.conversation
        ticket = turn.store.ticket_by_key(key) if self.desk.looks_like_key(key) else None
        question = conversation.question
        if ticket is None or ticket.requester.id != turn.user.id:
            turn.refuse(turn.say("choice.expired"))
            return
        if not ticket.active:
            status = status_label(ticket, turn.locale)
            turn.refuse(turn.say("sorting.ticket_not_active", key=ticket.key, status=status))
            return
        if not is_pending(turn, conversation, mark):
            turn.refuse(turn.say("choice.expired"))
            return
        assert question is not None  # is_pending checked it
        self._settle(turn, ticket, question)
        self.desk.follow_up(turn, ticket, question, acknowledge=True)

    @staticmethod
    def _settle(turn: Turn, ticket: Ticket, question: str) -> None:
        """The conversation's question, written before this event, ends on the ticket's
        transcript (the agents hear of it with the follow-up)."""
        conversation = turn.conversation
        conversation.state = "idle"
        turn.record(
            ticket.conversation_id, question, ticket_id=ticket.id, direction="in", user=turn.user
        )
        turn.store.settle_question(
            conversation.id, turn.now, outcome="added_to_ticket", ticket_id=ticket.id
        )

    @staticmethod
    def _worked_on_since(turn: Turn, ticket: Ticket, since: datetime) -> bool:
        """Whether people took the ticket further lately, in a way its requester saw."""
        return any(
            e.kind in WORKED_ON and e.at >= since for e in turn.store.ticket_events(ticket.id)
        )


def _moved_out_of_this_dm(turn: Turn, ticket: Ticket | None) -> Ticket | None:
    """``ticket``, when it went on in a thread of this DM, whose top this message is at."""
    place = turn.conversation.place
    if place.thread is not None or ticket is None:
        return None  # a thread is its own conversation
    if ticket.conversation_id == turn.conversation.id:
        return None
    moved_here = ticket.place.platform == place.platform and ticket.place.channel == place.channel
    return ticket if moved_here else None


def question_mark(question: str) -> str:
    """A short fingerprint of a question, carried by the buttons offered for it, so an
    older button never acts on a newer question."""
    return f"{zlib.crc32(question.encode('utf-8', 'surrogatepass')):08x}"


def is_pending(turn: Turn, conversation: Conversation, mark: str) -> bool:
    """Whether the conversation still holds this person's question that ``mark`` names."""
    return (
        conversation.state in PENDING_STATES
        and conversation.requester_id == turn.user.id
        and conversation.question is not None
        and mark == question_mark(conversation.question)
    )


def add_instead_button(turn: Turn, ticket: Ticket) -> Button:
    """Offered under an answer or a list of articles: the person meant their ticket."""
    value = f"{ticket.key}:{question_mark(turn.conversation.question or '')}"
    return Button(turn.say("button.add_to_ticket_instead", key=ticket.key), "add_to_ticket", value)


def ask_which(turn: Turn, ticket: Ticket, *, asked_for_person: bool) -> None:
    """Nothing in the knowledge base fits (or a person was asked for): is it about
    ``ticket``, or a new one? The ticket's subject is not repeated: others may read this."""
    turn.conversation.state = "sorting"
    mark = question_mark(turn.conversation.question or "")
    buttons = (
        Button(
            turn.say("button.add_to_ticket", key=ticket.key),
            "add_to_ticket",
            f"{ticket.key}:{mark}",
            "primary",
        ),
        Button(
            turn.say("button.new_ticket"),
            "new_ticket",
            f"{'person' if asked_for_person else 'question'}:{mark}",
        ),
    )
    message = "sorting.ask_person" if asked_for_person else "sorting.ask"
    turn.reply(turn.say(message, key=ticket.key), buttons)


def shares_conversation(turn: Turn, ticket: Ticket | None) -> bool:
    """Whether ``ticket`` lives in this very conversation (no threads here): a question
    the knowledge base is unsure of is then rather about it, and the person is asked."""
    return ticket is not None and ticket.conversation_id == turn.conversation.id


def _made_for_one_ticket(conversation: Conversation) -> bool:
    """A thread: made for the ticket, or a channel thread that is one question's own."""
    return conversation.kind == "ticket" or conversation.place.thread is not None

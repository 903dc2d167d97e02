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

from datetime import datetime, timedelta

from bot.actions import Button, ChangeKind
from bot.records import Conversation, Ticket
from bot.tickets.desk import TicketDesk
from bot.tickets.refusals import status_label
from bot.turn import Turn

__all__ = [
    "PENDING_STATES",
    "TicketSorting",
    "add_instead_button",
    "ask_which",
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
    }
)
"""A ticket's history entries that mean a conversation about it is going on: a message
soon after one is about the ticket (not its opening, notes or the SLA's entries)."""
PENDING_STATES = frozenset({"answered", "choosing", "sorting"})
"""The conversation's question is still the person's to place (answered, offered, asked)."""


class TicketSorting:
    def __init__(self, desk: TicketDesk, agent_reply_window: timedelta) -> None:
        self.desk = desk
        self.agent_reply_window = agent_reply_window

    def belongs(self, turn: Turn, ticket: Ticket) -> bool:
        """Whether a message written in active ``ticket``'s own conversation is about it."""
        conversation = turn.conversation
        if turn.user.id != ticket.requester.id or _made_for_one_ticket(conversation):
            return True  # (a bystander's words are refused there, never taken as a question)
        if conversation.state == "sorting":
            return True  # asked once which it is: not again for every message
        if ticket.status == "waiting_on_user":
            return True  # an agent asked something: this is the answer
        return self._worked_on_since(turn, ticket, turn.now - self.agent_reply_window)

    def add(self, turn: Turn, key: str) -> None:
        """ "Add to T-1": the question this conversation holds joins the person's ticket,
        where the agents see it, wherever it was written."""
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
        pending = conversation.state in PENDING_STATES and conversation.requester_id == turn.user.id
        if not pending or not question:
            turn.refuse(turn.say("choice.expired"))
            return
        conversation.state = "idle"
        turn.record(
            ticket.conversation_id, question, ticket_id=ticket.id, direction="in", user=turn.user
        )
        self.desk.follow_up(turn, ticket, question, acknowledge=True)
        turn.store.settle_question(
            conversation.id, turn.now, outcome="added_to_ticket", ticket_id=ticket.id
        )

    @staticmethod
    def _worked_on_since(turn: Turn, ticket: Ticket, since: datetime) -> bool:
        """Whether people took the ticket further lately, in a way its requester saw."""
        return any(
            e.kind in WORKED_ON and e.at >= since for e in turn.store.ticket_events(ticket.id)
        )


def add_instead_button(turn: Turn, ticket: Ticket) -> Button:
    """Offered under an answer or a list of articles: the person meant their ticket."""
    return Button(
        turn.say("button.add_to_ticket_instead", key=ticket.key), "add_to_ticket", ticket.key
    )


def ask_which(turn: Turn, ticket: Ticket, *, asked_for_person: bool) -> None:
    """Nothing in the knowledge base fits: is it about ``ticket``, or a new one?"""
    turn.conversation.state = "sorting"
    buttons = (
        Button(
            turn.say("button.add_to_ticket", key=ticket.key), "add_to_ticket", ticket.key, "primary"
        ),
        Button(turn.say("button.new_ticket"), "new_ticket", "person" if asked_for_person else ""),
    )
    turn.reply(turn.say("sorting.ask", key=ticket.key, subject=ticket.subject[:80]), buttons)


def shares_conversation(turn: Turn, ticket: Ticket | None) -> bool:
    """Whether ``ticket`` lives in this very conversation (no threads here): a question
    the knowledge base is unsure of is then rather about it, and the person is asked."""
    return ticket is not None and ticket.conversation_id == turn.conversation.id


def _made_for_one_ticket(conversation: Conversation) -> bool:
    """A thread: made for the ticket, or a channel thread that is one question's own."""
    return conversation.kind == "ticket" or conversation.place.thread is not None

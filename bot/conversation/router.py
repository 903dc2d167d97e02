"""Routing one event, inside its transaction, to the part of the desk that acts on it:
the answerer for questions and their buttons, the ticket desk and the agents' commands
for tickets, article learning for forms, the requester commands for the rest."""

from __future__ import annotations

from typing import assert_never

from bot.commands import AGENT_COMMANDS
from bot.conversation.answering import Answerer
from bot.conversation.inbound import inbound_of
from bot.conversation.limits import InboundLimits
from bot.conversation.requester_commands import RequesterCommands
from bot.conversation.sorting import TicketSorting
from bot.events import (
    ArticleSubmitted,
    ButtonPressed,
    CommandIssued,
    Event,
    MessageReceived,
    Person,
)
from bot.learning.save_article import ArticleLearning
from bot.records import Ticket
from bot.tickets.agent_commands import AgentCommands
from bot.tickets.desk import TicketDesk
from bot.tickets.rating import Rating
from bot.turn import Turn

__all__ = ["Router"]


class Router:
    def __init__(
        self,
        desk: TicketDesk,
        answerer: Answerer,
        sorting: TicketSorting,
        commands: AgentCommands,
        requester_commands: RequesterCommands,
        learning: ArticleLearning,
        limits: InboundLimits,
        note_prefix: str,
    ) -> None:
        self.desk = desk
        self.rating = Rating(desk)
        self.answerer = answerer
        self.sorting = sorting
        self.commands = commands
        self.requester_commands = requester_commands
        self.learning = learning
        self.limits = limits
        self.note_prefix = note_prefix

    def route(self, turn: Turn, event: Event) -> None:
        if self._flooding(turn, event):
            return
        match event:
            case MessageReceived(text=text):
                self._message(turn, text)
            case ButtonPressed(action=action, value=value):
                self._button(turn, action, value)
            case ArticleSubmitted():
                self.learning.save(turn, event)
            case CommandIssued(name=name, args=args, quoting=quoting):
                self._command(turn, name.lower(), list(args), quoting)
            case _:
                assert_never(event)

    def _flooding(self, turn: Turn, event: Event) -> bool:
        """Over the rate, which counts everything a person sends (agents are never over it:
        the desk's own staff, whose bursts are work). A message stays stored, on the
        person's ticket if one is open; a command, press or form changes nothing. Either
        way they hear once, when the bot listens again."""
        if turn.agent_tier is not None:
            return False
        if inbound_of(event) is None:  # not stored as a message: counted through its event
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
        active = ticket if ticket is not None and ticket.active else None
        if ticket is not None and turn.conversation.kind == "agents":
            self._agents_workspace(turn, ticket, text)
        elif active and turn.agent_tier is not None and turn.user.id != active.requester.id:
            self._agent_speaks_in_ticket(turn, active)
        elif ticket is not None and not active and turn.conversation.state == "commenting":
            self.rating.comment(turn, ticket, text)
        else:
            self._requesters_message(turn, text, active)

    def _requesters_message(self, turn: Turn, text: str, active: Ticket | None) -> None:
        """About a ticket, or a new question. The person's newest open ticket is looked up
        once, for both: placing the message, and offering "Add to T-1 instead"."""
        mine = self.desk.open_ticket_of(turn)
        if (placed := self.sorting.place(turn, active, mine)) is not None:
            self.sorting.follow_up(turn, placed, text)
        else:
            self.answerer.question(turn, text, mine)

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
        prefix = self.note_prefix
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
            case "add_to_ticket":
                self.sorting.add(turn, value)
            case "new_ticket":
                self.answerer.new_ticket(turn, value)
            case "rate":
                self.rating.rate(turn, value)
            case "skip_comment":
                self.rating.skip_comment(turn)
            case "reopen":
                self.requester_commands.reopen(turn, [value])
            case "claim" | "unclaim" | "resolve":
                self.commands.run(turn, action, [value])
            case _:
                turn.refuse(turn.say("choice.expired"))

    def _command(self, turn: Turn, name: str, args: list[str], quoting: Person | None) -> None:
        if name in AGENT_COMMANDS:
            self.commands.run(turn, name, args)
        else:
            self.requester_commands.run(turn, name, args, quoting)

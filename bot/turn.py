"""One handled event's context: who, where, the open transaction, and the actions so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.actions import Action, Button, Refuse, Reply
from bot.events import Person
from bot.i18n.catalogues import SOURCE_LOCALE
from bot.i18n.messages import say
from bot.records import Conversation, Ticket, User
from bot.store.conversation import ConversationStore
from bot.store.learning import QuestionStore
from bot.store.tickets import TicketStore

__all__ = ["Turn", "TurnStore"]


class TurnStore(ConversationStore, TicketStore, QuestionStore, Protocol):
    """What handling one event may read and change: the conversation, its tickets and
    the questions asked in it (never the outbox or the sweep's queries)."""


@dataclass
class Turn:
    """Collects the actions for one event and records what the bot says as it says it.

    ``ticket_id`` is the ticket the inbound message turned out to belong to, so the
    stored message joins that ticket's transcript. ``locale`` is the language this person
    is answered in: their own as a requester, the help desk's for an agent.
    """

    store: TurnStore
    now: datetime
    person: Person
    user: User
    conversation: Conversation
    agent_tier: int | None
    locale: str = SOURCE_LOCALE
    command_prefix: str = "/"
    """How people type a command here (``/tier0 `` on Slack), for hints in what the bot says."""
    private: bool = False
    """This person issued a command: what is said back is for them alone (``Reply.to``),
    except in a ticket's agents' workspace, where the team works in the open."""
    actions: list[Action] = field(default_factory=list)
    ticket_id: int | None = None

    @property
    def in_agents_workspace(self) -> bool:
        """Whether this event came from a ticket card's thread, where agents work."""
        return self.conversation.kind == "agents"

    def say(self, message_id: str, **values: object) -> str:
        """A catalogue message in this person's language; its ``{cmd}`` hints at commands
        the way they are typed here."""
        return say(message_id, self.locale, **{"cmd": self.command_prefix, **values})

    def emit(self, action: Action) -> None:
        self.actions.append(action)

    def reply(
        self, text: str, buttons: tuple[Button, ...] = (), *, ticket_key: str | None = None
    ) -> None:
        """Say something in this conversation (stored as an outbound message), to this
        person alone when answering their command (see ``private``); ``ticket_key`` when
        it announces a new ticket (see ``Reply``)."""
        to = self.person if self.private and not self.in_agents_workspace else None
        self.emit(Reply(self.conversation.place, text, buttons, self.locale, to, ticket_key))
        self.record(self.conversation.id, text, ticket_id=self.conversation.ticket_id)

    def refuse(self, reason: str) -> None:
        """Tell only this person that what they asked for was not done."""
        self.emit(Refuse(self.person, self.conversation.place, reason))

    def tell_requester(self, ticket: Ticket, text: str, *, locale: str) -> None:
        """Post a bot notice, written in the requester's ``locale``, in the ticket's own
        conversation (wherever this event came from)."""
        self.emit(Reply(ticket.place, text, (), locale))
        self.record(ticket.conversation_id, text, ticket_id=ticket.id)

    def record(
        self,
        conversation_id: int,
        text: str,
        *,
        ticket_id: int | None,
        direction: str = "out",
        user: User | None = None,
    ) -> None:
        self.store.record_message(
            conversation_id, text, direction, self.now, user=user, ticket_id=ticket_id
        )

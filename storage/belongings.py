"""What belongs to a person: the rows that export shows them and erasure blanks.

- their user row, the messages they wrote, the feedback they gave;
- the tickets they asked for, with everything written on them (replies, notes, history,
  comments, and agents' messages in the tickets' card threads);
- their own conversations (those no other person wrote in), with what the bot said there.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bot.delivery.lanes import lane_of_place
from storage.models import (
    ConversationRow,
    FeedbackRow,
    MessageRow,
    OutboxRow,
    QuestionRow,
    TicketEventRow,
    TicketRow,
)
from storage.rows import place_of

__all__ = ["Belongings", "PersonRows"]


class PersonRows:
    """Finds a person's rows; mixed into the privacy queries with the store's session."""

    session: Session
    key_prefix: str

    def own_rows(self, mine: Belongings) -> dict[str, ColumnElement[bool]]:
        """The person's rows, by kind (as ``storage.quoted`` names them): blanked whole."""
        ticket_ids = mine.ticket_ids
        return {
            "message": mine.messages(staff=True),
            "ticket_subject": TicketRow.id.in_(ticket_ids),
            "ticket_history": TicketEventRow.ticket_id.in_(ticket_ids),
            "feedback": FeedbackRow.user_id == mine.user_id,
            "question": (QuestionRow.user_id == mine.user_id)
            | QuestionRow.ticket_id.in_(ticket_ids),
            "conversation": ConversationRow.id.in_([c.id for c in mine.conversations]),
            "outbox": OutboxRow.lane.in_([_lane(c) for c in mine.conversations]),
        }

    def belongings(self, user_id: int) -> Belongings:
        tickets = self.session.scalars(
            select(TicketRow).where(TicketRow.requester_id == user_id).order_by(TicketRow.id)
        ).all()
        ticket_ids = [ticket.id for ticket in tickets]
        return Belongings(
            user_id,
            tickets,
            self._conversations_of(user_id, ticket_ids),
            self._commands_naming([self._key(ticket_id) for ticket_id in ticket_ids]),
            self._workspaces_of(ticket_ids),
        )

    def _workspaces_of(self, ticket_ids: Collection[int]) -> list[int]:
        """Their tickets' card threads, where agents write about the ticket (the replies
        relayed to them, notes, and what else agents say there)."""
        return list(
            self.session.scalars(
                select(ConversationRow.id).where(
                    ConversationRow.kind == "agents", ConversationRow.ticket_id.in_(ticket_ids)
                )
            )
        )

    def _conversations_of(
        self, user_id: int, ticket_ids: Collection[int]
    ) -> Sequence[ConversationRow]:
        """Their tickets' conversations, and those only they wrote in (a DM, their thread)."""
        wrote_in = select(MessageRow.conversation_id).where(
            MessageRow.direction == "in", MessageRow.user_id == user_id
        )
        others_wrote_in = select(MessageRow.conversation_id).where(
            MessageRow.direction == "in", MessageRow.user_id != user_id
        )
        ticket_places = select(TicketRow.conversation_id).where(TicketRow.id.in_(ticket_ids))
        return self.session.scalars(
            select(ConversationRow)
            .where(
                ConversationRow.id.in_(ticket_places)
                | (
                    ConversationRow.id.in_(wrote_in)
                    & ConversationRow.id.not_in(others_wrote_in)
                    & (ConversationRow.kind == "requester")
                )
            )
            .order_by(ConversationRow.id)
        ).all()

    def _commands_naming(self, keys: Sequence[str]) -> list[int]:
        """Agents' commands typed elsewhere about these tickets (``/reply T-7 ...``): the
        stored command is not part of the ticket, but its words are about the requester."""
        if not keys:
            return []
        candidates = self.session.execute(
            select(MessageRow.id, MessageRow.text).where(
                MessageRow.direction == "in",
                MessageRow.event_kind == "command",
                or_(*(MessageRow.text.icontains(key, autoescape=True) for key in keys)),
            )
        )
        naming = re.compile(
            "|".join(rf"(?<![\w-]){re.escape(key)}(?!\d)" for key in keys), re.IGNORECASE
        )
        return [row.id for row in candidates if naming.search(row.text)]

    def _key(self, ticket_id: int) -> str:
        return f"{self.key_prefix}-{ticket_id}"


@dataclass(frozen=True)
class Belongings:
    """What is stored about one person (see the module docstring), found once and read
    by export and erasure alike."""

    user_id: int
    tickets: Sequence[TicketRow]
    conversations: Sequence[ConversationRow]
    staff_commands: Sequence[int]
    workspaces: Sequence[int]

    @property
    def ticket_ids(self) -> list[int]:
        return [ticket.id for ticket in self.tickets]

    def messages(self, *, staff: bool) -> ColumnElement[bool]:
        """What they wrote, everything on their tickets, what the bot said to them, and
        (``staff``) what agents wrote about their tickets: commands naming them, and every
        message in their card threads (notes typed there included, hence staff only)."""
        return or_(
            MessageRow.user_id == self.user_id,
            MessageRow.ticket_id.in_(self.ticket_ids),
            MessageRow.user_id.is_(None)
            & MessageRow.conversation_id.in_([c.id for c in self.conversations]),
            MessageRow.id.in_(self.staff_commands if staff else []),
            MessageRow.conversation_id.in_(self.workspaces if staff else []),
        )


def _lane(conversation: ConversationRow) -> str:
    """The outbox lane of everything said in (or about a ticket of) this conversation."""
    return lane_of_place(place_of(conversation))

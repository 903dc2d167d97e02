"""After a ticket is resolved, its requester rates the help (1-5) and may add a comment."""

from __future__ import annotations

from bot.actions import Button
from bot.records import Ticket
from bot.tickets.desk import RATINGS, TicketDesk
from bot.turn import Turn

__all__ = ["Rating"]


class Rating:
    """The rating buttons' presses and the comment after them, the requester's alone."""

    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk

    def rate(self, turn: Turn, value: str) -> None:
        key, _, rating_text = value.rpartition(":")
        ticket = self.desk.current_ticket(turn)
        if self.desk.someone_elses(turn, ticket):
            return
        if ticket is None or turn.conversation.state != "rating" or ticket.key != key:
            turn.refuse(turn.say("choice.expired"))
            return
        if not rating_text.isdigit() or int(rating_text) not in RATINGS:
            turn.refuse(turn.say("rating.invalid"))
            return
        rating = int(rating_text)
        turn.store.add_feedback(
            user=turn.user,
            conversation=turn.conversation,
            kind="rating",
            now=turn.now,
            ticket_id=ticket.id,
            rating=rating,
        )
        turn.store.log_ticket_event(ticket, turn.user, "rated", turn.now, detail=f"{rating}/5")
        turn.conversation.state = "commenting"
        turn.reply(
            turn.say("rating.thanks_ask_comment", key=ticket.key, rating=rating),
            (Button(turn.say("button.skip"), "skip_comment", ticket.key),),
        )

    def comment(self, turn: Turn, ticket: Ticket, text: str) -> None:
        if self.desk.someone_elses(turn, ticket):
            return
        turn.ticket_id = ticket.id
        turn.store.add_feedback(
            user=turn.user,
            conversation=turn.conversation,
            kind="comment",
            now=turn.now,
            ticket_id=ticket.id,
            comment=text,
        )
        turn.conversation.state = "idle"
        turn.reply(turn.say("rating.comment_thanks", key=ticket.key))

    def skip_comment(self, turn: Turn) -> None:
        ticket = self.desk.current_ticket(turn)
        if self.desk.someone_elses(turn, ticket):
            return
        if turn.conversation.state != "commenting" or ticket is None:
            turn.refuse(turn.say("choice.expired"))
            return
        turn.conversation.state = "idle"
        turn.reply(turn.say("rating.skipped"))

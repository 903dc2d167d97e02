"""What an adapter may ask of the engine: the adapters' whole view of the core.

Adapters get this, not the application object, so they cannot reach the database, the
settings of other platforms or the scheduler; ``bot.conversation.engine.Engine`` is the
implementation the composition root hands them.
"""

from __future__ import annotations

from typing import Protocol

from bot.actions import TicketView
from bot.delivery.outbox import Delivery, Outbox
from bot.events import Event, Person, Place
from bot.learning.drafts import ArticleDraft
from bot.records import Card

__all__ = ["EnginePort"]


class EnginePort(Protocol):
    @property
    def outbox(self) -> Outbox:
        """Where the actions decided wait to be sent (the adapter's dispatcher sends them)."""
        ...

    def handle(self, event: Event, *, redeliverable: bool = False) -> list[Delivery]:
        """Act on one event; the stored actions to send (id 0: not stored, send now)."""
        ...

    def ticket(self, key: str) -> TicketView | None:
        """The ticket as it is now: where its conversation went, say."""
        ...

    def cards(self, key: str) -> list[Card]:
        """Where the ticket's cards are, oldest first, for editing them in place."""
        ...

    def attach_card(self, key: str, card: Card, workspace: Place | None) -> None:
        """The adapter posted a ticket's card; ``workspace`` is where agents discuss it."""
        ...

    def move_ticket(self, key: str, place: Place) -> None:
        """The ticket's conversation continues in ``place`` (a private thread made for it)."""
        ...

    def draft_article(self, person: Person, key: str) -> ArticleDraft | str:
        """The article an agent may save from a resolved ticket, for review, or why not."""
        ...

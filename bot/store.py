"""The whole storage contract: every domain's store in one, as ``storage.repository``
implements it and the wiring hands it out, one per unit of work.

Services take only the part they use (``bot.conversation.store``, ``bot.tickets.store``,
``bot.sla.store``, ``bot.learning.store``, ``bot.delivery.store``); this union is for the
code that passes the whole of it on (the wiring, the scheduled jobs). A ``Store`` lives for
one transaction and never commits by itself.
"""

from __future__ import annotations

from typing import Protocol

from bot import unit_of_work
from bot.conversation.store import ConversationStore
from bot.delivery.store import DeliveryStore
from bot.learning.store import QuestionStore
from bot.sla.store import SlaStore
from bot.tickets.store import TicketStore

__all__ = ["Store", "UnitOfWork"]


class Store(ConversationStore, TicketStore, QuestionStore, DeliveryStore, SlaStore, Protocol):
    """Everything tier0 keeps."""


UnitOfWork = unit_of_work.UnitOfWork[Store]
"""Opens one transaction on the whole store."""

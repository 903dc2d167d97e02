"""The storage contract: one protocol per domain in this package (``conversation``,
``tickets``, ``sla``, ``learning``, ``delivery``), and ``Store``, all of them in one, as
``storage.repository`` implements it and the wiring hands it out, one per unit of work.

Services take only the part they use; the union is for the code that passes the whole of
it on (the wiring, the scheduled jobs). A ``Store`` lives for one transaction and never
commits by itself. The protocols sit below every domain, so any domain may name what it
needs without importing another domain's services.
"""

from __future__ import annotations

from typing import Protocol

from bot.store import unit_of_work
from bot.store.conversation import ConversationStore
from bot.store.delivery import DeliveryStore
from bot.store.learning import QuestionStore
from bot.store.sla import SlaStore
from bot.store.tickets import TicketStore

__all__ = ["Store", "UnitOfWork"]


class Store(ConversationStore, TicketStore, QuestionStore, DeliveryStore, SlaStore, Protocol):
    """Everything tier0 keeps."""


UnitOfWork = unit_of_work.UnitOfWork[Store]
"""Opens one transaction on the whole store."""

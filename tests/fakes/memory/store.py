"""The in-memory store: every domain's fake in one, opened one transaction at a time."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.store import Store
from tests.fakes.memory.conversations import MemoryConversations
from tests.fakes.memory.delivery import MemoryDelivery
from tests.fakes.memory.questions import MemoryQuestions
from tests.fakes.memory.sla import MemorySla
from tests.fakes.memory.tables import Tables
from tests.fakes.memory.tickets import MemoryTickets

__all__ = ["MemoryDatabase", "MemoryStore"]


class MemoryStore(MemoryConversations, MemoryTickets, MemoryQuestions, MemoryDelivery, MemorySla):
    """One transaction's view of the tables (``bot.store.Store`` in memory)."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables


class MemoryDatabase:
    """Tables that live as long as a test, and units of work on them.

    A unit of work is all or nothing: the tables are copied when it starts and put back if
    its block raises. One runs at a time (as SQLite's ``BEGIN IMMEDIATE`` lets one writer
    in), so events handled on several threads take turns; opening one inside another on
    the same thread would wait forever on a database too, so it is refused.
    """

    def __init__(self, key_prefix: str = "T") -> None:
        self.tables = Tables(key_prefix)
        self._lock = threading.Lock()
        self._holder: int | None = None

    @contextmanager
    def unit_of_work(self) -> Iterator[Store]:
        if self._holder == threading.get_ident():
            raise RuntimeError("a unit of work is already open on this thread")
        with self._lock:
            self._holder = threading.get_ident()
            before = copy.deepcopy(self.tables)
            try:
                yield MemoryStore(self.tables)
            except BaseException:
                self.tables = before
                raise
            finally:
                self._holder = None

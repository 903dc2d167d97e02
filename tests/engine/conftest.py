"""The engine's dialogues run on the in-memory store (``tests.fakes.memory``): what they
specify is the conversation, not the database, which ``tests/storage`` holds to the same
contract. A module opts in by taking ``memory_chat`` as its ``chat``."""

from __future__ import annotations

import pytest

from bot.conversation.engine import Engine
from bot.settings import Settings
from kb import KnowledgeBase
from tests.fakes.memory import MemoryDatabase
from tests.support.chat import Chat, FakeClock


@pytest.fixture
def memory() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def memory_chat(
    memory: MemoryDatabase, sample_kb: KnowledgeBase, settings: Settings, clock: FakeClock
) -> Chat:
    return Chat(Engine(settings, sample_kb, memory.unit_of_work, clock), clock)


@pytest.fixture
def memory_choosing_chat(
    memory: MemoryDatabase,
    sample_kb: KnowledgeBase,
    choosing_settings: Settings,
    clock: FakeClock,
) -> Chat:
    """The choice flow (offers, never answers), on the in-memory store."""
    return Chat(Engine(choosing_settings, sample_kb, memory.unit_of_work, clock), clock)

"""Engine fixtures: the sample knowledge base, a fake clock and a chat over real storage."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.engine import Engine
from kb import KnowledgeBase, load_articles
from storage.db import Database
from tests.support.chat import Chat, FakeClock


@pytest.fixture(scope="session")
def sample_kb() -> KnowledgeBase:
    loaded = load_articles(Settings().kb.paths)
    assert not loaded.errors, loaded.errors
    return KnowledgeBase.build(loaded.articles)


@pytest.fixture
def settings() -> Settings:
    """Default settings: tiers "Service desk" (console:alice) and "Specialists" (console:bob)."""
    return Settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chat(
    database: Database, sample_kb: KnowledgeBase, settings: Settings, clock: FakeClock
) -> Chat:
    return Chat(Engine(settings, sample_kb, database.unit_of_work, clock), clock)

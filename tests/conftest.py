"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, the in-memory
store, a chat engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as SqlEngine

from bot.conversation.engine import Engine
from bot.settings import KBSettings, Settings
from kb import KnowledgeBase, load_articles
from storage.db import Database
from tests.fakes.memory import MemoryDatabase
from tests.support import databases
from tests.support.chat import Chat, FakeClock


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _postgres() -> Iterator[SqlEngine | str]:
    yield from databases.postgres_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[Database]:
    """A migrated, empty database: each test using it runs once per backend."""
    db = databases.for_test(request, request.param, tmp_path, _sqlite_template)
    yield db
    db.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[databases.Backend]:
    """Every implementation of the storage contract: each test using it runs once on the
    in-memory fake and once per database, so the fake cannot drift from them."""
    if request.param == "memory":
        yield MemoryDatabase()
        return
    database = databases.for_test(request, request.param, tmp_path, _sqlite_template)
    yield database
    database.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if databases.POSTGRES_SKIPS:
        terminalreporter.section("PostgreSQL NOT TESTED", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(databases.POSTGRES_SKIPS)} storage tests did not run on PostgreSQL because "
            "it was unreachable; only SQLite was tested. Start PostgreSQL (see README) and rerun."
        )


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


@pytest.fixture
def choosing_settings() -> Settings:
    """Never confident enough to answer, always something to offer: forces the choice flow."""
    return Settings(kb=KBSettings(answer_threshold=1.0, suggest_threshold=0.0))


@pytest.fixture
def choosing_chat(
    database: Database, sample_kb: KnowledgeBase, choosing_settings: Settings, clock: FakeClock
) -> Chat:
    return Chat(Engine(choosing_settings, sample_kb, database.unit_of_work, clock), clock)

"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, a chat engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as SqlEngine

from bot.conversation.engine import Engine
from bot.settings import Settings
from kb import KnowledgeBase, load_articles
from storage.db import Database
from tests.support import databases
from tests.support.chat import Chat, FakeClock

_postgres_skips: list[str] = []


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
    if request.param == "sqlite":
        db = databases.sqlite_database(_sqlite_template, tmp_path)
    else:
        postgres = request.getfixturevalue("_postgres")
        if isinstance(postgres, str):
            if databases.REQUIRE_POSTGRES:
                pytest.fail(f"TIER0_REQUIRE_POSTGRES is set but {postgres}")
            _postgres_skips.append(request.node.nodeid)
            pytest.skip(postgres)
        db = databases.emptied(postgres)
    yield db
    db.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skips:
        terminalreporter.section("PostgreSQL NOT TESTED", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_postgres_skips)} storage tests did not run on PostgreSQL because it was "
            "unreachable; only SQLite was tested. Start PostgreSQL (see README) and rerun."
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

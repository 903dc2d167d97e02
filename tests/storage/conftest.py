"""Shared scenery for the storage contract: a requester in a Slack thread, and a clock.

The contract runs on every implementation of ``bot.store.Store``: the in-memory fake the
engine's dialogue tests use, SQLite and PostgreSQL (``backend``); what only a database
does (its own columns, time zones, locks) is tested on the databases alone (``database``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from bot.attempts import Attempt
from bot.events import Person, Place
from bot.records import Conversation, Ticket, User
from bot.store import Store
from storage.db import Database, connect
from tests.support import databases
from tests.support.databases import Backend

T = TypeVar("T")

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
ANN = Person("slack", "U-ANN", "Ann", "en")
HOME = Place("slack", "C-HELP", "1714555800.000100")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Scene:
    """What most tests start from, already committed: Ann asking in a help thread."""

    database: Backend
    requester: User
    conversation: Conversation

    def open_ticket(
        self,
        store: Store,
        subject: str = "VPN drops",
        now: datetime = T0,
        attempts: tuple[Attempt, ...] = (),
    ) -> Ticket:
        return store.open_ticket(
            requester=self.requester,
            conversation=self.conversation,
            subject=subject,
            priority="normal",
            tier=1,
            failed_article_id=None,
            now=now,
            attempts=attempts,
        )

    def agent(self, store: Store, ident: str, name: str = "") -> User:
        return store.save_user(Person("slack", ident, name or ident), "agent", T0)


def set_scene(backend: Backend) -> Scene:
    with backend.unit_of_work() as store:
        requester = store.save_user(ANN, "requester", T0)
        conversation = store.conversation(HOME, T0)
    return Scene(backend, requester, conversation)


@pytest.fixture
def scene(backend: Backend) -> Scene:
    """The scenery, on every implementation of the contract."""
    return set_scene(backend)


@pytest.fixture
def blank(database: Database, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all, on the same backend as ``database``."""
    if database.engine.dialect.name == "sqlite":
        engine = connect(f"sqlite:///{tmp_path / 'blank.db'}")
        yield engine
        engine.dispose()
        return
    with databases.fresh_schema("tier0_blank") as schema:
        engine = databases.schema_engine(schema)
        yield engine
        engine.dispose()


@pytest.fixture
def sql_scene(database: Database) -> Scene:
    """The scenery, on the databases only: for what only they do."""
    return set_scene(database)


def race(workers: int, attempt: Callable[[int], T]) -> list[T]:
    """Run ``attempt(0..workers-1)`` on as many threads, released together by a barrier."""
    barrier = threading.Barrier(workers)

    def run(index: int) -> T:
        barrier.wait(timeout=10)
        return attempt(index)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, index) for index in range(workers)]
        return [future.result(timeout=30) for future in futures]


@pytest.fixture
def dialect(database: Database) -> str:
    return database.engine.dialect.name

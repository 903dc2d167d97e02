"""A busy database is not an outage: an event another transaction kept waiting past the
lock timeout is tried again at once, and spooled (never lost) only if it stays in the way;
the outage rule (spool and tell the writer "can't reach my records") is for a database
that cannot be reached."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from bench.load_world import free_port
from bot.actions import Refuse
from bot.conversation.engine import Engine
from bot.delivery.spool import EventSpool
from bot.i18n.messages import say
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database
from storage.spool import SqliteSpool, is_contention, is_outage
from tests.support import databases
from tests.support.chat import Chat, FakeClock

BUSY_TIMEOUT_MS = 100


@pytest.fixture
def sqlite_file(tmp_path: Path, _sqlite_template: Path) -> Iterator[Database]:
    """A SQLite database that gives up waiting for a lock after 0.1 s (30 s by default)."""
    db = databases.sqlite_database(_sqlite_template, tmp_path)

    @event.listens_for(db.engine, "connect")
    def _short_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    db.engine.dispose()
    yield db
    db.close()


@pytest.fixture
def chat(
    sqlite_file: Database, sample_kb: KnowledgeBase, clock: FakeClock, spool: SqliteSpool
) -> Chat:
    rules = EventSpool(spool, is_outage, is_contention)
    return Chat(Engine(Settings(), sample_kb, sqlite_file.unit_of_work, clock, spool=rules), clock)


class WriteLock:
    """Another process's write transaction on the same SQLite file, held until released."""

    def __init__(self, database: Database) -> None:
        path = database.engine.url.database
        assert path
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self._connection.execute("COMMIT")
        self._connection.close()


def inbound(database: Database) -> list[tuple[str, bool]]:
    """Each stored inbound message and whether it was handled, oldest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT text, handled_at FROM messages WHERE direction = 'in' ORDER BY id")
        ).all()
    return [(row[0], row[1] is not None) for row in rows]


def test_a_lock_held_past_the_timeout_for_a_moment_is_waited_out_not_spooled(
    chat: Chat, sqlite_file: Database, spool: SqliteSpool
) -> None:
    lock = WriteLock(sqlite_file)
    threading.Timer(3 * BUSY_TIMEOUT_MS / 1000, lock.release).start()

    turn = chat.say("my vpn won't connect")

    assert turn.answer() and not turn.of(Refuse)
    assert len(spool) == 0
    assert inbound(sqlite_file) == [("my vpn won't connect", True)]


def test_a_lock_that_outlasts_every_try_keeps_the_event_and_it_is_handled_once_after(
    chat: Chat, sqlite_file: Database, spool: SqliteSpool
) -> None:
    chat.say("talk to a human")
    lock = WriteLock(sqlite_file)
    try:
        held = chat.say("detail 1")
    finally:
        lock.release()
    after = chat.say("detail 2")

    assert held.refusal() == say("spool.kept")
    assert not after.of(Refuse) and len(spool) == 0
    assert inbound(sqlite_file) == [
        ("talk to a human", True),
        ("detail 1", True),
        ("detail 2", True),
    ]


def sqlite_locked_error(tmp_path: Path) -> DBAPIError:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
    except DBAPIError as error:
        return error
    finally:
        engine.dispose()
        holder.close()
    raise AssertionError("the write was not refused")


def test_sqlite_busy_is_contention_and_a_missing_file_an_outage(tmp_path: Path) -> None:
    locked = sqlite_locked_error(tmp_path)
    engine = create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'x.db'}")
    with pytest.raises(OperationalError) as unopenable:
        engine.connect()
    engine.dispose()

    assert "locked" in str(locked) and is_contention(locked) and not is_outage(locked)
    assert is_outage(unopenable.value) and not is_contention(unopenable.value)


@pytest.fixture
def postgres() -> Iterator[str]:
    """The shared test server's URL (its schema is not used: these errors need none)."""
    with databases.fresh_schema_or_skip("tier0_contention"):
        yield databases.POSTGRES_URL


def test_postgresql_lock_timeouts_are_contention_and_a_lost_server_an_outage(
    postgres: str,
) -> None:
    engine = create_engine(postgres)
    try:
        with engine.connect() as holder, engine.connect() as waiter:
            holder.execute(text("SELECT pg_advisory_lock(8008)"))
            waiter.execute(text("SET lock_timeout = '50ms'"))
            with pytest.raises(OperationalError) as timed_out:
                waiter.execute(text("SELECT pg_advisory_lock(8008)"))
            pid = waiter.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            waiter.rollback()
            holder.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as terminated:
                waiter.execute(text("SELECT 1"))
            with pytest.raises(DBAPIError) as bad_query:
                holder.execute(text("SELECT * FROM no_such_table"))
    finally:
        engine.dispose()
    refused_engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    with pytest.raises(OperationalError) as refused:
        refused_engine.connect()

    assert is_contention(timed_out.value) and not is_outage(timed_out.value)
    assert is_outage(terminated.value) and not is_contention(terminated.value)
    assert is_outage(refused.value) and not is_contention(refused.value)
    assert not is_outage(bad_query.value) and not is_contention(bad_query.value)

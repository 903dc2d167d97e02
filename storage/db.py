"""Connecting to the database, applying migrations, and one transaction per unit of work."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.repository import SqlStore

__all__ = ["Database", "StorageUnavailable", "connect", "out_of_service", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_SQLITE_OUT_OF_SERVICE = frozenset({8, 10, 13, 14})
"""SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN: the file cannot be opened
or written (a read-only file or file system, a failing or full disk)."""
_POSTGRES_OUT_OF_SERVICE = ("08", "53", "58", "57P0", "25006")
"""SQLSTATE prefixes: connection lost or refused; insufficient resources (disk full, out
of memory or connection slots); system error (I/O); server shutting down, crashed or
starting up; a read-only transaction (a standby, ``default_transaction_read_only``)."""


def out_of_service(driver_error: BaseException) -> bool:
    """Whether a driver's error (sqlite3's or psycopg's, read by its code, never its text)
    says the database as a whole cannot take writes now, rather than that one statement
    is wrong: no error of a message's own content (an encoding error, a constraint) is."""
    if isinstance(driver_error, sqlite3.Error):
        return (driver_error.sqlite_errorcode & 0xFF) in _SQLITE_OUT_OF_SERVICE
    state = getattr(driver_error, "sqlstate", None)
    return isinstance(state, str) and state.startswith(_POSTGRES_OUT_OF_SERVICE)


class StorageUnavailable(Exception):
    """The database cannot be reached or used; the message says which and why."""


def connect(
    url: str, *, wait_seconds: float = 0.0, pool_size: int = 5, max_overflow: int = 10
) -> Engine:
    """Create an engine and check the database answers, retrying for ``wait_seconds``.

    ``pool_size`` connections stay open per process (PostgreSQL), ``max_overflow`` more at
    a peak; each is checked before use (``pool_pre_ping``), so a database restart costs a
    reconnect instead of an error.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageUnavailable(f"database.url {url!r} is not a valid database URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(
            parsed, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow
        )
        event.listen(engine, "handle_error", _drop_sessions_out_of_service)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return engine
        except OperationalError as error:
            if time.monotonic() >= deadline:
                engine.dispose()
                where = parsed.render_as_string(hide_password=True)
                reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
                message = f"cannot reach the database at {where}: {reason}"
                raise StorageUnavailable(message) from None
            time.sleep(0.5)


def _drop_sessions_out_of_service(context: ExceptionContext) -> None:
    """Treat a server that cannot take writes as a lost connection, so the pool replaces
    its sessions: one opened while the database was read-only stays read-only for life
    (``default_transaction_read_only`` is read at connect), and would keep refusing every
    write after the database is writable again."""
    if context.original_exception is not None and out_of_service(context.original_exception):
        context.is_disconnect = True


def _sqlite_engine(url: str) -> Engine:
    """SQLite with WAL and one writer at a time.

    ``BEGIN IMMEDIATE`` takes the write lock when a unit of work starts, so two workers
    never both read a ticket as open and then fail to upgrade to a write lock.
    """
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if make_url(url).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` with Alembic (creates a new database from scratch)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # a migration that rebuilds a table others point at drops it first
            _pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                before = _dangling(connection) if sqlite else set()
                command.upgrade(config, revision)
                if sqlite and (made := _dangling(connection) - before):
                    raise RuntimeError(f"a migration left rows pointing at nothing: {made}")
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys=ON")


def _dangling(connection: Connection) -> set[tuple[str, object]]:
    """Rows whose foreign key points at nothing, as (table, rowid): SQLite lets a hand edit
    leave some; a migration must not add any."""
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    return {(str(row[0]), row[1]) for row in rows}


def _pragma(connection: Connection, setting: str) -> None:
    """Set a SQLite pragma outside any transaction (``foreign_keys`` is ignored inside)."""
    driver = connection.connection.dbapi_connection
    assert driver is not None  # an open connection has its driver's
    cursor = driver.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


class Database:
    """The running application's database: hands out one ``SqlStore`` per transaction."""

    def __init__(self, engine: Engine, key_prefix: str = "T") -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._key_prefix = key_prefix

    @classmethod
    def open(
        cls,
        url: str,
        key_prefix: str = "T",
        *,
        wait_seconds: float = 0.0,
        pool_size: int = 5,
        max_overflow: int = 10,
    ) -> Database:
        """Connect, create or migrate the schema, and return a ready database."""
        engine = connect(
            url, wait_seconds=wait_seconds, pool_size=pool_size, max_overflow=max_overflow
        )
        upgrade(engine)
        return cls(engine, key_prefix)

    @contextmanager
    def unit_of_work(self) -> Iterator[SqlStore]:
        with self._sessions() as session, session.begin():
            yield SqlStore(session, self._key_prefix)

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

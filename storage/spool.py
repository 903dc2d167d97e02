"""The spool (``bot.delivery.spool``) as a SQLite file on local disk, and what counts as an outage.

A plain file the worker owns, independent of the main database by design: it must work
exactly when that one does not. Each ``put`` commits (and SQLite syncs) before it
returns, so a spooled event survives the worker being killed right after.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.delivery.spooled import SpooledEvent, decode_event, encode_event
from bot.events import Event
from storage.db import StorageUnavailable, out_of_service

__all__ = ["SqliteSpool", "is_contention", "is_outage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spooled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (platform, event_id)
)
"""


_CONTENTION_STATES = frozenset({"40001", "40P01", "55P03"})
"""Serialization failure, deadlock, lock not available: try the transaction again."""
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be used now, as a whole: it cannot be
    reached (no connection, a lost one, a server shutting down or starting up, a file that
    cannot be opened) or cannot write (a full disk, a read-only database, an I/O error);
    see ``storage.db.out_of_service``. SQLite's own errors count too: the spool's file may
    sit on the same full disk.

    Not an outage: a lock or busy timeout, a deadlock or a serialization failure (another
    transaction was in the way: ``is_contention``), nor an error in a query or in what it
    stores (a text that cannot be encoded).
    """
    if isinstance(error, StorageUnavailable):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    driver = error.orig if isinstance(error, DBAPIError) else error
    if driver is not None and out_of_service(driver):
        return True
    # No SQLSTATE: the client failed to connect or lost the connection (psycopg).
    return (
        isinstance(error, OperationalError)
        and not isinstance(driver, sqlite3.Error)
        and getattr(driver, "sqlstate", None) is None
    )


def is_contention(error: BaseException) -> bool:
    """Whether ``error`` means another transaction was in the way (worth trying again):
    SQLite busy or locked past its timeout, or on PostgreSQL a deadlock, a serialization
    failure or a lock not available."""
    if not isinstance(error, OperationalError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return (original.sqlite_errorcode & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return getattr(original, "sqlstate", None) in _CONTENTION_STATES


class SqliteSpool:
    """Spooled events in ``path`` (created on first use, with its folder). Every tier0
    process on a host may share the file: any of them drains it, and an event handled
    twice (two drains at once) has no further effect the second time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def put(self, event: Event) -> None:
        with self._lock:
            connection = self._open()
            with connection:
                connection.execute(
                    "INSERT OR IGNORE INTO spooled (platform, event_id, payload) VALUES (?, ?, ?)",
                    (event.place.platform, event.event_id, encode_event(event)),
                )

    def oldest(self, limit: int) -> Sequence[SpooledEvent]:
        with self._lock:
            if self._absent():
                return []
            rows = self._open().execute(
                "SELECT id, payload FROM spooled ORDER BY id LIMIT ?", (limit,)
            )
            return [SpooledEvent(row[0], decode_event(row[1])) for row in rows]

    def done(self, spooled: SpooledEvent) -> None:
        with self._lock:
            connection = self._open()
            with connection:
                connection.execute("DELETE FROM spooled WHERE id = ?", (spooled.id,))

    def __len__(self) -> int:
        """Counted in the file each time: other tier0 processes on this host share it."""
        with self._lock:
            if self._absent():
                return 0
            return int(self._open().execute("SELECT count(*) FROM spooled").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _absent(self) -> bool:
        """Nothing was ever spooled here (the usual case: one stat, no file opened). An
        empty file is what a first ``put`` on a full disk leaves: nothing in it either, and
        opening it there would fail every drain, and with it every event."""
        if self._connection is not None:
            return False
        try:
            return self.path.stat().st_size == 0
        except FileNotFoundError:
            return True

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
                connection.execute(_SCHEMA)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

"""The inbox: platform payloads written to local disk before they are acknowledged.

Slack never redelivers an event once it was acknowledged, and it must be acknowledged
within three seconds, before the engine has stored it. A process killed in between would
lose it. So the adapter writes the payload here first and forgets it once handled; what a
dead process left behind is adopted and handled by the next process on the host.

One SQLite file per process, in a folder all tier0 processes on a host share. A process
holds an exclusive ``flock`` on its own file for as long as it lives; the kernel drops the
lock when the process dies, however it dies, so a file whose lock can be taken belongs to
no one. A file is created under a temporary name, locked, then renamed into place, so no
one ever sees a live process's file unlocked.

Each write is a WAL commit with ``synchronous=NORMAL``: in the operating system's hands
before ``record`` returns, so it survives the process being killed (not a power cut, which
Slack's own retries of unacknowledged events do not cover either).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Inbox", "InboxEntry"]

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS received (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"
_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True)
class InboxEntry:
    id: int
    payload: str


class Inbox:
    """This process's inbox file for one platform, under ``folder``: ``<platform>-*.sqlite``."""

    def __init__(self, folder: Path, platform: str) -> None:
        self.folder = folder
        self.platform = platform
        self._lock = threading.Lock()
        self._path, self._holder = self._create()
        self._connection = _connect(self._path)
        self._closed = False

    def record(self, payload: str) -> int:
        """Keep ``payload`` until ``forget``; it is on disk when this returns."""
        with self._lock:
            with self._connection:
                cursor = self._connection.execute(
                    "INSERT INTO received (payload) VALUES (?)", (payload,)
                )
            return int(cursor.lastrowid or 0)

    def forget(self, entry: int) -> None:
        """The payload was handled (or found not worth handling): drop it."""
        with self._lock:
            if self._closed:  # finished after shutdown: the next process sees it handled
                return
            with self._connection:
                self._connection.execute("DELETE FROM received WHERE id = ?", (entry,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT count(*) FROM received").fetchone()[0])

    def orphans(self) -> Iterator[InboxEntry]:
        """Payloads that processes now dead recorded and did not forget, oldest first per
        file. A file is deleted once all its payloads were yielded and the caller asked for
        the next; if the caller fails first, the file stays for the next adopter (handling
        a payload twice is harmless: the engine drops a second copy of a stored event)."""
        for path in sorted(self.folder.glob(f"{self.platform}-*.sqlite")):
            if path == self._path:
                continue
            holder = _try_lock(path)
            if holder is None:  # its process is alive (or another one is adopting it)
                continue
            try:
                with closing(_connect(path)) as connection:
                    rows = connection.execute(
                        "SELECT id, payload FROM received ORDER BY id"
                    ).fetchall()
                if rows:
                    log.warning("inbox: adopting %d event(s) from %s", len(rows), path.name)
                for row in rows:
                    yield InboxEntry(int(row[0]), str(row[1]))
                _remove(path)
            finally:
                os.close(holder)

    def close(self) -> None:
        """Stop recording; the file goes if it holds nothing (else the next process adopts it)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            empty = not self._connection.execute("SELECT 1 FROM received LIMIT 1").fetchone()
            self._connection.close()
            if empty:
                _remove(self._path)
            os.close(self._holder)

    def _create(self) -> tuple[Path, int]:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.platform}-{os.getpid()}-{uuid.uuid4().hex[:8]}.sqlite"
        draft = self.folder / f".{name}.new"
        holder = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = self.folder / name
        draft.rename(path)
        return path, holder


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(_SCHEMA)
    return connection


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding ``path``'s lock, or None when someone holds it."""
    try:
        holder = os.open(path, os.O_RDWR)
    except FileNotFoundError:  # adopted and removed meanwhile
        return None
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(holder)
        return None
    return holder


def _remove(path: Path) -> None:
    for suffix in _SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.unlink(missing_ok=True)

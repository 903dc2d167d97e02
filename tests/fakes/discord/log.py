"""Thread-safe records of what a client did, with blocking waits for tests."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = [
    "EventLog",
    "FailureRule",
    "GatewayConnection",
    "GatewayFrame",
    "RecordedFile",
    "RecordedRequest",
    "SlowRule",
]

T = TypeVar("T")


@dataclass(frozen=True)
class RecordedFile:
    field_name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    """One REST call. ``path`` is relative to ``/api/v10``; ``json`` is the parsed body,
    taken from the ``payload_json`` part for multipart uploads."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: tuple[RecordedFile, ...]
    status: int
    response: Any

    def matches(self, method: str, path_regex: str) -> bool:
        return self.method == method.upper() and re.fullmatch(path_regex, self.path) is not None


@dataclass(frozen=True)
class GatewayFrame:
    """One frame the client sent on the gateway; ``connection`` counts from 1."""

    connection: int
    path: str
    op: int
    d: Any


@dataclass(frozen=True)
class GatewayConnection:
    """One websocket the client opened: ``path`` is /gateway or /resume; ``query`` holds
    v, encoding and compress (zlib-stream frames are compressed, anything else is text)."""

    number: int
    path: str
    query: dict[str, str]


@dataclass
class FailureRule:
    """Answer the next ``times`` calls matching ``method``/``path_regex`` with ``status``;
    ``after_handling``: the call takes effect first (the answer is lost, not the call)."""

    method: str
    path_regex: str
    status: int
    times: int
    retry_after: float = 0.05
    is_global: bool = False
    after_handling: bool = False
    hits: list[str] = field(default_factory=list)

    def claims(self, method: str, path: str) -> bool:
        if self.times <= 0 or method != self.method.upper():
            return False
        if re.fullmatch(self.path_regex, path) is None:
            return False
        self.times -= 1
        self.hits.append(path)
        return True


@dataclass
class SlowRule:
    """Answer the next ``times`` calls matching ``method``/``path_regex`` only after
    ``seconds``; they take effect after the wait. ``started`` is set when the first arrived,
    so a test can act while the request is in flight."""

    method: str
    path_regex: str
    seconds: float
    times: int
    started: threading.Event = field(default_factory=threading.Event)

    def claims(self, method: str, path: str) -> bool:
        if self.times <= 0 or method != self.method.upper():
            return False
        if re.fullmatch(self.path_regex, path) is None:
            return False
        self.times -= 1
        self.started.set()
        return True


class EventLog(Generic[T]):
    """An append-only list that tests can block on until a matching entry appears."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._changed = threading.Condition()

    def append(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def snapshot(self) -> list[T]:
        with self._changed:
            return list(self._items)

    def wait_for(self, predicate: Callable[[T], bool], timeout: float, what: str) -> T:
        """Return the first entry, past or future, for which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for item in self._items[seen:]:
                    if predicate(item):
                        return item
                seen = len(self._items)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"timed out after {timeout}s waiting for {what}; log: {self._items!r}"
                    )
                self._changed.wait(remaining)

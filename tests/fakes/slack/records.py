"""What the fake saw (every Web API call) and the failures it was told to fake."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CallLog",
    "FakeSlackTimeout",
    "RecordedCall",
    "ScriptedDelays",
    "ScriptedFailure",
    "ScriptedFailures",
    "SlowAnswers",
]

JSON = dict[str, Any]
ParamsPredicate = Callable[[JSON], bool]


class FakeSlackTimeout(AssertionError):
    """Something a test waited for never happened (an AssertionError: pytest reports a failure)."""


@dataclass(frozen=True)
class RecordedCall:
    """One HTTP request to the fake's Web API, as the client sent it and as the fake answered it."""

    method: str
    params: JSON
    token: str | None
    status: int
    response: JSON
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


class CallLog:
    """Append-only, thread-safe list of calls with blocking waits (not for the fake's loop)."""

    def __init__(self) -> None:
        self._calls: list[RecordedCall] = []
        self._changed = threading.Condition()

    def append(self, call: RecordedCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def snapshot(self, method: str | None = None) -> list[RecordedCall]:
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()

    def wait_for(
        self,
        method: str,
        predicate: ParamsPredicate | None,
        *,
        timeout: float,
        ok: bool | None,
        after: int = 0,
    ) -> RecordedCall:
        def matches(call: RecordedCall) -> bool:
            if call.method != method or (ok is not None and call.ok != ok):
                return False
            return predicate is None or predicate(call.params)

        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self._calls[after:]:
                    if matches(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{c.method}({c.status}) {c.params}" for c in self._calls]
                    raise FakeSlackTimeout(
                        f"no matching {method} call within {timeout}s;"
                        f" calls so far: {seen or 'none'}"
                    )
                self._changed.wait(remaining)


@dataclass(frozen=True)
class ScriptedFailure:
    """An answer given instead of the real one: an HTTP error status, or 200 with ok=false."""

    status: int = 200
    error: str = "fatal_error"
    headers: dict[str, str] = field(default_factory=dict)
    # Carry the call out first, then answer with the failure (the answer was lost).
    after_handling: bool = False

    def body(self) -> JSON:
        return {"ok": False, "error": self.error}


class ScriptedFailures:
    """Per-method queues of failures, consumed one per call in the order they were scripted."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[ScriptedFailure]] = {}
        self._lock = threading.Lock()

    def add(self, method: str, failure: ScriptedFailure, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queues.setdefault(method, deque()).extend([failure] * times)

    def take(self, method: str) -> ScriptedFailure | None:
        with self._lock:
            queue = self._queues.get(method)
            return queue.popleft() if queue else None

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()


@dataclass
class SlowAnswers:
    """The next ``times`` calls to a method are answered only after ``seconds``.

    ``started`` is set as soon as the first of them arrived (the client is now waiting), so a
    test can act while a request is in flight without sleeping.
    """

    seconds: float
    times: int
    started: threading.Event = field(default_factory=threading.Event)


class ScriptedDelays:
    """Per-method slow answers, consumed one per call."""

    def __init__(self) -> None:
        self._by_method: dict[str, deque[SlowAnswers]] = {}
        self._lock = threading.Lock()

    def add(self, method: str, slow: SlowAnswers) -> None:
        if slow.times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._by_method.setdefault(method, deque()).append(slow)

    def take(self, method: str) -> SlowAnswers | None:
        with self._lock:
            queue = self._by_method.get(method)
            if not queue:
                return None
            slow = queue[0]
            slow.times -= 1
            if slow.times == 0:
                queue.popleft()
            return slow

    def clear(self) -> None:
        with self._lock:
            self._by_method.clear()

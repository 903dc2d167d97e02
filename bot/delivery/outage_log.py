"""Logging failures of loops that retry by themselves, without a traceback flood.

The delivery loop and the scheduler try the database several times a second. While it is
unreachable, a traceback each time (dozens in a few seconds, thousands in an outage of
minutes) buries everything else in the log. So an outage is told once with its cause, then
in one line a minute while it lasts, and its end once; any other error is left to the
caller, to log with its traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

__all__ = ["OutageLog"]

REPEAT_SECONDS: Final = 60.0


class OutageLog:
    """For one loop: ``failed`` after an error, ``succeeded`` after a round that worked."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        outage: Callable[[BaseException], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._what = what
        self._outage = outage
        self._clock = clock
        self._since: float | None = None  # when the current outage was first seen
        self._told_at = 0.0
        self._missed = 0

    def failed(self, error: BaseException) -> bool:
        """Whether ``error`` is an outage (then it is logged here, sparingly)."""
        if not self._outage(error):
            return False
        now = self._clock()
        if self._since is None:
            self._since, self._told_at, self._missed = now, now, 0
            self._log.warning(
                "%s: database unreachable (%s: %s); retrying",
                self._what,
                type(error).__name__,
                error,
            )
            return True
        self._missed += 1
        if now - self._told_at >= REPEAT_SECONDS:
            self._log.warning(
                "%s: database still unreachable after %.0f s (%d more failed tries)",
                self._what,
                now - self._since,
                self._missed,
            )
            self._told_at, self._missed = now, 0
        return True

    def succeeded(self) -> None:
        if self._since is not None:
            self._log.warning(
                "%s: database reachable again after %.0f s", self._what, self._clock() - self._since
            )
            self._since = None

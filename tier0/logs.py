"""Log lines on stderr: readable text, or one JSON object per line for log collectors.

Log messages carry text from outside (a Slack body, a message, a name). Its line breaks and
other control characters are escaped, so no one can write a line of their own into the log
(``...\\n2026-12-07 18:00:00,000 ERROR tier0.service: ...``) or hide one with terminal codes.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

__all__ = ["LIBRARY_LOGGERS", "configure_logging", "escape_controls"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TRACEBACK_INDENT = "  | "

LIBRARY_LOGGERS = ("slack_sdk", "slack_bolt", "discord")
"""The chat platforms' libraries. At DEBUG they log whole requests and events, message
text included, so they stay at INFO or above whatever ``log_level`` says."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """``text`` on one line: line breaks (also U+0085, U+2028, U+2029) and other control
    characters written as Python escapes."""
    return _CONTROL.sub(lambda m: _NAMED.get(m[0]) or ascii(m[0])[1:-1], text)


def _escaped(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of ``record`` whose message, its arguments filled in, is escaped."""
    safe = copy.copy(record)
    safe.msg, safe.args = escape_controls(record.getMessage()), None
    return safe


def _indented(block: str) -> str:
    """A traceback under its record: each line indented and escaped, so that only a record's
    first line starts at the margin; an exception message with a line break in it (text
    from outside, often) cannot pass for a record of its own."""
    return "\n".join(TRACEBACK_INDENT + escape_controls(line) for line in block.splitlines())


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(_escaped(record))

    def formatException(self, ei: Any) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": escape_controls(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic narrates every start-up, APScheduler every job run (a sweep a minute) at
    # INFO; only their warnings matter to an operator.
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))

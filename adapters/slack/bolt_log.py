"""Bolt's own logger, quieted: the warnings it repeats on every start or request say
nothing an operator can act on, or say it in a dozen lines with the sender's words."""

from __future__ import annotations

import logging
import re
from typing import Final

from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from adapters.slack.http_guard import RefusalLog, Refused

__all__ = ["BOLT_LOG"]


class _TokenNotUnused(logging.Filter):
    """Drops Bolt's "As you gave `client` as well, `token` will be unused." warning.

    Bolt reads SLACK_BOT_TOKEN from the environment by itself and, as tier0 hands it a client
    (which holds that very token), warned on every start that the token is not used.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


class _UnhandledInOneLine(logging.Filter):
    """Turns Bolt's warning about a request no listener takes into one short line a minute.

    Bolt's spans a dozen lines of example code ("[Suggestion] ... @app.action(...)") and
    repeats the payload's action id, which the sender chooses, for every such request.
    """

    def __init__(self) -> None:
        super().__init__()
        self._refusals = RefusalLog()

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or not record.msg.startswith("Unhandled request ("):
            return True
        kind = _UNHANDLED_TYPE.match(record.msg)
        what = f"a {kind[1]} request" if kind else "a request of another type"
        self._refusals.refused(Refused(404, f"no listener takes {what}"), "Slack")
        return False


_UNHANDLED_TYPE: Final = re.compile(r"Unhandled request \(\{'type': '([a-z_]{1,40})'")

# Under slack_bolt, so Bolt's debugging (whole requests, message text) stays off with the
# rest of the library's (tier0.logs.LIBRARY_LOGGERS).
BOLT_LOG = logging.getLogger("slack_bolt.tier0")
BOLT_LOG.addFilter(_TokenNotUnused())
BOLT_LOG.addFilter(_UnhandledInOneLine())

"""Slack's text encoding, both ways: what people wrote as plain text, and plain text as mrkdwn.

Slack sends message text with ``&``, ``<`` and ``>`` escaped and mentions, channels and links
as ``<...>`` tokens. The engine works on plain text, so :func:`plain_text` decodes them into
readable words that no longer act (``<!channel>`` becomes ``@channel``, which pings nobody).
Everything tier0 posts is escaped again with :func:`escape` so no text can forge a link,
a mention or a mass ping, or carry control or bidirectional characters.
"""

from __future__ import annotations

import re
from typing import Final

from adapters.text import visible

__all__ = [
    "SECTION_LIMIT",
    "escape",
    "escaped",
    "markdown_to_mrkdwn",
    "plain_text",
    "truncate",
]

SECTION_LIMIT: Final = 3000
"""Slack's limit on a section block's text (and on each of its fields, 2000)."""

_TOKEN = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def escape(text: str) -> str:
    """Plain text -> mrkdwn that shows that text (Slack's three control characters escaped,
    invisible characters dropped)."""
    return visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _token(match: re.Match[str]) -> str:
    body = match.group(1)
    target, _, label = body.partition("|")
    if target.startswith("@"):  # <@U123> or <@U123|alice>
        return f"@{label or target[1:]}"
    if target.startswith("#"):  # <#C123|general>
        return f"#{label or target[1:]}"
    if target.startswith("!subteam^"):  # <!subteam^S123|@helpdesk>
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!date^"):
        return label
    if target.startswith("!"):  # <!here>, <!channel>, <!everyone>
        return f"@{target[1:]}"
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"{label} ({target})"
    return target


def plain_text(slack_text: str) -> str:
    """What a person wrote, as plain text: Slack tokens decoded, entities unescaped."""
    return _unescape(_TOKEN.sub(_token, slack_text))


def truncate(text: str, limit: int = SECTION_LIMIT) -> str:
    """At most ``limit`` characters, cut at a character boundary with an ellipsis.

    Call it on escaped text only when the cut cannot split an entity; :func:`escaped` does.
    """
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def escaped(text: str, limit: int = SECTION_LIMIT) -> str:
    """Escaped and cut to ``limit`` without splitting an ``&amp;``-style entity."""
    out = escape(text)
    if len(out) <= limit:
        return out
    cut = out[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def markdown_to_mrkdwn(markdown: str) -> str:
    """A knowledge-base article body (Markdown written by the help desk) as mrkdwn.

    The text is escaped first; only bold and links are converted, since those are what the
    articles use and the rest reads fine as it is.
    """
    text = escape(markdown)
    text = _BOLD.sub(r"*\1*", text)
    return _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
